// Role against a real PostgreSQL (the host server of scripts/host-postgres, or PGSCALE_TEST_PG_URI):
// create / update / drift / revoke / rename / delete, as the engine calls the provider.
import { randomBytes } from "crypto";
import { Client } from "pg";
import { parseRole } from "@pgscale/core";
import { roleProvider } from "@pgscale/postgres";
import { testPgUri } from "./partition-fixtures";
import { AccessEngine, type State } from "./access-engine";

jest.setTimeout(60_000);

const engine = new AccessEngine(roleProvider);
const tag = randomBytes(3).toString("hex");
const roleName = (n: string) => `it_${n}_${tag}`;
let admin: Client;
const sql = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => (await admin.query(text, values)).rows as R[];
const props = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({ ...JSON.parse(JSON.stringify(parseRole(input, `Role ${String(input.name)}`))), connection: testPgUri(), ...extra });
const memberships = async (role: string) =>
    (await sql<{ g: string }>("SELECT g.rolname AS g FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1 ORDER BY 1", [role])).map((r) => r.g);
const connectAs = async (user: string, password: string) => {
    const u = new URL(testPgUri());
    u.username = user;
    u.password = password;
    const c = new Client({ connectionString: u.toString() });
    await c.connect();
    const [row] = (await c.query("SELECT current_user AS u")).rows;
    await c.end();
    return row.u;
};

beforeAll(async () => {
    admin = new Client({ connectionString: testPgUri() });
    await admin.connect();
    await sql(`CREATE ROLE "${roleName("readers")}" NOLOGIN`);
    await sql(`CREATE ROLE "${roleName("admins")}" NOLOGIN`);
});
afterAll(async () => {
    const left = await sql<{ r: string }>("SELECT rolname AS r FROM pg_roles WHERE rolname LIKE $1", [`it\\_%\\_${tag}`]);
    for (const { r } of left) await sql(`DROP ROLE IF EXISTS "${r.replace(/"/g, '""')}"`);
    await admin.end();
});

describe("Role", () => {
    const app = roleName("app");
    const readers = roleName("readers");
    const admins = roleName("admins");
    let state: State;

    it("creates a login role whose generated password works, stored as a SCRAM verifier; preview showed the steps", async () => {
        const pv = await engine.preview(props({ name: app, memberOf: [readers], connectionLimit: 5 }));
        expect(pv.plan).toEqual([`create role ${app} (login)`, `grant membership in ${readers} to ${app}`]);
        state = await engine.up(props({ name: app, memberOf: [readers], connectionLimit: 5 }));
        const password = state.outputs.password as string;
        expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const [row] = await sql<{ v: string; l: number }>("SELECT rolpassword AS v, rolconnlimit AS l FROM pg_authid WHERE rolname = $1", [app]);
        expect(row.v).toMatch(/^SCRAM-SHA-256\$4096:/);
        // The state keeps the server's own verifier, for PgBouncer's auth file.
        expect(state.outputs.scramVerifier).toBe(row.v);
        expect(row.l).toBe(5);
        expect(await memberships(app)).toEqual([readers]);
        expect(await connectAs(app, password)).toBe(app);
        expect(JSON.stringify(state.outputs.applied)).not.toContain("SCRAM");
    });

    it("gives a login role whose state has no verifier (made by an earlier version) one by an update, with the same password", async () => {
        const old = { ...state, outputs: { ...state.outputs, scramVerifier: undefined } };
        const pv = await engine.preview(props({ name: app, memberOf: [readers], connectionLimit: 5 }), old);
        expect(pv.changes).toBe(true);
        state = await engine.up(props({ name: app, memberOf: [readers], connectionLimit: 5 }), old);
        const [row] = await sql<{ v: string }>("SELECT rolpassword AS v FROM pg_authid WHERE rolname = $1", [app]);
        expect(state.outputs.scramVerifier).toBe(row.v);
        expect(await connectAs(app, state.outputs.password as string)).toBe(app);
    });

    it("an unchanged stack previews as no change", async () => {
        const pv = await engine.preview(props({ name: app, memberOf: [readers], connectionLimit: 5 }), state);
        expect(pv.plan).toEqual([]);
        expect(pv.changes).toBe(false);
    });

    it("shows drift made by hand on refresh and undoes it on the next up, keeping the password", async () => {
        await sql(`GRANT "${admins}" TO "${app}"`);
        await sql(`ALTER ROLE "${app}" CONNECTION LIMIT 50 CREATEDB`);
        const refreshed = (await engine.refresh(state))!;
        expect(refreshed.outputs).toMatchObject({ connectionLimit: 50, createDatabase: true, memberOf: [admins, readers].sort() });
        const pv = await engine.preview(props({ name: app, memberOf: [readers], connectionLimit: 5 }), refreshed);
        expect(pv.plan).toEqual([
            `alter role ${app}: NOCREATEDB`,
            `alter role ${app}: connection limit 50 -> 5`,
            `revoke membership in ${admins} from ${app} (not declared)`,
        ]);
        state = await engine.up(props({ name: app, memberOf: [readers], connectionLimit: 5 }), refreshed);
        expect(await memberships(app)).toEqual([readers]);
        expect(await connectAs(app, state.outputs.password as string)).toBe(app);
    });

    it("renames in place: same role (oid), same password", async () => {
        const [before] = await sql<{ oid: number }>("SELECT oid FROM pg_roles WHERE rolname = $1", [app]);
        const renamed = roleName("app2");
        state = await engine.up(props({ name: renamed, memberOf: [readers], connectionLimit: 5 }), state);
        const [after] = await sql<{ oid: number }>("SELECT oid FROM pg_roles WHERE rolname = $1", [renamed]);
        expect(after.oid).toBe(before.oid);
        expect(await connectAs(renamed, state.outputs.password as string)).toBe(renamed);
    });

    it("refuses, before anything runs, a membership that does not exist or would be a cycle, and a role it did not create", async () => {
        const name = state.outputs.name as string;
        const missing = await engine.preview(props({ name, memberOf: [roleName("nobody")] }), state);
        expect(missing.failures).toEqual([{ property: "memberOf", reason: `memberOf[0]: role "${roleName("nobody")}" does not exist` }]);
        await sql(`GRANT "${name}" TO "${admins}"`);
        const cycle = await engine.preview(props({ name, memberOf: [admins] }), state);
        expect(cycle.failures[0].reason).toMatch(/cycle/);
        await sql(`REVOKE "${name}" FROM "${admins}"`);
        const taken = await engine.preview(props({ name: readers }));
        expect(taken.failures[0].reason).toMatch(/already exists: set adoptExisting/);
    });

    it("takes an injection attempt in a name as a name", async () => {
        const evil = `${roleName("x")}"; DROP ROLE "${readers}"; --`;
        const s = await engine.up(props({ name: evil, login: false }));
        expect((await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [evil])).length).toBe(1);
        expect((await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [readers])).length).toBe(1);
        expect(s.outputs.password).toBe("");
        await engine.destroy(s);
        expect((await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [evil])).length).toBe(0);
    });

    it("refuses to drop a role that owns objects unless told to reassign them", async () => {
        const name = state.outputs.name as string;
        await sql(`CREATE TABLE "public"."${roleName("owned")}" (id int)`);
        await sql(`ALTER TABLE "public"."${roleName("owned")}" OWNER TO "${name}"`);
        await expect(engine.destroy(state)).rejects.toThrow(/not dropped, nothing was changed: [\s\S]*owner of table[\s\S]*set removalPolicy "reassign"/);
        expect((await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length).toBe(1);
        const reassigning = await engine.up(props({ name, memberOf: [readers], connectionLimit: 5, removalPolicy: "reassign", reassignOwnedTo: admins }), state);
        await engine.destroy(reassigning);
        expect((await sql("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).length).toBe(0);
        const [owner] = await sql<{ o: string }>("SELECT tableowner AS o FROM pg_tables WHERE tablename = $1", [roleName("owned")]);
        expect(owner.o).toBe(admins);
        await sql(`DROP TABLE "public"."${roleName("owned")}"`);
    });
});
