// A Grant whose privilege a running subscription uses, against a real PostgreSQL (the host server,
// or PGSCALE_TEST_PG_URI, with wal_level = logical): a subscription in a second database of the
// same server streams from a publication as a non-superuser replication role. Narrowing or removing
// the Grant that gives that role SELECT on the published table is refused, naming the slot; once the
// subscription is gone, the same removal goes through.
import { randomBytes } from "crypto";
import { Client } from "pg";
import { parseGrant } from "@pgscale/core";
import { grantProvider } from "@pgscale/postgres";
import { eventually } from "../support/pg";
import { TestSchema, testPgUri } from "./partition-fixtures";
import { AccessEngine, type State } from "./access-engine";

jest.setTimeout(90_000);

const engine = new AccessEngine(grantProvider);
const tag = randomBytes(3).toString("hex");
const repl = `it_repl_${tag}`;
const password = randomBytes(12).toString("hex");
const subDb = `it_sub_${tag}`;
const slot = `it_slot_${tag}`;
const pubName = `it_pub_${tag}`;
let schema: TestSchema;
let subscriber: Client;
const props = (input: Record<string, unknown>) => ({ ...JSON.parse(JSON.stringify(parseGrant(input, "Grant g"))), connection: testPgUri() });
const selectArgs = () => ({ role: repl, on: "tables", schema: schema.name, objects: ["items"], privileges: ["SELECT"] });

beforeAll(async () => {
    schema = await TestSchema.create("grantsub");
    const [{ wal_level }] = await schema.sql<{ wal_level: string }>("SELECT current_setting('wal_level') AS wal_level");
    if (wal_level !== "logical") throw new Error(`this test needs wal_level = logical on ${new URL(testPgUri()).host} (scripts/host-postgres sets it); it is ${wal_level}`);
    await schema.sql(`CREATE ROLE "${repl}" LOGIN REPLICATION PASSWORD '${password}'`);
    await schema.sql(`GRANT USAGE ON SCHEMA "${schema.name}" TO "${repl}"`);
    await schema.sql(`CREATE TABLE "${schema.name}".items (id int PRIMARY KEY)`);
    await schema.sql(`CREATE PUBLICATION "${pubName}" FOR TABLE "${schema.name}".items`);
    // CREATE SUBSCRIPTION cannot create its slot on its own server (it would wait for itself): made here.
    await schema.sql(`SELECT pg_create_logical_replication_slot('${slot}', 'pgoutput')`);
    await schema.sql(`CREATE DATABASE "${subDb}"`);
    const u = new URL(testPgUri());
    u.pathname = `/${subDb}`;
    subscriber = new Client({ connectionString: u.toString() });
    await subscriber.connect();
    await subscriber.query(`CREATE SCHEMA "${schema.name}"; CREATE TABLE "${schema.name}".items (id int PRIMARY KEY)`);
});
afterAll(async () => {
    await subscriber?.query(`DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_subscription WHERE subname = 'it_sub') THEN
        ALTER SUBSCRIPTION it_sub DISABLE; ALTER SUBSCRIPTION it_sub SET (slot_name = NONE); END IF; END $$`).catch(() => undefined);
    await subscriber?.query("DROP SUBSCRIPTION IF EXISTS it_sub").catch(() => undefined);
    await subscriber?.end();
    await schema.sql(`DROP DATABASE IF EXISTS "${subDb}" WITH (FORCE)`);
    await schema.sql(`SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'`);
    await schema.sql(`DROP PUBLICATION IF EXISTS "${pubName}"`);
    await schema.sql(`DROP SCHEMA IF EXISTS "${schema.name}" CASCADE`);
    await schema.sql(`DROP OWNED BY "${repl}"`);
    await schema.sql(`DROP ROLE IF EXISTS "${repl}"`);
    await schema.drop();
});

describe("Grant under a running subscription", () => {
    let select: State;

    it("refuses to revoke SELECT on a published table from the role a subscription streams as, and to remove the grant, naming the slot", async () => {
        select = await engine.up(props(selectArgs()));
        const pub = new URL(testPgUri());
        pub.username = repl;
        pub.password = password;
        await subscriber.query(`CREATE SUBSCRIPTION it_sub CONNECTION '${pub.toString()}' PUBLICATION "${pubName}" WITH (create_slot = false, slot_name = '${slot}')`);
        await schema.sql(`INSERT INTO "${schema.name}".items VALUES (1), (2)`);
        await eventually(async () => (await subscriber.query(`SELECT count(*)::int AS n FROM "${schema.name}".items`)).rows[0].n === 2, 30_000, "rows copied to the subscriber");
        // The table sync done (its own walsender gone), the apply worker streams from the slot.
        await eventually(async () => (await subscriber.query("SELECT count(*)::int AS n FROM pg_subscription_rel WHERE srsubstate <> 'r'")).rows[0].n === 0
            && (await schema.sql("SELECT 1 FROM pg_stat_replication WHERE usename = $1", [repl])).length === 1
            && (await schema.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active", [slot])).length === 1, 30_000, "the subscription streaming");

        const narrowed = await engine.preview(props({ ...selectArgs(), privileges: ["INSERT"] }), select);
        expect(narrowed.failures.map((f) => f.property)).toEqual(["privileges"]);
        expect(narrowed.failures[0].reason).toContain(`revoking SELECT on table ${schema.name}.items from ${repl} would break a running subscription`);
        expect(narrowed.failures[0].reason).toContain(`slot ${slot}`);
        await expect(engine.destroy(select)).rejects.toThrow(/would break a running subscription/);
        // Nothing was revoked: the role still reads the table.
        const [{ ok }] = await schema.sql<{ ok: boolean }>(`SELECT has_table_privilege($1, '"${schema.name}".items', 'SELECT') AS ok`, [repl]);
        expect(ok).toBe(true);
    });

    it("removes the grant once the subscription is gone", async () => {
        await subscriber.query("ALTER SUBSCRIPTION it_sub DISABLE");
        await subscriber.query("ALTER SUBSCRIPTION it_sub SET (slot_name = NONE)");
        await subscriber.query("DROP SUBSCRIPTION it_sub");
        await eventually(async () => (await schema.sql("SELECT 1 FROM pg_stat_replication WHERE usename = $1", [repl])).length === 0, 30_000, "the walsender gone");
        await engine.destroy(select);
        const [{ ok }] = await schema.sql<{ ok: boolean }>(`SELECT has_table_privilege($1, '"${schema.name}".items', 'SELECT') AS ok`, [repl]);
        expect(ok).toBe(false);
    });
});
