// Database against a real PostgreSQL (the host server, or PGSCALE_TEST_PG_URI): create with its
// create-only settings, owner and limit changed in place, rename, drift, and removal that keeps
// the data unless asked.
import { randomBytes } from "crypto";
import { Client } from "pg";
import { parseDatabase } from "@pgscale/core";
import { databaseProvider } from "@pgscale/postgres";
import { testPgUri } from "./partition-fixtures";
import { AccessEngine, type State } from "./access-engine";

jest.setTimeout(60_000);

const engine = new AccessEngine(databaseProvider);
const tag = randomBytes(3).toString("hex");
const name = (n: string) => `it_${n}_${tag}`;
let admin: Client;
const sql = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => (await admin.query(text, values)).rows as R[];
const props = (input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({ ...JSON.parse(JSON.stringify(parseDatabase(input, "Database d"))), connection: testPgUri(), ...extra });
const exists = async (db: string) => (await sql("SELECT 1 FROM pg_database WHERE datname = $1", [db])).length === 1;

beforeAll(async () => {
    admin = new Client({ connectionString: testPgUri() });
    await admin.connect();
    await sql(`CREATE ROLE "${name("owner")}" NOLOGIN`);
});
afterAll(async () => {
    for (const { d } of await sql<{ d: string }>("SELECT datname AS d FROM pg_database WHERE datname LIKE $1", [`it\\_%\\_${tag}`])) await sql(`DROP DATABASE IF EXISTS "${d}"`);
    await sql(`DROP ROLE IF EXISTS "${name("owner")}"`);
    await admin.end();
});

describe("Database", () => {
    let state: State;
    const base = () => ({ name: name("app"), owner: name("owner"), locale: "C.UTF-8", connectionLimit: 20 });

    it("creates a database with its owner, encoding, locale and limit; preview showed the step; an unchanged stack has no change", async () => {
        expect((await engine.preview(props(base()))).plan).toEqual([`create database ${name("app")} (owner ${name("owner")}, UTF8, C.UTF-8)`]);
        state = await engine.up(props(base()));
        const [row] = await sql<{ o: string; e: string; c: string; l: number }>(
            "SELECT pg_get_userbyid(datdba) AS o, pg_encoding_to_char(encoding) AS e, datcollate AS c, datconnlimit AS l FROM pg_database WHERE datname = $1", [name("app")]);
        expect(row).toEqual({ o: name("owner"), e: "UTF8", c: "C.UTF-8", l: 20 });
        const again = await engine.preview(props(base()), state);
        expect([again.plan, again.changes]).toEqual([[], false]);
    });

    it("shows a limit changed by hand on refresh and sets it back; refuses a create-only change, naming the field", async () => {
        await sql(`ALTER DATABASE "${name("app")}" CONNECTION LIMIT 3`);
        const refreshed = (await engine.refresh(state))!;
        expect(refreshed.outputs.connectionLimit).toBe(3);
        state = await engine.up(props(base()), refreshed);
        expect((await sql<{ l: number }>("SELECT datconnlimit AS l FROM pg_database WHERE datname = $1", [name("app")]))[0].l).toBe(20);
        const latin = await engine.preview(props({ ...base(), encoding: "LATIN1" }), state);
        expect(latin.failures).toEqual([{ property: "encoding", reason: expect.stringMatching(/^is UTF8 on the server and is set only at create/) }]);
    });

    it("renames in place (same oid) and refuses to take over a database it did not create", async () => {
        const [before] = await sql<{ oid: number }>("SELECT oid FROM pg_database WHERE datname = $1", [name("app")]);
        state = await engine.up(props({ ...base(), name: name("app2") }), state);
        expect((await sql<{ oid: number }>("SELECT oid FROM pg_database WHERE datname = $1", [name("app2")]))[0].oid).toBe(before.oid);
        await sql(`CREATE DATABASE "${name("theirs")}"`);
        const taken = await engine.preview(props({ name: name("theirs") }));
        expect(taken.failures[0].reason).toMatch(/already exists: set adoptExisting/);
        const adopted = await engine.up(props({ name: name("theirs"), connectionLimit: 7 }, { adoptExisting: true }));
        expect(adopted.outputs.applied).toEqual([`database ${name("theirs")}: connection limit -1 -> 7`]);
    });

    it("keeps the database and its data when removed, unless removalPolicy is destroy", async () => {
        await engine.destroy(state);
        expect(await exists(name("app2"))).toBe(true);
        const destroying = await engine.up(props({ ...base(), name: name("app2"), removalPolicy: "destroy" }), state);
        await engine.destroy(destroying);
        expect(await exists(name("app2"))).toBe(false);
    });
});
