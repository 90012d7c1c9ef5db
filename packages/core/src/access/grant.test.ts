import { PgscaleValidationError } from "../validation";
import { parseGrant, planGrant, planGrantRemoval, summarizeAccessPlan, type GrantCatalog } from ".";

/** The fields a bad Grant names. */
const fieldsOf = (input: unknown): string[] => {
    try {
        return parseGrant(input, "Grant g") && [];
    } catch (e) {
        return (e as PgscaleValidationError).issues.map((i) => i.field);
    }
};
const catalog = (over: Partial<GrantCatalog> = {}): GrantCatalog => ({ roleExists: true, containerExists: true, objects: [], missing: [], ...over });

describe("Grant spec", () => {
    it("upper-cases privileges, expands ALL in PostgreSQL's order, and covers future tables by default", () => {
        expect(parseGrant({ role: "r", on: "tables", schema: "app", privileges: ["insert", "select"] }, "Grant g"))
            .toMatchObject({ privileges: ["SELECT", "INSERT"], defaultPrivileges: true, revokeUnmanaged: true });
        expect(parseGrant({ role: "r", on: "database", database: "appdb", privileges: ["ALL"] }, "Grant g").privileges).toEqual(["CONNECT", "CREATE", "TEMPORARY"]);
        expect(parseGrant({ role: "r", on: "tables", schema: "app", objects: ["t"], privileges: ["SELECT"] }, "Grant g").defaultPrivileges).toBeUndefined();
    });
    it.each([
        ["a privilege the object does not take", { role: "r", on: "schema", schema: "s", privileges: ["SELECT"] }, "privileges[0]"],
        ["no privilege", { role: "r", on: "schema", schema: "s", privileges: [] }, "privileges"],
        ["ALL beside others", { role: "r", on: "schema", schema: "s", privileges: ["ALL", "USAGE"] }, "privileges"],
        ["a database grant without the database", { role: "r", on: "database", privileges: ["CONNECT"] }, "database"],
        ["a schema on a database grant", { role: "r", on: "database", database: "d", schema: "s", privileges: ["CONNECT"] }, "schema"],
        ["a table grant without the schema", { role: "r", on: "tables", privileges: ["SELECT"] }, "schema"],
        ["objects on a schema grant", { role: "r", on: "schema", schema: "s", objects: ["t"], privileges: ["USAGE"] }, "objects"],
        ["default privileges for listed tables", { role: "r", on: "tables", schema: "s", objects: ["t"], defaultPrivileges: true, privileges: ["SELECT"] }, "defaultPrivileges"],
        ["a grant to pgscale's superuser", { role: "postgres", on: "schema", schema: "s", privileges: ["USAGE"] }, "role"],
        ["an unknown kind of object", { role: "r", on: "views", schema: "s", privileges: ["SELECT"] }, "on"],
        ["a table privilege on functions", { role: "r", on: "functions", schema: "s", privileges: ["SELECT"] }, "privileges[0]"],
        ["a function grant without the schema", { role: "r", on: "functions", privileges: ["EXECUTE"] }, "schema"],
    ])("refuses %s, naming the field", (_what, input, field) => {
        expect(fieldsOf(input)).toContain(field);
    });
});

describe("planGrant", () => {
    const tables = parseGrant({ role: "report", on: "tables", schema: "app", privileges: ["SELECT"] }, "Grant g");

    it("grants what is missing on each table and on future tables, and revokes what was granted elsewhere", () => {
        const plan = planGrant(tables, catalog({
            objects: [{ name: "orders", privileges: [] }, { name: "users", privileges: ["DELETE", "SELECT"] }],
            defaultsFor: "app", defaults: [],
        }));
        expect(plan.steps.map((s) => s.statements[0])).toEqual([
            `GRANT SELECT ON TABLE "app"."orders" TO "report"`,
            `REVOKE DELETE ON TABLE "app"."users" FROM "report"`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "app" IN SCHEMA "app" GRANT SELECT ON TABLES TO "report"`,
        ]);
        expect(summarizeAccessPlan(plan)[1]).toBe("revoke DELETE on table app.users from report (not declared)");
    });
    it("keeps privileges granted elsewhere with revokeUnmanaged false, and plans nothing when all is in place", () => {
        const keep = parseGrant({ role: "report", on: "tables", schema: "app", privileges: ["SELECT"], revokeUnmanaged: false }, "Grant g");
        expect(planGrant(keep, catalog({ objects: [{ name: "users", privileges: ["DELETE", "SELECT"] }], defaultsFor: "app", defaults: ["SELECT"] })).steps).toEqual([]);
    });
    it("refuses a missing grantee, schema or listed table, naming the field", () => {
        const listed = parseGrant({ role: "report", on: "tables", schema: "app", objects: ["a", "b"], privileges: ["SELECT"] }, "Grant g");
        expect(planGrant(listed, catalog({ roleExists: false, missing: ["b"] })).refusals).toEqual([
            { field: "role", reason: 'role "report" does not exist' },
            { field: "objects[1]", reason: 'table "app.b" does not exist' },
        ]);
        expect(planGrant(tables, catalog({ containerExists: false })).refusals).toEqual([{ field: "schema", reason: 'schema "app" does not exist' }]);
    });
    it("quotes every name (an injection attempt is a name)", () => {
        const evil = parseGrant({ role: `r"; DROP TABLE x; --`, on: "database", database: `d"x`, privileges: ["CONNECT"] }, "Grant g");
        expect(planGrant(evil, catalog({ objects: [{ name: `d"x`, privileges: [] }] })).steps[0].statements[0]).toBe(`GRANT CONNECT ON DATABASE "d""x" TO "r""; DROP TABLE x; --"`);
    });
    it("grants EXECUTE on each overload of a routine by its signature, and on future functions", () => {
        const fns = parseGrant({ role: "api", on: "functions", schema: "app", privileges: ["all"] }, "Grant g");
        expect(fns).toMatchObject({ privileges: ["EXECUTE"], defaultPrivileges: true });
        const plan = planGrant(fns, catalog({
            objects: [{ name: "score", args: "integer", privileges: [] }, { name: "score", args: "integer, text", privileges: ["EXECUTE"] }, { name: "Refresh", args: "", privileges: [] }],
            defaultsFor: "app", defaults: [],
        }));
        expect(plan.steps.map((s) => s.statements[0])).toEqual([
            `GRANT EXECUTE ON ROUTINE "app"."score"(integer) TO "api"`,
            `GRANT EXECUTE ON ROUTINE "app"."Refresh"() TO "api"`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "app" IN SCHEMA "app" GRANT EXECUTE ON FUNCTIONS TO "api"`,
        ]);
        expect(summarizeAccessPlan(plan)[0]).toBe("grant EXECUTE on function app.score(integer) to api");
        const listed = parseGrant({ role: "api", on: "functions", schema: "app", objects: ["score", "gone"], privileges: ["EXECUTE"] }, "Grant g");
        expect(planGrant(listed, catalog({ missing: ["gone"] })).refusals).toEqual([{ field: "objects[1]", reason: 'function "app.gone" does not exist' }]);
    });
    it("removal revokes what the grant declared and leaves the rest", () => {
        const { steps, refusals } = planGrantRemoval(tables, catalog({ objects: [{ name: "users", privileges: ["DELETE", "SELECT"] }], defaultsFor: "app", defaults: ["SELECT"] }));
        expect(refusals).toEqual([]);
        expect(steps.map((s) => s.statements[0])).toEqual([
            `REVOKE SELECT ON TABLE "app"."users" FROM "report"`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "app" IN SCHEMA "app" REVOKE SELECT ON TABLES FROM "report"`,
        ]);
        expect(steps[0].summary).toBe("revoke SELECT on table app.users from report");
    });
    it("refuses to revoke, or remove, a privilege a running subscription uses through the grantee, naming it; other revokes go on", () => {
        const use = { object: "users", privilege: "SELECT", user: "repl", slot: "users_sub" };
        const held = catalog({ objects: [{ name: "users", privileges: ["SELECT"] }, { name: "notes", privileges: ["SELECT"] }], subscriberUses: [use], defaultsFor: "app", defaults: [] });
        const narrowed = parseGrant({ role: "report", on: "tables", schema: "app", objects: ["users", "notes"], privileges: ["INSERT"] }, "Grant g");
        const plan = planGrant(narrowed, held);
        expect(plan.steps).toEqual([]);
        expect(plan.refusals).toEqual([{
            field: "privileges",
            reason: "revoking SELECT on table app.users from report would break a running subscription: the logical replication connection as repl (slot users_sub) needs it to copy the published tables; disable or drop that subscription first, or keep the privilege",
        }]);
        expect(planGrantRemoval(tables, held).refusals.map((r) => r.field)).toEqual(["privileges"]);
        // Kept (or not revoked: revokeUnmanaged false), the privilege is no obstacle.
        expect(planGrant(tables, held).refusals).toEqual([]);
        expect(planGrant({ ...narrowed, revokeUnmanaged: false }, held).refusals).toEqual([]);
        // A privilege of another object the subscription does not use is revoked as usual.
        const onlyNotes = catalog({ objects: [{ name: "notes", privileges: ["SELECT"] }], subscriberUses: [use], defaultsFor: "app", defaults: [] });
        expect(planGrantRemoval(tables, onlyNotes).steps.map((s) => s.statements[0])).toEqual([`REVOKE SELECT ON TABLE "app"."notes" FROM "report"`]);
        const connect = parseGrant({ role: "repl", on: "database", database: "appdb", privileges: ["CONNECT"] }, "Grant g");
        expect(planGrantRemoval(connect, catalog({ objects: [{ name: "appdb", privileges: ["CONNECT"] }], subscriberUses: [{ ...use, object: "appdb", privilege: "CONNECT" }] })).refusals[0].reason)
            .toContain("needs it to connect");
    });
});
