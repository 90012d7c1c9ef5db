import { randomBytes } from "crypto";
import { referencePublicationName, referenceRoleName, referenceSlotName, shardRoleName, type ShardedTableInput } from "@pgscale/core";
import { eventually } from "../support/pg";
import type { ResourceState } from "./partition-fixtures";
import { ShardDatabases, ShardEngine } from "./shard-fixtures";

// Reference tables of a ShardedTable against the host PostgreSQL (wal_level = logical, set by
// scripts/host-postgres): the coordinator and the shards are databases of one server, so each
// shard's subscription reads a slot the plan creates on the coordinator beforehand (CREATE
// SUBSCRIPTION cannot create a slot on its own cluster). Two shards, then a third: at most three
// subscriptions, as the server runs four logical replication workers (apply and initial copy).

jest.setTimeout(180_000);

const dbs = new ShardDatabases(["s1", "s2", "s3"]);
const engine = new ShardEngine(dbs);
const table = `rt_${randomBytes(3).toString("hex")}`;
const t = { schema: "public", name: table };
const countries = { name: "countries", columns: [{ name: "code", type: "text", notNull: true }, { name: "label", type: "text", notNull: true }], primaryKey: ["code"] };
const plans = { name: "plans", columns: [{ name: "id", type: "integer", notNull: true }, { name: "label", type: "text" }], primaryKey: ["id"] };

const spec = (shards: string[], over: Partial<ShardedTableInput> = {}): ShardedTableInput => ({
    name: table,
    columns: [
        { name: "customer_id", type: "bigint", notNull: true },
        { name: "id", type: "bigint", notNull: true },
        { name: "country", type: "text", notNull: true },
    ],
    primaryKey: ["customer_id", "id"],
    shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 },
    shards: shards.map((name) => ({ name })),
    referenceTables: [countries],
    ...over,
});

const rows = async (on: string, rel = "countries") => dbs.sql<{ code: string; label: string }>(on, `SELECT * FROM public.${rel} ORDER BY 1`);
/** Every shard given holds exactly the coordinator's rows of `rel`. */
const replicated = (shards: string[], rel = "countries") =>
    eventually(async () => {
        const want = JSON.stringify(await rows("c", rel));
        for (const s of shards) if (JSON.stringify(await rows(s, rel)) !== want) return false;
        return true;
    }, 30_000, `${rel} replicated to ${shards.join(", ")}`);
const explain = async (on: string, sql: string) => (await dbs.sql<{ "QUERY PLAN": string }>(on, `EXPLAIN (VERBOSE, COSTS OFF) ${sql}`)).map((r) => r["QUERY PLAN"]).join("\n");
const subscriptions = async (on: string) => (await dbs.sql<{ n: string }>(on, "SELECT subname::text AS n FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")).map((r) => r.n);
/** The coordinator's slots, but for the ones an initial copy makes and drops itself (pg_<subscription>_sync_<table>_<system>). */
const slots = async () =>
    (await dbs.sql<{ n: string }>("c", "SELECT slot_name::text AS n FROM pg_replication_slots WHERE database = current_database() AND slot_name !~ '^pg_[0-9]+_sync_[0-9]+_[0-9]+$' ORDER BY 1")).map((r) => r.n);

let state: ResourceState;

beforeAll(async () => {
    await dbs.create();
    const [{ wal_level }] = await dbs.sql<{ wal_level: string }>("c", "SELECT current_setting('wal_level') AS wal_level");
    if (wal_level !== "logical") throw new Error(`this test needs wal_level = logical on the host PostgreSQL (scripts/host-postgres sets it); it is ${wal_level}`);
});
afterAll(async () => {
    // A database with a subscription cannot be dropped, nor one whose slots are still there: the replication goes first.
    for (const s of dbs.shardNames)
        for (const n of await subscriptions(s).catch(() => [] as string[]))
            await dbs.sql(s, `ALTER SUBSCRIPTION "${n}" DISABLE; ALTER SUBSCRIPTION "${n}" SET (slot_name = NONE); DROP SUBSCRIPTION "${n}"`);
    await eventually(async () => (await dbs.sql("c", "SELECT 1 FROM pg_replication_slots WHERE database = current_database() AND active")).length === 0, 30_000, "slots released");
    await dbs.sql("c", "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = current_database()");
    await dbs.drop([...dbs.shardNames.map((s) => shardRoleName(t, s)), referenceRoleName(t)]);
});

describe("bad input", () => {
    it("refuses a reference table without a primary key or named as the sharded table, naming the field, before anything exists", async () => {
        const { shardedTableProvider } = await import("@pgscale/postgres");
        const raw = (over: Partial<ShardedTableInput>) => ({ ...spec(["s1", "s2"], over), coordinator: "postgresql://x@127.0.0.1/c", shardConnections: { s1: "postgresql://x@127.0.0.1/s1", s2: "postgresql://x@127.0.0.1/s2" } });
        const { primaryKey: _pk, ...keyless } = countries;
        expect((await shardedTableProvider.check!({}, raw({ referenceTables: [keyless as typeof countries] }))).failures).toEqual([
            { property: "referenceTables", reason: "referenceTables[0].primaryKey: a reference table needs a primary key: logical replication identifies each updated or deleted row by it" },
        ]);
        expect(() => engine.props(spec(["s1", "s2"], { referenceTables: [{ ...countries, name: table }] }))).toThrow(`referenceTables[0].name: "${table}" is the sharded table's own name`);
        for (const on of ["c", "s1", "s2"]) expect(await dbs.sql(on, "SELECT 1 FROM pg_class WHERE relname LIKE $1 OR relname = 'countries'", [`${table}%`])).toEqual([]);
    });
});

describe("a reference table replicated to every shard", () => {
    it("refuses to subscribe a shard whose table of that name holds rows of its own, then creates the replication once it is empty", async () => {
        await dbs.sql("c", "CREATE TABLE public.countries (code text NOT NULL PRIMARY KEY, label text NOT NULL); INSERT INTO public.countries VALUES ('fr', 'France'), ('de', 'Germany')");
        await dbs.sql("s2", "CREATE TABLE public.countries (code text NOT NULL PRIMARY KEY, label text NOT NULL); INSERT INTO public.countries VALUES ('xx', 'local')");
        const refused = await engine.preview(spec(["s1", "s2"]));
        expect(refused.failures).toEqual([{ property: "referenceTables", reason: "referenceTables[0].name: public.countries on shard s2 holds rows it did not get from the coordinator; the initial copy would collide with them. Empty or rename it; nothing was changed" }]);
        expect(await rows("s2")).toEqual([{ code: "xx", label: "local" }]);
        await dbs.sql("s2", "DELETE FROM public.countries");

        const pv = await engine.preview(spec(["s1", "s2"]));
        expect(pv.failures).toEqual([]);
        const slot = (s: string) => referenceSlotName(t, s);
        // The coordinator's table exists (rows and all): it is the one of record and is published as it is.
        expect(pv.plan.filter((l) => /ref|countries|slot|subscription/.test(l))).toEqual([
            `[s1] + create function ${table}_ref_readonly() refusing writes to the reference tables' copies`,
            "[s1] + create reference table copy public.countries (read-only)",
            `[s2] + create function ${table}_ref_readonly() refusing writes to the reference tables' copies`,
            "[s2] + create trigger pgscale_reference_readonly on public.countries (read-only copy)",
            `[coordinator] + create role ${table}_ref_repl LOGIN REPLICATION (password generated, kept secret)`,
            `[coordinator] + grant ${table}_ref_repl CONNECT on the database`,
            `[coordinator] + grant ${table}_ref_repl SELECT on countries`,
            `[coordinator] + create publication ${table}_ref of public.countries (insert, update, delete, truncate)`,
            `[coordinator] + create slot ${slot("s1")} for shard s1`,
            `[coordinator] + create slot ${slot("s2")} for shard s2`,
            `[s1] + create subscription ${slot("s1")} to ${table}_ref (copying existing rows)`,
            `[s2] + create subscription ${slot("s2")} to ${table}_ref (copying existing rows)`,
        ]);
        state = await engine.up(spec(["s1", "s2"]));
        expect(state.outputs.applied).toEqual(pv.plan);
        expect(await engine.preview(spec(["s1", "s2"]), state)).toMatchObject({ plan: [], changes: false, failures: [] });
        expect(await slots()).toEqual([slot("s1"), slot("s2")]);
    });

    it("copies the coordinator's rows to every shard, then streams inserts, updates and deletes", async () => {
        await replicated(["s1", "s2"]);
        expect(await rows("s1")).toEqual([{ code: "de", label: "Germany" }, { code: "fr", label: "France" }]);
        await dbs.sql("c", "INSERT INTO public.countries VALUES ('it', 'Italy'), ('es', 'Spain'); UPDATE public.countries SET label = 'République française' WHERE code = 'fr'; DELETE FROM public.countries WHERE code = 'de'");
        await replicated(["s1", "s2"]);
        expect((await rows("s2")).map((r) => r.label)).toEqual(["Spain", "République française", "Italy"]);
    });

    it("refuses writes to a shard's copy, a superuser's included, while the coordinator's changes keep arriving", async () => {
        for (const sql of ["INSERT INTO public.countries VALUES ('zz', 'nowhere')", "UPDATE public.countries SET label = 'x'", "DELETE FROM public.countries", "TRUNCATE public.countries"])
            await expect(dbs.sql("s1", sql)).rejects.toMatchObject({ code: "25006", message: "table public.countries is a reference table replicated from the coordinator; write to it there" });
        await dbs.sql("c", "INSERT INTO public.countries VALUES ('pt', 'Portugal')");
        await replicated(["s1", "s2"]);
        expect(await rows("s1")).toHaveLength(4);
    });

    it("joins with the sharded table on a shard locally; on the coordinator the pruned foreign scan's rows join the local copy there", async () => {
        await dbs.sql("c", `INSERT INTO public.${table} SELECT g % 50, g, (ARRAY['fr', 'it', 'es', 'pt'])[1 + g % 4] FROM generate_series(1, 400) g`);
        const join = (where: string) => `SELECT o.id, c.label FROM public.${table} o JOIN public.countries c ON c.code = o.country WHERE ${where} ORDER BY o.id`;
        const coord = await explain("c", join("o.customer_id = 42"));
        // One foreign partition, the key filter shipped; countries is not in the remote query: the join runs on the coordinator.
        expect(coord.match(/Foreign Scan/g)).toHaveLength(1);
        expect(coord).toMatch(/Remote SQL: SELECT .* FROM public\.\w+ WHERE \(\(customer_id = 42\)\)/);
        expect(coord).not.toMatch(/Remote SQL: .*countries/);
        expect(coord).toMatch(/(Hash|Nested Loop|Merge) .*Join|Nested Loop/);
        expect(coord).toMatch(/Scan on public\.countries c/);
        // On the shard holding customer 42, the same query is local end to end: its slice and its copy of countries.
        const holder = (await dbs.sql<{ s: string }>("c", `SELECT fs.srvname AS s FROM pg_foreign_table ft JOIN pg_foreign_server fs ON fs.oid = ft.ftserver WHERE ft.ftrelid = (SELECT tableoid FROM public.${table} WHERE customer_id = 42 LIMIT 1)`))[0].s.replace(`${table}_`, "");
        const local = await explain(holder, join("o.customer_id = 42"));
        expect(local).not.toMatch(/Foreign Scan/);
        expect(local).toMatch(/Scan on public\.countries c/);
        expect(await dbs.sql(holder, join("o.customer_id = 42"))).toEqual(await dbs.sql("c", join("o.customer_id = 42")));
        expect((await dbs.sql("c", join("o.customer_id = 42"))).length).toBe(8);
    });

    it("refresh reports a paused subscription and a dropped guard as drift, and the next up repairs them", async () => {
        await dbs.sql("s1", `ALTER SUBSCRIPTION "${referenceSlotName(t, "s1")}" DISABLE`);
        await dbs.sql("s2", "DROP TRIGGER pgscale_reference_readonly ON public.countries");
        const refreshed = (await engine.refresh(state))!;
        expect(refreshed.outputs.drift).toEqual([
            "[s2] + create trigger pgscale_reference_readonly on public.countries (read-only copy)",
            `[s1] ~ enable subscription ${referenceSlotName(t, "s1")}`,
        ]);
        await dbs.sql("c", "INSERT INTO public.countries VALUES ('be', 'Belgium')");
        state = await engine.up(spec(["s1", "s2"]), refreshed);
        expect((await engine.refresh(state))!.outputs.drift).toEqual([]);
        await replicated(["s1", "s2"]);
        await expect(dbs.sql("s2", "DELETE FROM public.countries")).rejects.toMatchObject({ code: "25006" });
    });

    it("gives a shard added later its copy, subscribed and filled, in the same up that moves its slices", async () => {
        const pv = await engine.preview(spec(["s1", "s2", "s3"]), state);
        expect(pv.failures).toEqual([]);
        expect(pv.plan).toEqual(expect.arrayContaining([
            "[s3] + create reference table copy public.countries (read-only)",
            `[coordinator] + create slot ${referenceSlotName(t, "s3")} for shard s3`,
            `[s3] + create subscription ${referenceSlotName(t, "s3")} to ${table}_ref (copying existing rows)`,
        ]));
        expect(pv.plan.filter((l) => /^\[s[12]\].*(countries|subscription)/.test(l))).toEqual([]);
        state = await engine.up(spec(["s1", "s2", "s3"]), state);
        await replicated(["s1", "s2", "s3"]);
        expect(await rows("s3")).toHaveLength(5);
        expect(Number((await dbs.sql<{ n: string }>("c", `SELECT count(*) AS n FROM public.${table}`))[0].n)).toBe(400);
    });

    it("adds a second reference table to the publication, and every shard copies it", async () => {
        await dbs.sql("c", "SELECT 1");
        const input = spec(["s1", "s2", "s3"], { referenceTables: [countries, plans] });
        const pv = await engine.preview(input, state);
        expect(pv.plan).toEqual(expect.arrayContaining([
            "[coordinator] + create reference table public.plans",
            `[coordinator] ~ publication ${table}_ref: tables public.countries -> public.countries, public.plans`,
            `[s2] ~ subscription ${referenceSlotName(t, "s2")}: refresh publication (copies the tables added)`,
        ]));
        state = await engine.up(input, state);
        await dbs.sql("c", "INSERT INTO public.plans VALUES (1, 'free'), (2, 'pro')");
        await replicated(["s1", "s2", "s3"], "plans");
        expect(await engine.preview(input, state)).toMatchObject({ plan: [], changes: false });
    });

    it("removing a shard drops its subscription there, then its slot on the coordinator; its copies stay, and the other shards keep receiving changes", async () => {
        await dbs.sql("c", `DELETE FROM public.${table}`);
        const input = spec(["s1", "s2"], { referenceTables: [countries, plans] });
        const slot = referenceSlotName(t, "s3");
        // Unreachable with the last up's connection while its subscription reads the slot: refused, naming what to run there.
        const lost = { ...state, inputs: { ...state.inputs, shardConnections: { ...(state.inputs.shardConnections as Record<string, string>), s3: "postgresql://postgres@127.0.0.1:1/gone" } } };
        expect((await engine.preview(input, lost)).failures).toEqual([{ property: "shards", reason: expect.stringContaining(`slot ${slot} on the coordinator is in use and keeps WAL there while it is; its subscription could not be dropped with the last up's connection to s3 (cannot connect to PostgreSQL`) }]);
        const pv = await engine.preview(input, state);
        expect(pv.failures).toEqual([]);
        // In the order they run: the removed shard's subscription first, then the coordinator's partitions, the server and the slot.
        expect(pv.plan[0]).toBe(`[s3] - drop subscription ${slot}, leaving slot ${slot} to the publisher (shard s3 removed; its copies of the reference tables stay)`);
        expect(pv.plan.filter((l) => /server|slot/.test(l)).slice(-2)).toEqual([
            `[coordinator] - drop server ${table}_s3 and its user mapping (shard s3 removed; its tables and role on the shard are left)`,
            `[coordinator] - drop slot ${slot} (shard s3 removed)`,
        ]);
        expect(pv.plan.filter((l) => /\[s3\]/.test(l))).toHaveLength(1);
        state = await engine.up(input, state);
        expect(await subscriptions("s3")).toEqual([]);
        expect(await slots()).toEqual([referenceSlotName(t, "s1"), referenceSlotName(t, "s2")]);
        expect(await rows("s3")).toHaveLength(5);
        expect(await rows("s3", "plans")).toHaveLength(2);
        await dbs.sql("c", "INSERT INTO public.countries VALUES ('nl', 'Netherlands')");
        await replicated(["s1", "s2"]);
        expect(await rows("s1")).toHaveLength(6);
        expect(await rows("s3")).toHaveLength(5);
        expect(await engine.preview(input, state)).toMatchObject({ plan: [], changes: false, failures: [] });
    });

    it("removalPolicy destroy stops the replication (subscriptions, slots, publication, role) and keeps every table", async () => {
        const input = spec(["s1", "s2"], { referenceTables: [countries, plans], removalPolicy: "destroy" });
        state = await engine.up(input, state);
        await engine.destroy(state);
        for (const s of ["s1", "s2"]) {
            expect(await subscriptions(s)).toEqual([]);
            expect(await rows(s)).toHaveLength(6);
        }
        expect(await slots()).toEqual([]);
        expect(await dbs.sql("c", "SELECT 1 FROM pg_publication WHERE pubname = $1", [referencePublicationName(t)])).toEqual([]);
        expect(await dbs.sql("c", "SELECT 1 FROM pg_roles WHERE rolname = $1", [referenceRoleName(t)])).toEqual([]);
        expect(await rows("c")).toHaveLength(6);
    });
});
