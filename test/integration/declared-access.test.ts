// A cluster's declared roles and databases as the Kubernetes access Job runs them: the script of
// renderDeclaredAccessSql through psql (ON_ERROR_STOP, as the Job), against a real PostgreSQL (the
// host server, or PGSCALE_TEST_PG_URI). Create, a second run that changes nothing, an edit applied,
// nothing dropped, refusals naming the field, and names that try to escape their quoting.
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { databaseFields, renderDeclaredAccessSql, roleFields, scramSha256Verifier, type DeclaredAccessScript } from "@pgscale/core";
import { testPgUri } from "./partition-fixtures";

jest.setTimeout(60_000);

const tag = randomBytes(3).toString("hex");
const name = (n: string) => `it_${n}_${tag}`;
const password = randomBytes(16).toString("hex");
const evil = `it_x'; DROP ROLE app; --"\n$pgscale$_${tag}`;
let admin: Client;
const sql = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => (await admin.query(text, values)).rows as R[];

/** Runs the script as the Job does; the exit code and psql's stderr. */
function runScript(a: DeclaredAccessScript): { code: number; stderr: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-access-"));
    const file = path.join(dir, "script.sql");
    fs.writeFileSync(file, renderDeclaredAccessSql(a));
    try {
        execFileSync("psql", [testPgUri(), "-v", "ON_ERROR_STOP=1", "-q", "-f", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        return { code: 0, stderr: "" };
    } catch (e) {
        const err = e as { status: number; stderr: string };
        return { code: err.status, stderr: err.stderr };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const spec = (over: { limit?: number; memberOf?: string[] } = {}): DeclaredAccessScript => ({
    roles: [
        roleFields.parse({ name: name("reporter"), memberOf: over.memberOf ?? [name("readers")], connectionLimit: over.limit ?? 5 }),
        roleFields.parse({ name: name("readers"), login: false }),
        roleFields.parse({ name: evil, login: false }),
    ],
    databases: [databaseFields.parse({ name: name("reports"), owner: name("reporter") })],
    defaultOwner: name("readers"),
    verifiers: { [name("reporter")]: scramSha256Verifier(password) },
});

/** What the script manages, as the catalog has it. */
const catalog = async () => ({
    roles: await sql("SELECT rolname, rolcanlogin, rolconnlimit, rolvaliduntil, rolinherit FROM pg_roles WHERE rolname LIKE $1 ORDER BY 1", [`it\\_%${tag}`]),
    members: await sql("SELECT g.rolname AS g, m.rolname AS m FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member WHERE m.rolname LIKE $1 ORDER BY 1, 2", [`it\\_%${tag}`]),
    databases: await sql("SELECT datname, pg_get_userbyid(datdba) AS owner, datconnlimit FROM pg_database WHERE datname LIKE $1 ORDER BY 1", [`it\\_%${tag}`]),
});
const loginAs = async (user: string, pw: string, database: string, text = "SELECT 1") => {
    const u = new URL(testPgUri());
    u.username = user;
    u.password = pw;
    u.pathname = `/${database}`;
    const c = new Client({ connectionString: u.toString() });
    try {
        await c.connect();
        await c.query(text);
        return "ok";
    } catch (e) {
        return (e as { code?: string }).code ?? String(e);
    } finally {
        await c.end().catch(() => undefined);
    }
};

beforeAll(async () => {
    admin = new Client({ connectionString: testPgUri() });
    await admin.connect();
});
afterAll(async () => {
    await sql(`DROP DATABASE IF EXISTS "${name("reports")}"`);
    for (const { r } of await sql<{ r: string }>("SELECT rolname AS r FROM pg_roles WHERE rolname LIKE $1 ORDER BY (rolname = $2) DESC", [`it\\_%${tag}`, name("reporter")]))
        await sql(`DROP ROLE IF EXISTS "${r.replace(/"/g, '""')}"`);
    await admin.end();
});

describe("the declared access script", () => {
    it("creates the roles and the database; the login role logs in with its password (the server got the verifier) and owns its database", async () => {
        expect(runScript(spec())).toEqual({ code: 0, stderr: "" });
        const c = await catalog();
        expect(c.roles.map((r) => [r.rolname, r.rolcanlogin, r.rolconnlimit])).toHaveLength(3);
        expect(c.roles.map((r) => [r.rolname, r.rolcanlogin, r.rolconnlimit])).toEqual(expect.arrayContaining([
            [name("readers"), false, -1], [name("reporter"), true, 5], [evil, false, -1],
        ]));
        expect(c.members).toEqual([{ g: name("readers"), m: name("reporter") }]);
        expect(c.databases).toEqual([{ datname: name("reports"), owner: name("reporter"), datconnlimit: -1 }]);
        expect((await sql("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [name("reporter")]))[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
        expect(await loginAs(name("reporter"), password, name("reports"), "CREATE TABLE entries (id int)")).toBe("ok");
        expect(await loginAs(name("reporter"), `${password}x`, name("reports"))).toBe("28P01");
    });

    it("changes nothing on a second run", async () => {
        const before = await catalog();
        expect(runScript(spec())).toEqual({ code: 0, stderr: "" });
        expect(await catalog()).toEqual(before);
    });

    it("applies an edit: the limit set, a membership granted by hand or no longer declared revoked; nothing dropped", async () => {
        await sql(`GRANT pg_monitor TO "${name("reporter")}"`);
        const edited = spec({ limit: 7, memberOf: [] });
        // The readers entry removed: the role stays, as the database would.
        edited.roles = edited.roles.filter((r) => r.name !== name("readers"));
        edited.defaultOwner = name("reporter");
        expect(runScript(edited)).toEqual({ code: 0, stderr: "" });
        const c = await catalog();
        expect(c.roles.find((r) => r.rolname === name("reporter"))!.rolconnlimit).toBe(7);
        expect(c.roles.map((r) => r.rolname)).toContain(name("readers"));
        expect(c.members).toEqual([]);
        // The same password as before.
        expect(await loginAs(name("reporter"), password, name("reports"))).toBe("ok");
    });

    it("refuses a declared role that is a superuser, and a database of another encoding, naming the field (exit 3, nothing after it run)", async () => {
        await sql(`ALTER ROLE "${name("readers")}" SUPERUSER`);
        const refused = runScript(spec({ limit: 9 }));
        expect(refused.code).toBe(3);
        expect(refused.stderr).toMatch(new RegExp(`roles\\[1\\]\\.name: "${name("readers")}" is a superuser; pgscale does not manage superuser roles`));
        // The script stopped at the refusal: the reporter (after the readers it joins) kept its limit.
        expect((await catalog()).roles.find((r) => r.rolname === name("reporter"))!.rolconnlimit).toBe(7);
        await sql(`ALTER ROLE "${name("readers")}" NOSUPERUSER`);
        const latin = spec();
        latin.databases = [databaseFields.parse({ name: name("reports"), owner: name("reporter"), encoding: "LATIN1" })];
        const enc = runScript(latin);
        expect(enc.code).toBe(3);
        expect(enc.stderr).toMatch(/databases\[0\]\.encoding: database ".*" has another encoding on the server, set only at create/);
    });
});
