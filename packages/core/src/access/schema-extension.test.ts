import { parseExtension, parseSchema, planExtension, planExtensionRemoval, planSchema, planSchemaRemoval } from ".";

describe("Schema", () => {
    const spec = (over = {}) => parseSchema({ name: "app", ...over }, "Schema s");
    const catalog = { schema: null, previous: null, ownerExists: true, connectionRole: "admin" };
    it("refuses PostgreSQL's own schemas", () => {
        expect(() => spec({ name: "pg_catalog" })).toThrow(/name: "pg_catalog" is PostgreSQL's own/);
        expect(() => spec({ name: "information_schema" })).toThrow(/name/);
    });
    it("creates with the connection's role as owner; keeps it on removal unless asked", () => {
        expect(planSchema({ desired: spec(), catalog, intent: "create" }).steps[0].statements).toEqual([`CREATE SCHEMA "app" AUTHORIZATION "admin"`]);
        expect(planSchemaRemoval(spec())).toEqual([]);
        expect(planSchemaRemoval(spec({ removalPolicy: "dropIfEmpty" }))[0].statements).toEqual([`DROP SCHEMA IF EXISTS "app" RESTRICT`]);
        expect(planSchemaRemoval(spec({ removalPolicy: "destroy" }))[0].statements).toEqual([`DROP SCHEMA IF EXISTS "app" CASCADE`]);
    });
    it("refuses to take over an existing schema unless adopted", () => {
        const existing = { ...catalog, schema: { name: "app", owner: "admin" } };
        expect(planSchema({ desired: spec(), catalog: existing, intent: "create" }).refusals[0].field).toBe("name");
        expect(planSchema({ desired: spec(), catalog: existing, intent: "create", adoptExisting: true })).toEqual({ steps: [], refusals: [] });
    });
});

describe("Extension", () => {
    const spec = (over = {}) => parseExtension({ name: "pg_trgm", ...over }, "Extension e");
    const catalog = { extension: null, available: ["pg_partman", "pg_trgm"], versions: ["1.5", "1.6"], schemaExists: true };
    it("creates with the server's default version unless one is named", () => {
        expect(planExtension({ desired: spec(), catalog, intent: "create" }).steps[0].statements).toEqual([`CREATE EXTENSION "pg_trgm"`]);
        expect(planExtension({ desired: spec({ version: "1.5", schema: "ext" }), catalog, intent: "create" }).steps[0].statements).toEqual([`CREATE EXTENSION "pg_trgm" WITH SCHEMA "ext" VERSION '1.5'`]);
    });
    it("refuses what the server does not have, naming what it has", () => {
        expect(planExtension({ desired: spec({ name: "postgis" }), catalog, intent: "create" }).refusals).toEqual([
            { field: "name", reason: 'extension "postgis" is not available on this server; it has pg_partman, pg_trgm' },
        ]);
        expect(planExtension({ desired: spec({ version: "2.0" }), catalog, intent: "create" }).refusals[0].reason).toBe("pg_trgm 2.0 is not available on this server; it has 1.5, 1.6");
        expect(() => spec({ version: "1.6'; DROP" })).toThrow(/version/);
    });
    it("updates a declared version in place and leaves an undeclared one", () => {
        const installed = { ...catalog, extension: { name: "pg_trgm", version: "1.5", schema: "public" } };
        expect(planExtension({ desired: spec({ version: "1.6" }), catalog: installed, intent: "update" }).steps[0].statements).toEqual([`ALTER EXTENSION "pg_trgm" UPDATE TO '1.6'`]);
        expect(planExtension({ desired: spec(), catalog: installed, intent: "update" }).steps).toEqual([]);
        expect(planExtensionRemoval(spec({ removalPolicy: "retain" }))).toEqual([]);
    });
});
