import { randomBytes } from "crypto";
import { Client } from "pg";
import { moveServerName, shardRoleName } from "@pgscale/core";
import { shardedTableProvider } from "@pgscale/postgres";
import type { ShardedTableInput } from "@pgscale/core";
import type { ResourceState } from "./partition-fixtures";
import { ordersSpec, ShardDatabases, ShardEngine, uriOf } from "./shard-fixtures";

// Adding a shard to a ShardedTable that holds rows, then removing one, against the host
// PostgreSQL (a coordinator and three shard databases, joined by postgres_fdw over loopback),
// with a writer inserting through the coordinator the whole time. The first attempt of each is
// made to fail at a copy's check (a trigger on the receiving shard alters what arrives): nothing
// is lost, the slice still reads from its old shard, and the next `up` resumes the move from
// where the catalogs show it stopped. The removal runs on the table the first test grew. Last, a
// range-sharded table gives one of its ranges to the third shard, under a writer too.

jest.setTimeout(180_000);

const dbs = new ShardDatabases(["s1", "s2", "s3"]);
const engine = new ShardEngine(dbs);
const table = `mv_${randomBytes(3).toString("hex")}`;

const spec = (shards: string[]) => ordersSpec(table, shards);

const count = async (on: string, rel: string) => Number((await dbs.sql<{ n: string }>(on, `SELECT count(*) AS n FROM public.${rel}`))[0].n);
const serverOf = async (slice: string) =>
    (await dbs.sql<{ srv: string }>("c", "SELECT fs.srvname AS srv FROM pg_foreign_table ft JOIN pg_foreign_server fs ON fs.oid = ft.ftserver WHERE ft.ftrelid = $1::regclass", [`public.${slice}`]))[0]?.srv;

/** Inserts through the coordinator until stopped: what was acknowledged, what failed, the longest wait. */
class Writer {
    readonly acked: number[] = [];
    readonly failed: string[] = [];
    longestMs = 0;
    private stopped = false;
    private done?: Promise<void>;
    private next: number;
    /** `first`: the first id, above every id already in the table. */
    constructor(readonly first: number) {
        this.next = first;
    }

    /** Inserts into `into` (default: the first tests' table). */
    start(into = table): void {
        this.done = (async () => {
            const c = new Client({ connectionString: uriOf(dbs.db("c")) });
            await c.connect();
            try {
                while (!this.stopped) {
                    const id = this.next++;
                    const t0 = Date.now();
                    try {
                        await c.query(`INSERT INTO public.${into} VALUES ($1, $2, 1)`, [id % 997, id]);
                        this.acked.push(id);
                    } catch (e) {
                        this.failed.push((e as Error).message);
                    }
                    this.longestMs = Math.max(this.longestMs, Date.now() - t0);
                }
            } finally {
                await c.end();
            }
        })();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.done;
    }

    /** Every acknowledged insert is in the table exactly once, and none failed. */
    async expectEachAckedOnce(into = table): Promise<void> {
        expect(this.failed).toEqual([]);
        expect(this.acked.length).toBeGreaterThan(0);
        const [{ n, d }] = await dbs.sql<{ n: string; d: string }>("c", `SELECT count(*) AS n, count(DISTINCT id) AS d FROM public.${into} WHERE id >= $1`, [this.first]);
        expect([Number(n), Number(d)]).toEqual([this.acked.length, this.acked.length]);
    }
}

beforeAll(async () => {
    await dbs.create();
});
afterAll(async () => {
    await dbs.drop(["s1", "s2", "s3"].map((s) => shardRoleName({ schema: "public", name: table }, s)));
});

/** The table as the first test leaves it, for the second. */
let state: ResourceState | undefined;

test("a third shard takes a third of the slices, moved online; a failed copy loses nothing and the next up resumes", async () => {
    state = await engine.up(spec(["s1", "s2"]));
    await dbs.sql("c", `INSERT INTO public.${table} SELECT g % 997, g, g FROM generate_series(1, 30000) g`);
    // Round-robin over two shards: s1 holds remainders 0, 2, 4 and s2 holds 1, 3, 5.
    expect(await serverOf(`${table}_4`)).toBe(`${table}_s1`);
    const before = { s4: await count("s1", `${table}_4`), s5: await count("s2", `${table}_5`) };
    expect(before.s4).toBeGreaterThan(0);

    // The new shard's slice 4, made in advance as pgscale would, with a trigger that alters what arrives.
    await dbs.sql("s3", `CREATE TABLE public.${table} (customer_id bigint NOT NULL, id bigint NOT NULL, total numeric, PRIMARY KEY (customer_id, id)) PARTITION BY HASH (customer_id)`);
    await dbs.sql("s3", `CREATE TABLE public.${table}_4 PARTITION OF public.${table} FOR VALUES WITH (MODULUS 6, REMAINDER 4)`);
    await dbs.sql("s3", "CREATE FUNCTION public.tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.total := NEW.total + 1; RETURN NEW; END $$");
    await dbs.sql("s3", `CREATE TRIGGER tamper BEFORE INSERT ON public.${table}_4 FOR EACH ROW EXECUTE FUNCTION public.tamper()`);

    const writer = new Writer(1_000_000);
    writer.start();
    try {
        const pv = await engine.preview(spec(["s1", "s2", "s3"]), state);
        expect(pv.plan).toEqual(expect.arrayContaining([
            `[coordinator] ~ move slice ${table}_4 from s1 to s3: route it through server ${table}_4_to_s3_move`,
            `[coordinator] ~ move slice ${table}_5 to s3: read it through server ${table}_s3`,
            `[s2] - drop slice ${table}_5 on s2 (moved to s3; the coordinator reads it there)`,
        ]));
        await expect(engine.up(spec(["s1", "s2", "s3"]), state)).rejects.toThrow(new RegExp(`moving slice ${table}_4 to s3: \\d+ rows \\(checksum -?\\d+\\) copied as \\d+ \\(checksum -?\\d+\\); nothing was changed`));
        // Routed through its move server, still read from s1, every row there.
        expect(await serverOf(`${table}_4`)).toBe(moveServerName({ schema: "public", name: table }, `${table}_4`, "s3"));
        expect(await count("s3", `${table}_4`)).toBe(0);
        expect(await count("s1", `${table}_4`)).toBeGreaterThanOrEqual(before.s4);

        await dbs.sql("s3", `DROP TRIGGER tamper ON public.${table}_4`);
        const resumed = await engine.preview(spec(["s1", "s2", "s3"]), state);
        expect(resumed.plan.filter((l) => l.includes(`slice ${table}_4`))).toEqual([
            `[coordinator] ~ move slice ${table}_4 from s1 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3`,
            `[coordinator] ~ move slice ${table}_4 to s3: read it through server ${table}_s3`,
            `[s1] - drop slice ${table}_4 on s1 (moved to s3; the coordinator reads it there)`,
        ]);
        state = await engine.up(spec(["s1", "s2", "s3"]), state);
        await new Promise((r) => setTimeout(r, 500)); // writes after the move, too
    } finally {
        await writer.stop();
    }

    await writer.expectEachAckedOnce();
    expect(await count("c", table)).toBe(30000 + writer.acked.length);
    // s3 holds slices 4 and 5 (each shard two of six), read from there; the old copies are gone.
    expect(await serverOf(`${table}_4`)).toBe(`${table}_s3`);
    expect(await serverOf(`${table}_5`)).toBe(`${table}_s3`);
    for (const [shard, slices] of Object.entries({ s1: [0, 2], s2: [1, 3], s3: [4, 5] })) {
        const held = await dbs.sql<{ r: string }>(shard, "SELECT c.relname AS r FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1", [`public.${table}`]);
        expect([shard, held.map((x) => x.r)]).toEqual([shard, slices.map((r) => `${table}_${r}`)]);
    }
    const perSlice = await dbs.sql<{ p: string; n: string }>("c", `SELECT tableoid::regclass::text AS p, count(*) AS n FROM public.${table} GROUP BY 1`);
    for (const r of [4, 5]) expect(await count("s3", `${table}_${r}`)).toBe(Number(perSlice.find((x) => x.p === `${table}_${r}`)!.n));
    expect(await dbs.sql("c", "SELECT srvname FROM pg_foreign_server WHERE srvname LIKE '%\\_move'")).toEqual([]);
    expect(state!.outputs.drift).toEqual([]);
    expect((await engine.preview(spec(["s1", "s2", "s3"]), state)).plan).toEqual([]);
    // The longest any insert waited (slice 4's copy, or the metadata swaps): measured, not assumed.
    console.log(`shard move: ${writer.acked.length} inserts acknowledged during the moves, longest wait ${writer.longestMs} ms`);
    expect(writer.longestMs).toBeLessThan(30_000);
});

/** What a refused up must leave as it was: the coordinator's servers, mappings and partitions, each shard's slices with their rows' count and checksum. */
async function snapshot(): Promise<unknown> {
    const coordinator = await dbs.sql("c", `SELECT s.srvname, s.srvoptions::text AS options, um.umuser IS NOT NULL AS mapped,
            (SELECT string_agg(ft.ftrelid::regclass::text, ',' ORDER BY 1) FROM pg_foreign_table ft WHERE ft.ftserver = s.oid) AS tables
        FROM pg_foreign_server s LEFT JOIN pg_user_mapping um ON um.umserver = s.oid ORDER BY 1`);
    const shards: Record<string, unknown> = {};
    for (const shard of ["s1", "s2", "s3"]) {
        const slices = await dbs.sql<{ r: string }>(shard, "SELECT c.relname AS r FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1", [`public.${table}`]);
        shards[shard] = await Promise.all(slices.map(async ({ r }) => [r, await digest(shard, r)]));
    }
    return { coordinator, shards };
}

/** A relation's row count and a checksum of its rows that does not depend on their order. */
const digest = async (on: string, rel: string, where = "true") =>
    (await dbs.sql<{ n: string; h: string }>(on, `SELECT count(*) AS n, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS h FROM public.${rel} t WHERE ${where}`))[0];

/** The keys of a relation's rows, as "customer_id:id". */
const keys = async (on: string, rel: string) => (await dbs.sql<{ k: string }>(on, `SELECT customer_id || ':' || id AS k FROM public.${rel}`)).map((r) => r.k);

test("removing a shard holding rows: refused without moveRowsOnShardRemoval, nothing touched; with it, its slices move online to the others", async () => {
    if (!state) throw new Error("needs the three-shard table of the test above");
    // s1 holds slices 0 and 2, s2 holds 1 and 3, s3 holds 4 and 5; s2 goes: 1 to s1, 3 to s3.
    const shrunk = (over: Parameters<typeof ordersSpec>[2] = {}) => ordersSpec(table, ["s1", "s3"], over);
    const before = await snapshot();
    const refused = await engine.preview(shrunk(), state);
    expect(refused.failures.map((f) => [f.property, f.reason])).toEqual([[
        "shards",
        `shard s2 is no longer in shards, and its slices ${table}_1, ${table}_3 hold rows: set moveRowsOnShardRemoval: true to move them online to the remaining shards (${table}_1 to s1, ${table}_3 to s3), or keep s2 in shards; nothing was changed`,
    ]]);
    await expect(engine.up(shrunk(), state)).rejects.toThrow(/check failed/);
    // The provider refuses on its own too (an update reaching it without check).
    await expect(shardedTableProvider.update!(state.id, state.outputs, engine.props(shrunk()))).rejects.toThrow(/refused, nothing was changed/);
    expect(await snapshot()).toEqual(before);
    const moved = { s1: await digest("s2", `${table}_1`), s3: await digest("s2", `${table}_3`) };

    // s3's slice 3, made in advance as pgscale would, with a trigger that alters what arrives.
    await dbs.sql("s3", `CREATE TABLE public.${table}_3 PARTITION OF public.${table} FOR VALUES WITH (MODULUS 6, REMAINDER 3)`);
    await dbs.sql("s3", `CREATE TRIGGER tamper BEFORE INSERT ON public.${table}_3 FOR EACH ROW EXECUTE FUNCTION public.tamper()`);
    const writer = new Writer(2_000_000);
    writer.start();
    try {
        const pv = await engine.preview(shrunk({ moveRowsOnShardRemoval: true }), state);
        expect(pv.failures).toEqual([]);
        expect(pv.plan.filter((l) => l.startsWith("[coordinator]"))).toEqual([
            `[coordinator] ~ move slice ${table}_1 from s2 to s1: route it through server ${table}_1_to_s1_move`,
            `[coordinator] ~ move slice ${table}_1 from s2 to s1: copy its rows (its writes wait), verify counts and checksums, read it from s1`,
            `[coordinator] ~ move slice ${table}_1 to s1: read it through server ${table}_s1`,
            `[coordinator] ~ move slice ${table}_3 from s2 to s3: route it through server ${table}_3_to_s3_move`,
            `[coordinator] ~ move slice ${table}_3 from s2 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3`,
            `[coordinator] ~ move slice ${table}_3 to s3: read it through server ${table}_s3`,
            `[coordinator] - drop server ${table}_s2 and its user mapping (shard s2 removed; its tables, which keep their copies of the rows moved off it, and its role on the shard are left)`,
        ]);
        expect(pv.plan.filter((l) => l.startsWith("[s2]"))).toEqual([]);
        await expect(engine.up(shrunk({ moveRowsOnShardRemoval: true }), state)).rejects.toThrow(new RegExp(`moving slice ${table}_3 to s3: \\d+ rows \\(checksum -?\\d+\\) copied as \\d+ \\(checksum -?\\d+\\); nothing was changed`));
        // Slice 1 moved; slice 3 routed through its move server, still read from s2, every row there; s2's server stays.
        expect(await serverOf(`${table}_1`)).toBe(`${table}_s1`);
        expect(await serverOf(`${table}_3`)).toBe(moveServerName({ schema: "public", name: table }, `${table}_3`, "s3"));
        expect(Number((await digest("s2", `${table}_3`)).n)).toBeGreaterThanOrEqual(Number(moved.s3.n));
        expect(await count("s3", `${table}_3`)).toBe(0);

        await dbs.sql("s3", `DROP TRIGGER tamper ON public.${table}_3`);
        const resumed = await engine.preview(shrunk({ moveRowsOnShardRemoval: true }), state);
        expect(resumed.plan.filter((l) => l.startsWith("[coordinator]"))).toEqual([
            `[coordinator] ~ move slice ${table}_3 from s2 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3`,
            `[coordinator] ~ move slice ${table}_3 to s3: read it through server ${table}_s3`,
            `[coordinator] - drop server ${table}_s2 and its user mapping (shard s2 removed; its tables, which keep their copies of the rows moved off it, and its role on the shard are left)`,
        ]);
        state = await engine.up(shrunk({ moveRowsOnShardRemoval: true }), state);
        await new Promise((r) => setTimeout(r, 500)); // writes after the move, too
    } finally {
        await writer.stop();
    }

    await writer.expectEachAckedOnce();
    // Every row of the table is on exactly one remaining shard: s1 holds 0, 1, 2 and s3 holds 3, 4, 5, read from there.
    const [onS1, onS3, onC] = [new Set(await keys("s1", table)), new Set(await keys("s3", table)), await keys("c", table)];
    expect([...onS1].filter((k) => onS3.has(k))).toEqual([]);
    expect(onS1.size + onS3.size).toBe(onC.length);
    expect(onC.filter((k) => !onS1.has(k) && !onS3.has(k))).toEqual([]);
    expect(writer.acked.filter((id) => !onS1.has(`${id % 997}:${id}`) && !onS3.has(`${id % 997}:${id}`))).toEqual([]);
    for (const [shard, slices] of Object.entries({ s1: [0, 1, 2], s3: [3, 4, 5] })) {
        const held = await dbs.sql<{ r: string }>(shard, "SELECT c.relname AS r FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1", [`public.${table}`]);
        expect([shard, held.map((x) => x.r)]).toEqual([shard, slices.map((r) => `${table}_${r}`)]);
        for (const r of slices) expect(await serverOf(`${table}_${r}`)).toBe(`${table}_${shard}`);
    }
    // Each moved slice holds the rows s2 held before the writer started (same count and checksum), and
    // s2's copy left behind (the rows at the copy) is on it too: what is new there is the writer's.
    for (const [to, r] of [["s1", 1], ["s3", 3]] as const) {
        expect([to, await digest(to, `${table}_${r}`, "id < 2000000")]).toEqual([to, moved[to]]);
        const [left, now] = [new Set(await keys("s2", `${table}_${r}`)), new Set(await keys(to, `${table}_${r}`))];
        expect([...left].filter((k) => !now.has(k))).toEqual([]);
        expect([...now].filter((k) => !left.has(k) && Number(k.split(":")[1]) < 2_000_000)).toEqual([]);
    }
    // s2's server, mapping and move servers are gone from the coordinator; its tables and role are left on it.
    expect((await dbs.sql<{ srvname: string }>("c", "SELECT srvname FROM pg_foreign_server ORDER BY 1")).map((r) => r.srvname)).toEqual([`${table}_s1`, `${table}_s3`]);
    expect(await dbs.sql("s2", "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1", [`public.${table}`])).toEqual([{ relname: `${table}_1` }, { relname: `${table}_3` }]);
    expect(await dbs.sql("s2", "SELECT rolname FROM pg_roles WHERE rolname = $1", [shardRoleName({ schema: "public", name: table }, "s2")])).toHaveLength(1);
    expect(Object.keys(state.outputs.credentials as object).sort()).toEqual(["s1", "s3"]);
    expect(state.outputs.drift).toEqual([]);
    expect((await engine.preview(shrunk({ moveRowsOnShardRemoval: true }), state)).plan).toEqual([]);
    console.log(`shard removal: ${writer.acked.length} inserts acknowledged during the moves, longest wait ${writer.longestMs} ms`);
    expect(writer.longestMs).toBeLessThan(30_000);
});

test("range sharding: a range the spec gives to a new shard moves there online under a writer, keeping its slice's name; the shard's other range stays", async () => {
    const ranged = `${table}_r`;
    const rangeSpec = (shards: ShardedTableInput["shards"]) => ordersSpec(ranged, [], { shardBy: { strategy: "range", columns: ["customer_id"] }, shards });
    const before = [{ name: "s1", ranges: [{ from: 0, to: 400 }, { from: 400, to: 700 }] }, { name: "s2", ranges: [{ from: 700, to: 1000 }] }];
    // [0, 400) leaves s1 for s3; s1 keeps [400, 700).
    const after = [{ name: "s1", ranges: [{ from: 400, to: 700 }] }, { name: "s2", ranges: [{ from: 700, to: 1000 }] }, { name: "s3", ranges: [{ from: 0, to: 400 }] }];
    let st = await engine.up(rangeSpec(before));
    await dbs.sql("c", `INSERT INTO public.${ranged} SELECT g % 997, g, g FROM generate_series(1, 20000) g`);
    const moving = `${ranged}_s1_0`;
    const held = await digest("s1", moving);
    expect(Number(held.n)).toBeGreaterThan(0);
    const writer = new Writer(3_000_000);
    writer.start(ranged);
    try {
        const pv = await engine.preview(rangeSpec(after), st);
        expect(pv.failures).toEqual([]);
        expect(pv.plan.filter((l) => l.includes("move"))).toEqual([
            `[coordinator] ~ move slice ${moving} from s1 to s3: route it through server ${moving}_to_s3_move`,
            `[coordinator] ~ move slice ${moving} from s1 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3`,
            `[coordinator] ~ move slice ${moving} to s3: read it through server ${ranged}_s3`,
            `[s1] - drop slice ${moving} on s1 (moved to s3; the coordinator reads it there)`,
        ]);
        st = await engine.up(rangeSpec(after), st);
        await new Promise((r) => setTimeout(r, 500)); // writes after the move, too
    } finally {
        await writer.stop();
    }
    await writer.expectEachAckedOnce(ranged);
    // The slice is read from s3 and holds every row it held on s1 before the writer started; s1 keeps its other range only.
    expect(await serverOf(moving)).toBe(`${ranged}_s3`);
    expect(await digest("s3", moving, "id < 3000000")).toEqual(held);
    const slicesOn = async (shard: string) => (await dbs.sql<{ r: string }>(shard, "SELECT c.relname AS r FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1", [`public.${ranged}`])).map((x) => x.r);
    expect({ s1: await slicesOn("s1"), s3: await slicesOn("s3") }).toEqual({ s1: [`${ranged}_s1_1`], s3: [moving] });
    expect(await count("c", ranged)).toBe(20000 + writer.acked.length);
    expect(st.outputs.drift).toEqual([]);
    expect((await engine.preview(rangeSpec(after), st)).plan).toEqual([]);
    console.log(`range move: ${writer.acked.length} inserts acknowledged during the move, longest wait ${writer.longestMs} ms`);
    expect(writer.longestMs).toBeLessThan(30_000);
});
