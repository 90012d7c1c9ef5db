// Grant against a real PostgreSQL (the host server, or PGSCALE_TEST_PG_URI): privileges on a
// database, a schema and its tables (now and later), drift revoked by the next up, removal.
import { randomBytes } from "crypto";
import { Client } from "pg";
import { parseGrant } from "@pgscale/core";
import { grantProvider } from "@pgscale/postgres";
import { TestSchema, testPgUri } from "./partition-fixtures";
import { AccessEngine, type State } from "./access-engine";

jest.setTimeout(60_000);

const engine = new AccessEngine(grantProvider);
const tag = randomBytes(3).toString("hex");
const reporter = `it_report_${tag}`;
const password = randomBytes(12).toString("hex");
let schema: TestSchema;
const props = (input: Record<string, unknown>) => ({ ...JSON.parse(JSON.stringify(parseGrant(input, "Grant g"))), connection: testPgUri() });
const db = () => new URL(testPgUri()).pathname.slice(1) || "postgres";

/** Runs `text` as the report role; resolves to the SQLSTATE of its failure, or "ok". */
async function asReporter(text: string): Promise<string> {
    const u = new URL(testPgUri());
    u.username = reporter;
    u.password = password;
    const c = new Client({ connectionString: u.toString() });
    await c.connect();
    try {
        await c.query(text);
        return "ok";
    } catch (e) {
        return (e as { code?: string }).code ?? String(e);
    } finally {
        await c.end();
    }
}

beforeAll(async () => {
    schema = await TestSchema.create("grant");
    await schema.sql(`CREATE ROLE "${reporter}" LOGIN PASSWORD '${password}'`);
    await schema.sql(`CREATE TABLE "${schema.name}".orders (id int)`);
    await schema.sql(`CREATE TABLE "${schema.name}".users (id int)`);
});
afterAll(async () => {
    await schema.sql(`DROP SCHEMA IF EXISTS "${schema.name}" CASCADE`);
    await schema.sql(`DROP OWNED BY "${reporter}"`);
    await schema.sql(`DROP ROLE IF EXISTS "${reporter}"`);
    await schema.drop();
});

describe("Grant", () => {
    let usage: State;
    let select: State;
    const selectArgs = () => ({ role: reporter, on: "tables", schema: schema.name, privileges: ["SELECT"] });

    it("grants read-only on a schema's tables, now and for tables created later; writes fail with 42501", async () => {
        usage = await engine.up(props({ role: reporter, on: "schema", schema: schema.name, privileges: ["USAGE"] }));
        const pv = await engine.preview(props(selectArgs()));
        expect(pv.plan).toEqual([
            `grant SELECT on table ${schema.name}.orders to ${reporter}`,
            `grant SELECT on table ${schema.name}.users to ${reporter}`,
            expect.stringMatching(new RegExp(`^grant SELECT on future tables \\S+ creates in ${schema.name} to ${reporter}$`)),
        ]);
        select = await engine.up(props(selectArgs()));
        expect(await asReporter(`SELECT * FROM "${schema.name}".orders`)).toBe("ok");
        expect(await asReporter(`INSERT INTO "${schema.name}".orders VALUES (1)`)).toBe("42501");
        await schema.sql(`CREATE TABLE "${schema.name}".later (id int)`);
        expect(await asReporter(`SELECT * FROM "${schema.name}".later`)).toBe("ok");
        // The new table already has the privilege: nothing to plan.
        const again = await engine.preview(props(selectArgs()), select);
        expect(again.plan).toEqual([]);
        expect(again.changes).toBe(false);
    });

    it("shows a privilege granted by hand on refresh, and revokes it on the next up", async () => {
        await schema.sql(`GRANT DELETE ON "${schema.name}".users TO "${reporter}"`);
        const refreshed = (await engine.refresh(select))!;
        expect((refreshed.outputs.observed as { objects: { name: string; privileges: string[] }[] }).objects.find((o) => o.name === "users")!.privileges).toEqual(["DELETE", "SELECT"]);
        const pv = await engine.preview(props(selectArgs()), refreshed);
        expect(pv.plan).toEqual([`revoke DELETE on table ${schema.name}.users from ${reporter} (not declared)`]);
        select = await engine.up(props(selectArgs()), refreshed);
        expect(await asReporter(`DELETE FROM "${schema.name}".users`)).toBe("42501");
    });

    it("keeps privileges granted elsewhere with revokeUnmanaged false", async () => {
        await schema.sql(`GRANT TRUNCATE ON "${schema.name}".users TO "${reporter}"`);
        const keep = await engine.preview(props({ ...selectArgs(), revokeUnmanaged: false }), select);
        expect(keep.plan).toEqual([]);
        await schema.sql(`REVOKE TRUNCATE ON "${schema.name}".users FROM "${reporter}"`);
    });

    it("grants on a database, and refuses a listed table that does not exist, before anything runs", async () => {
        const conn = await engine.up(props({ role: reporter, on: "database", database: db(), privileges: ["CONNECT", "TEMPORARY"] }));
        expect(conn.outputs.applied).toEqual([`grant CONNECT, TEMPORARY on database ${db()} to ${reporter}`]);
        const missing = await engine.preview(props({ role: reporter, on: "tables", schema: schema.name, objects: ["orders", "nope"], privileges: ["SELECT"] }));
        expect(missing.failures).toEqual([{ property: "objects", reason: `objects[1]: table "${schema.name}.nope" does not exist` }]);
        await engine.destroy(conn);
    });

    it("takes an injection attempt in a table name as a name", async () => {
        const evil = `x"; DROP TABLE "${schema.name}".orders; --`;
        await schema.sql(`CREATE TABLE "${schema.name}"."${evil.replace(/"/g, '""')}" (id int)`);
        const s = await engine.up(props({ role: reporter, on: "tables", schema: schema.name, objects: [evil], privileges: ["SELECT", "INSERT"] }));
        expect(await asReporter(`INSERT INTO "${schema.name}"."${evil.replace(/"/g, '""')}" VALUES (1)`)).toBe("ok");
        expect(await schema.tableExists("orders")).toBe(true);
        await engine.destroy(s);
        expect(await asReporter(`INSERT INTO "${schema.name}"."${evil.replace(/"/g, '""')}" VALUES (1)`)).toBe("42501");
    });

    it("grants EXECUTE on every routine of a schema, each overload by its signature, and on functions created later", async () => {
        const q = `"${schema.name}"`;
        await schema.sql(`CREATE FUNCTION ${q}.score(a int) RETURNS int LANGUAGE sql AS 'SELECT a'`);
        await schema.sql(`CREATE FUNCTION ${q}.score(a int, label text) RETURNS text LANGUAGE sql AS 'SELECT label'`);
        await schema.sql(`CREATE PROCEDURE ${q}."Refresh"() LANGUAGE sql AS 'SELECT 1'`);
        // PUBLIC runs every function by default; a least-privilege schema takes that away first.
        await schema.sql(`REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA ${q} FROM PUBLIC`);
        expect(await asReporter(`SELECT ${q}.score(1)`)).toBe("42501");
        const args = { role: reporter, on: "functions", schema: schema.name, privileges: ["EXECUTE"] };
        const pv = await engine.preview(props(args));
        expect(pv.plan).toEqual([
            `grant EXECUTE on function ${schema.name}.Refresh() to ${reporter}`,
            `grant EXECUTE on function ${schema.name}.score(a integer) to ${reporter}`,
            `grant EXECUTE on function ${schema.name}.score(a integer, label text) to ${reporter}`,
            expect.stringMatching(new RegExp(`^grant EXECUTE on future functions \\S+ creates in ${schema.name} to ${reporter}$`)),
        ]);
        const fns = await engine.up(props(args));
        expect(await asReporter(`SELECT ${q}.score(1)`)).toBe("ok");
        expect(await asReporter(`SELECT ${q}.score(1, 'x')`)).toBe("ok");
        expect(await asReporter(`CALL ${q}."Refresh"()`)).toBe("ok");
        // A function created later is covered by the default privileges: nothing left to plan.
        await schema.sql(`CREATE FUNCTION ${q}.later() RETURNS int LANGUAGE sql AS 'SELECT 2'`);
        expect((await engine.preview(props(args), fns)).plan).toEqual([]);
        await engine.destroy(fns);
        expect(await asReporter(`SELECT ${q}.score(1)`)).toBe("42501");
        expect(await asReporter(`CALL ${q}."Refresh"()`)).toBe("42501");
    });

    it("removal revokes what it declared, on existing and future tables", async () => {
        await engine.destroy(select);
        expect(await asReporter(`SELECT * FROM "${schema.name}".orders`)).toBe("42501");
        await schema.sql(`CREATE TABLE "${schema.name}".after_removal (id int)`);
        expect(await asReporter(`SELECT * FROM "${schema.name}".after_removal`)).toBe("42501");
        await engine.destroy(usage);
        expect(await asReporter(`SELECT * FROM "${schema.name}".orders`)).toBe("42501");
    });
});
