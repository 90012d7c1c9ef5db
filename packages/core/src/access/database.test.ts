import { PgscaleValidationError } from "../validation";
import { parseDatabase, planDatabase, planDatabaseRemoval, type DatabaseCatalog, type ObservedDatabase } from ".";

const observed = (over: Partial<ObservedDatabase> = {}): ObservedDatabase => ({ name: "appdb", owner: "app", encoding: "UTF8", locale: "C.UTF-8", connectionLimit: -1, ...over });
const catalog = (over: Partial<DatabaseCatalog> = {}): DatabaseCatalog => ({ database: null, previous: null, ownerExists: true, connectionRole: "admin", ...over });
const spec = (over = {}) => parseDatabase({ name: "appdb", ...over }, "Database d");

describe("Database", () => {
    it("defaults: UTF8 from template0, no limit, retained on removal", () => {
        expect(spec()).toEqual({ name: "appdb", encoding: "UTF8", template: "template0", connectionLimit: -1, removalPolicy: "retain" });
        expect(planDatabaseRemoval(spec())).toEqual([]);
    });
    it.each([
        ["a system database", { name: "template1" }, "name"],
        ["pgscale's superuser as owner", { owner: "postgres" }, "owner"],
        ["a locale with a quote", { locale: "C'; DROP" }, "locale"],
        ["a limit below -1", { connectionLimit: -3 }, "connectionLimit"],
    ])("refuses %s, naming the field", (_what, over, field) => {
        try {
            spec(over);
            throw new Error("accepted");
        } catch (e) {
            expect((e as PgscaleValidationError).issues.map((i) => i.field)).toContain(field);
        }
    });
    it("creates outside a transaction with the connection's role as owner by default", () => {
        const plan = planDatabase({ desired: spec({ locale: "C.UTF-8" }), catalog: catalog(), intent: "create" });
        expect(plan.steps).toEqual([{
            summary: "create database appdb (owner admin, UTF8, C.UTF-8)",
            statements: [`CREATE DATABASE "appdb" WITH OWNER "admin" TEMPLATE "template0" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' CONNECTION LIMIT -1`],
            transactional: false,
        }]);
    });
    it("changes owner and limit in place, renames, and refuses create-only changes", () => {
        expect(planDatabase({ desired: spec({ owner: "app", connectionLimit: 5 }), catalog: catalog({ database: observed() }), intent: "update" }).steps.map((s) => s.statements[0]))
            .toEqual([`ALTER DATABASE "appdb" WITH CONNECTION LIMIT 5`]);
        expect(planDatabase({ desired: spec({ name: "newdb", owner: "app" }), previousName: "appdb", catalog: catalog({ previous: observed() }), intent: "update" }).steps.map((s) => s.statements[0]))
            .toEqual([`ALTER DATABASE "appdb" RENAME TO "newdb"`]);
        const refused = planDatabase({ desired: spec({ owner: "app", encoding: "LATIN1", locale: "en_US.UTF-8" }), catalog: catalog({ database: observed() }), intent: "update" });
        expect(refused.refusals.map((r) => r.field)).toEqual(["encoding", "locale"]);
        expect(planDatabase({ desired: spec({ owner: "ghost" }), catalog: catalog({ ownerExists: false }), intent: "create" }).refusals)
            .toEqual([{ field: "owner", reason: 'role "ghost" does not exist' }]);
    });
    it("drops only with removalPolicy destroy", () => {
        expect(planDatabaseRemoval(spec({ removalPolicy: "destroy" }))[0].statements).toEqual([`DROP DATABASE IF EXISTS "appdb"`]);
    });
});
