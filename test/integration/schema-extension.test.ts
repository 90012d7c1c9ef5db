// Schema and Extension against a real PostgreSQL (the host server, or PGSCALE_TEST_PG_URI).
import { randomBytes } from "crypto";
import { Client } from "pg";
import { parseExtension, parseSchema } from "@pgscale/core";
import { extensionProvider, schemaProvider } from "@pgscale/postgres";
import { testPgUri } from "./partition-fixtures";
import { AccessEngine, type State } from "./access-engine";

jest.setTimeout(60_000);

const tag = randomBytes(3).toString("hex");
const name = (n: string) => `it_${n}_${tag}`;
let admin: Client;
const sql = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => (await admin.query(text, values)).rows as R[];
const wire = (spec: object, extra: Record<string, unknown> = {}) => ({ ...JSON.parse(JSON.stringify(spec)), connection: testPgUri(), ...extra });

beforeAll(async () => {
    admin = new Client({ connectionString: testPgUri() });
    await admin.connect();
    await sql(`CREATE ROLE "${name("owner")}" NOLOGIN`);
});
afterAll(async () => {
    for (const { n } of await sql<{ n: string }>("SELECT nspname AS n FROM pg_namespace WHERE nspname LIKE $1", [`it\\_%\\_${tag}`])) await sql(`DROP SCHEMA "${n}" CASCADE`);
    await sql(`DROP ROLE IF EXISTS "${name("owner")}"`);
    await admin.end();
});

describe("Schema", () => {
    const engine = new AccessEngine(schemaProvider);
    const props = (input: Record<string, unknown>) => wire(parseSchema(input, "Schema s"));
    const ownerOf = async (n: string) => (await sql<{ o: string }>("SELECT pg_get_userbyid(nspowner) AS o FROM pg_namespace WHERE nspname = $1", [n]))[0]?.o;
    let state: State;

    it("creates, renames in place, shows an owner changed by hand and sets it back", async () => {
        state = await engine.up(props({ name: name("s1"), owner: name("owner") }));
        expect(await ownerOf(name("s1"))).toBe(name("owner"));
        await sql(`CREATE TABLE "${name("s1")}".t (id int)`);
        state = await engine.up(props({ name: name("s2"), owner: name("owner") }), state);
        expect(state.outputs.applied).toEqual([`rename schema ${name("s1")} to ${name("s2")}`]);
        expect((await sql(`SELECT * FROM "${name("s2")}".t`)).length).toBe(0);
        await sql(`ALTER SCHEMA "${name("s2")}" OWNER TO CURRENT_USER`);
        const refreshed = (await engine.refresh(state))!;
        expect(refreshed.outputs.owner).not.toBe(name("owner"));
        state = await engine.up(props({ name: name("s2"), owner: name("owner") }), refreshed);
        expect(await ownerOf(name("s2"))).toBe(name("owner"));
    });

    it("keeps the schema and its tables on removal by default; dropIfEmpty refuses one that holds tables; destroy drops it all", async () => {
        await engine.destroy(state);
        expect(await ownerOf(name("s2"))).toBe(name("owner"));
        const ifEmpty = await engine.up(props({ name: name("s2"), owner: name("owner"), removalPolicy: "dropIfEmpty" }), state);
        await expect(engine.destroy(ifEmpty)).rejects.toThrow(/cannot drop schema .* because other objects depend on it/);
        const destroying = await engine.up(props({ name: name("s2"), owner: name("owner"), removalPolicy: "destroy" }), ifEmpty);
        await engine.destroy(destroying);
        expect(await ownerOf(name("s2"))).toBeUndefined();
    });
});

describe("Extension", () => {
    const engine = new AccessEngine(extensionProvider);
    const props = (input: Record<string, unknown>) => wire(parseExtension(input, "Extension e"));
    let state: State;

    beforeAll(async () => {
        await sql(`CREATE SCHEMA "${name("ext")}"`);
    });

    it("refuses, at preview, an extension or a version the server does not have, naming what it has", async () => {
        const missing = await engine.preview(props({ name: "no_such_extension" }));
        expect(missing.failures[0]).toMatchObject({ property: "name", reason: expect.stringMatching(/is not available on this server; it has .*pg_trgm/) });
        const version = await engine.preview(props({ name: "pg_trgm", version: "9.9", schema: name("ext") }));
        expect(version.failures[0]).toMatchObject({ property: "version", reason: expect.stringMatching(/pg_trgm 9.9 is not available on this server; it has .*1\.6/) });
    });

    it("creates it at a version in a schema, updates it in place, and drops it on removal", async () => {
        state = await engine.up(props({ name: "pg_trgm", version: "1.5", schema: name("ext") }));
        expect(state.outputs.observed).toEqual({ name: "pg_trgm", version: "1.5", schema: name("ext") });
        const pv = await engine.preview(props({ name: "pg_trgm", version: "1.6", schema: name("ext") }), state);
        expect(pv.plan).toEqual(["update extension pg_trgm 1.5 -> 1.6"]);
        state = await engine.up(props({ name: "pg_trgm", version: "1.6", schema: name("ext") }), state);
        expect((await sql<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'pg_trgm'"))[0].v).toBe("1.6");
        await engine.destroy(state);
        expect((await sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).length).toBe(0);
    });
});
