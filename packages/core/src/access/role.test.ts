import { PgscaleValidationError } from "../validation";
import { parseRole, planRole, planRoleRemoval, summarizeAccessPlan, type ObservedRole, type RoleCatalog } from ".";

const observed = (over: Partial<ObservedRole> = {}): ObservedRole => ({
    name: "app_rw", login: true, inherit: true, createDatabase: false, createRole: false,
    connectionLimit: -1, validUntil: null, superuser: false, memberOf: [], ...over,
});
const catalog = (over: Partial<RoleCatalog> = {}): RoleCatalog => ({ role: null, previous: null, existing: [], members: [], ...over });
const fieldsOf = (f: () => unknown) => {
    try {
        f();
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues.map((i) => i.field);
        throw e;
    }
    return [];
};

describe("Role spec", () => {
    it("fills documented defaults", () => {
        expect(parseRole({ name: "app_rw" }, "Role r")).toEqual({
            name: "app_rw", login: true, inherit: true, createDatabase: false, createRole: false,
            connectionLimit: -1, memberOf: [], removalPolicy: "drop",
        });
    });
    it.each([
        ["a reserved role", { name: "postgres" }, "name"],
        ["a pg_ name", { name: "pg_reader" }, "name"],
        ["pgscale's replication user", { name: "replicator" }, "name"],
        ["a name over 63 bytes", { name: "r".repeat(64) }, "name"],
        ["membership in itself", { name: "a", memberOf: ["a"] }, "memberOf[0]"],
        ["a membership twice", { name: "a", memberOf: ["b", "b"] }, "memberOf[1]"],
        ["membership in pgscale's superuser", { name: "a", memberOf: ["postgres"] }, "memberOf[0]"],
        ["connection limit below -1", { name: "a", connectionLimit: -2 }, "connectionLimit"],
        ["a date without a zone", { name: "a", validUntil: "2027-01-01" }, "validUntil"],
        ["reassign without a target", { name: "a", removalPolicy: "reassign" }, "reassignOwnedTo"],
        ["a target without reassign", { name: "a", reassignOwnedTo: "b" }, "reassignOwnedTo"],
        ["a misspelt option", { name: "a", logn: true }, "logn"],
    ])("refuses %s, naming the field", (_what, input, field) => {
        expect(fieldsOf(() => parseRole(input, "Role r"))).toContain(field);
    });
    it("lets a role join PostgreSQL's predefined roles", () => {
        expect(parseRole({ name: "watcher", memberOf: ["pg_monitor", "pg_read_all_data"] }, "Role r").memberOf).toEqual(["pg_monitor", "pg_read_all_data"]);
    });
    it("takes any identifier, quoted (an injection attempt is a name like any other)", () => {
        const spec = parseRole({ name: `x"; DROP ROLE postgres; --` }, "Role r");
        const plan = planRole({ desired: spec, catalog: catalog(), intent: "create" });
        expect(plan.steps[0].statements[0]).toContain(`"x""; DROP ROLE postgres; --"`);
    });
});

describe("planRole", () => {
    const spec = (over = {}) => parseRole({ name: "app_rw", ...over }, "Role r");

    it("creates a login role with its SCRAM verifier and memberships; the verifier stays out of the summary", () => {
        const plan = planRole({ desired: spec({ memberOf: ["readers"] }), catalog: catalog({ existing: ["readers"] }), intent: "create", verifier: "SCRAM-SHA-256$4096:c2FsdA==$AA==:AA==" });
        expect(plan.refusals).toEqual([]);
        expect(plan.steps.map((s) => s.statements[0])).toEqual([
            `CREATE ROLE "app_rw" WITH LOGIN INHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT -1 VALID UNTIL 'infinity' PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$AA==:AA=='`,
            `GRANT "readers" TO "app_rw"`,
        ]);
        expect(plan.steps[0].sensitive).toBe(true);
        expect(summarizeAccessPlan(plan).join("\n")).not.toContain("SCRAM");
    });
    it("an unchanged role plans nothing", () => {
        const plan = planRole({ desired: spec({ memberOf: ["readers"] }), catalog: catalog({ role: observed({ memberOf: ["readers"] }), existing: ["readers"] }), intent: "update" });
        expect(plan).toEqual({ steps: [], refusals: [] });
    });
    it("alters only what differs and revokes memberships granted outside the stack", () => {
        const plan = planRole({
            desired: spec({ connectionLimit: 10, createDatabase: true, validUntil: "2030-01-01T00:00:00Z", memberOf: ["readers"] }),
            catalog: catalog({ role: observed({ memberOf: ["admins"] }), existing: ["readers"] }),
            intent: "update",
        });
        expect(summarizeAccessPlan(plan)).toEqual([
            "alter role app_rw: CREATEDB",
            "alter role app_rw: connection limit -1 -> 10",
            "alter role app_rw: valid until 2030-01-01T00:00:00Z",
            "grant membership in readers to app_rw",
            "revoke membership in admins from app_rw (not declared)",
        ]);
    });
    it("renames in place rather than dropping and creating", () => {
        const plan = planRole({ desired: spec({ name: "app_writer" }), previousName: "app_rw", catalog: catalog({ previous: observed() }), intent: "update" });
        expect(plan.steps.map((s) => s.statements[0])).toEqual([`ALTER ROLE "app_rw" RENAME TO "app_writer"`]);
    });
    it("refuses a missing or cyclic membership, an existing role it did not create, and a superuser", () => {
        const missing = planRole({ desired: spec({ memberOf: ["nobody"] }), catalog: catalog(), intent: "create" });
        expect(missing.refusals).toEqual([{ field: "memberOf[0]", reason: 'role "nobody" does not exist' }]);
        const cycle = planRole({ desired: spec({ memberOf: ["team"] }), catalog: catalog({ role: observed(), existing: ["team"], members: ["team"] }), intent: "update" });
        expect(cycle.refusals[0].reason).toMatch(/cycle/);
        const taken = planRole({ desired: spec(), catalog: catalog({ role: observed() }), intent: "create" });
        expect(taken.refusals[0]).toMatchObject({ field: "name", reason: expect.stringMatching(/already exists: set adoptExisting/) });
        expect(planRole({ desired: spec(), catalog: catalog({ role: observed() }), intent: "create", adoptExisting: true }).refusals).toEqual([]);
        const su = planRole({ desired: spec(), catalog: catalog({ role: observed({ superuser: true }) }), intent: "update" });
        expect(su.refusals[0].reason).toMatch(/superuser/);
    });
    it("removal: drop, reassign then drop, or nothing", () => {
        expect(planRoleRemoval(spec()).map((s) => s.statements).flat()).toEqual([`DROP ROLE IF EXISTS "app_rw"`]);
        expect(planRoleRemoval(spec({ removalPolicy: "reassign", reassignOwnedTo: "owner" })).map((s) => s.statements).flat())
            .toEqual([`REASSIGN OWNED BY "app_rw" TO "owner"`, `DROP OWNED BY "app_rw"`, `DROP ROLE IF EXISTS "app_rw"`]);
        expect(planRoleRemoval(spec({ removalPolicy: "retain" }))).toEqual([]);
    });
});
