import { databaseFields, declaredRoleOrder, renderDeclaredAccessSql, roleFields } from ".";

const role = (input: object) => roleFields.parse(input);
const database = (input: object) => databaseFields.parse(input);
const VERIFIER = "SCRAM-SHA-256$4096:c2FsdA==$c3RvcmVk:c2VydmVy";

describe("declaredRoleOrder", () => {
    it("puts each role after the declared roles it joins, keeping the given order otherwise", () => {
        const roles = [{ name: "a", memberOf: ["b"] }, { name: "b", memberOf: ["c", "pg_monitor"] }, { name: "c", memberOf: [] }, { name: "d", memberOf: [] }];
        expect(declaredRoleOrder(roles).map((r) => r.name)).toEqual(["c", "b", "a", "d"]);
    });
    it("throws on a cycle (the cluster spec refuses one first)", () => {
        expect(() => declaredRoleOrder([{ name: "a", memberOf: ["b"] }, { name: "b", memberOf: ["a"] }])).toThrow(/cycle among a, b/);
    });
});

describe("renderDeclaredAccessSql", () => {
    const sql = renderDeclaredAccessSql({
        roles: [role({ name: "reporter", memberOf: ["readers"], connectionLimit: 5, validUntil: "2027-01-01T00:00:00Z" }), role({ name: "readers", login: false })],
        databases: [database({ name: "reports", owner: "reporter", locale: "C.UTF-8" }), database({ name: "scratch", connectionLimit: 3, template: "template1" })],
        defaultOwner: "app",
        verifiers: { reporter: VERIFIER },
    });
    const lines = sql.split("\n");

    it("keeps its statements (SCRAM verifiers) out of the server log, first", () => {
        expect(lines.slice(0, 3)).toEqual(["SET log_statement = 'none';", "SET log_min_error_statement = 'panic';", "SET client_min_messages = warning;"]);
    });

    it("creates a missing role, then sets every declared attribute with Role's own statements, the verifier and never a password", () => {
        expect(lines).toContain(`DO $pgscale$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'reporter') THEN CREATE ROLE "reporter"; END IF; END $pgscale$;`);
        expect(lines).toContain(`ALTER ROLE "reporter" WITH LOGIN INHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT 5 VALID UNTIL '2027-01-01T00:00:00Z' PASSWORD '${VERIFIER}';`);
        // A group role sets no password; no expiry is 'infinity' (a removed validUntil is undone).
        expect(lines).toContain(`ALTER ROLE "readers" WITH NOLOGIN INHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT -1 VALID UNTIL 'infinity';`);
        expect(sql).not.toMatch(/PASSWORD '(?!SCRAM-SHA-256\$)/);
    });

    it("orders a role after the roles it joins, grants the declared memberships and revokes the others", () => {
        const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
        expect(at(`ALTER ROLE "readers"`)).toBeLessThan(at(`ALTER ROLE "reporter"`));
        expect(lines).toContain(`GRANT "readers" TO "reporter";`);
        expect(lines.filter((l) => l.startsWith("SELECT format('REVOKE %I FROM %I'"))).toEqual([
            expect.stringContaining(`WHERE m.rolname = 'readers' AND g.rolname::text <> ALL (ARRAY[]::text[]) \\gexec`),
            expect.stringContaining(`WHERE m.rolname = 'reporter' AND g.rolname::text <> ALL (ARRAY['readers']::text[]) \\gexec`),
        ]);
    });

    it("refuses to manage a role that is a superuser, naming the field", () => {
        expect(lines).toContain(`DO $pgscale$ BEGIN IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'reporter' AND rolsuper) THEN RAISE EXCEPTION 'roles[0].name: "%" is a superuser; pgscale does not manage superuser roles', 'reporter'; END IF; END $pgscale$;`);
    });

    it("creates a missing database with Database's statement (outside a transaction, through \\gexec), then sets owner and connection limit", () => {
        expect(lines).toContain(`SELECT 'CREATE DATABASE "reports" WITH OWNER "reporter" TEMPLATE "template0" ENCODING ''UTF8'' LC_COLLATE ''C.UTF-8'' LC_CTYPE ''C.UTF-8'' CONNECTION LIMIT -1' WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'reports') \\gexec`);
        expect(lines).toContain(`ALTER DATABASE "reports" OWNER TO "reporter";`);
        // No owner given: the cluster's owner.
        expect(lines).toContain(`SELECT 'CREATE DATABASE "scratch" WITH OWNER "app" TEMPLATE "template1" ENCODING ''UTF8'' CONNECTION LIMIT 3' WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'scratch') \\gexec`);
        expect(lines).toContain(`ALTER DATABASE "scratch" WITH CONNECTION LIMIT 3;`);
        // Roles first: a database's owner exists when it is made.
        expect(lines.findIndex((l) => l.startsWith("ALTER ROLE"))).toBeLessThan(lines.findIndex((l) => l.includes("CREATE DATABASE")));
    });

    it("refuses an encoding or locale that differs from an existing database's, naming the field; no locale check when none is declared", () => {
        expect(sql).toContain(`RAISE EXCEPTION 'databases[0].encoding: database "%" has another encoding`);
        expect(sql).toContain(`RAISE EXCEPTION 'databases[0].locale: database "%" has another locale`);
        expect(sql).toContain(`RAISE EXCEPTION 'databases[1].encoding:`);
        expect(sql).not.toContain(`databases[1].locale`);
    });

    it("quotes every name: one that tries to end a statement, a literal, a comment line or the DO body stays a name", () => {
        const evil = `x'; DROP ROLE app; --"\n$pgscale$`;
        const out = renderDeclaredAccessSql({ roles: [role({ name: evil })], databases: [database({ name: evil, owner: evil })], defaultOwner: "app", verifiers: { [evil]: VERIFIER } });
        expect(out).toContain(`CREATE ROLE "x'; DROP ROLE app; --""\n$pgscale$";`);
        expect(out).toContain(`rolname = 'x''; DROP ROLE app; --"\n$pgscale$'`);
        // The DO bodies that hold the name are quoted under another tag.
        expect(out).toContain("DO $pgscale1$ BEGIN IF NOT EXISTS");
        // A comment line holds the name JSON-escaped: the newline does not end it.
        expect(out).toContain(`-- role "x'; DROP ROLE app; --\\"\\n$pgscale$"`);
    });

    it("refuses a login role without a verifier rather than setting no password", () => {
        expect(() => renderDeclaredAccessSql({ roles: [role({ name: "a" })], databases: [], defaultOwner: "app", verifiers: {} })).toThrow(/roles\[0\]: login role "a" has no SCRAM verifier/);
    });

    it("renders nothing but the settings when nothing is declared", () => {
        expect(renderDeclaredAccessSql({ roles: [], databases: [], defaultOwner: "app", verifiers: {} }).trim().split("\n")).toHaveLength(3);
    });
});
