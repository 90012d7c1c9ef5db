// sharding: what a ShardedTable costs and what a shard move costs, on the host PostgreSQL
// (scripts/host-postgres): the coordinator and the shards are databases of one server joined by
// postgres_fdw over loopback, and the single-cluster baseline is a database of the same server
// holding the same rows in the same hash partitions, locally. So the rows measure the
// coordinator's hop (postgres_fdw, a connection per shard), not a network: one server, no latency.
//   lookup: pgbench, a key lookup per transaction (8 clients, 10 s), sharded vs local;
//   fan-out: count and sum over every row, sharded (async_capable, the default) vs local, and
//            async_capable on vs off (the same sharded table, ALTER SERVER between the sides);
//   move: adding a third shard (`update` of ShardedTable: 2 of 6 slices move, each copied under its
//         lock, verified and switched) vs the bare copy of the same two slices through the same
//         postgres_fdw servers (INSERT ... SELECT, no lock, check or switch), each round on freshly
//         loaded databases.
// The ShardedTable is created and updated by its dynamic provider's own check/create/update, as
// the Pulumi engine calls them.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { parseShardedTable, shardRoleName, type ShardedTableInput } from "@pgscale/core";
import { shardedTableProvider } from "@pgscale/postgres";
import { alternate } from "../harness/rounds";
import type { Row } from "../harness/types";
import { hostPostgres, psql } from "./partition";
import { pgbench } from "./ha-pool";
import type { Benchmark, BenchContext, BenchOutput } from "./registry";

const TABLE = "bench_orders";
const MODULUS = 6;
const SHARDS = ["s1", "s2", "s3"];

const spec = (shards: string[]): ShardedTableInput => ({
    name: TABLE,
    columns: [
        { name: "customer_id", type: "bigint", notNull: true },
        { name: "id", type: "bigint", notNull: true },
        { name: "total", type: "numeric" },
    ],
    primaryKey: ["customer_id", "id"],
    shardBy: { strategy: "hash", columns: ["customer_id"], modulus: MODULUS },
    shards: shards.map((name) => ({ name })),
});

/** Databases on the host server, named `bench_shard_<tag>_<name>`. */
class Databases {
    constructor(private readonly admin: string, readonly tag: string) {}
    db(name: string): string {
        return `bench_shard_${this.tag}_${name}`;
    }
    uri(name: string): string {
        const u = new URL(this.admin);
        u.pathname = `/${this.db(name)}`;
        return u.toString();
    }
    fresh(names: string[]): void {
        for (const n of names) psql(this.admin, `DROP DATABASE IF EXISTS "${this.db(n)}" WITH (FORCE)`);
        for (const n of names) psql(this.admin, `CREATE DATABASE "${this.db(n)}"`);
    }
    drop(names: string[]): void {
        for (const n of names) psql(this.admin, `DROP DATABASE IF EXISTS "${this.db(n)}" WITH (FORCE)`);
        for (const s of SHARDS) psql(this.admin, `DROP ROLE IF EXISTS "${shardRoleName({ schema: "public", name: TABLE }, s)}"`);
    }
}

const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** What the ShardedTable constructor registers: the validated spec and the connections. */
function props(dbs: Databases, shards: string[]): Record<string, unknown> {
    const s = spec(shards);
    return wire({ ...parseShardedTable(s, `ShardedTable ${TABLE}`), coordinator: dbs.uri("c"), shardConnections: Object.fromEntries(shards.map((n) => [n, dbs.uri(n)])) });
}

async function createSharded(dbs: Databases, shards: string[]): Promise<{ id: string; outs: Record<string, unknown> }> {
    const checked = await shardedTableProvider.check!({}, props(dbs, shards));
    if (checked.failures?.length) throw new Error(JSON.stringify(checked.failures));
    const created = await shardedTableProvider.create(wire(checked.inputs));
    return { id: created.id, outs: wire(created.outs) };
}

async function update(dbs: Databases, state: { id: string; outs: Record<string, unknown> }, shards: string[]): Promise<void> {
    const checked = await shardedTableProvider.check!(state.outs, props(dbs, shards));
    if (checked.failures?.length) throw new Error(JSON.stringify(checked.failures));
    await shardedTableProvider.update!(state.id, state.outs, wire(checked.inputs));
}

async function sql(uri: string, text: string): Promise<Record<string, unknown>[]> {
    const c = new Client({ connectionString: uri });
    await c.connect();
    try {
        return (await c.query(text)).rows;
    } finally {
        await c.end();
    }
}

/** Median milliseconds of `n` runs of `query`, after one unrecorded run. */
async function medianMs(uri: string, query: string, n = 5): Promise<number> {
    const c = new Client({ connectionString: uri });
    await c.connect();
    try {
        await c.query(query);
        const t: number[] = [];
        for (let i = 0; i < n; i++) {
            const t0 = process.hrtime.bigint();
            await c.query(query);
            t.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        return t.sort((a, b) => a - b)[Math.floor(n / 2)];
    } finally {
        await c.end();
    }
}

const load = (rows: number) => `INSERT INTO public.${TABLE} SELECT g % ${Math.max(1, Math.floor(rows / 4))}, g, g FROM generate_series(1, ${rows}) g`;

async function queries(ctx: BenchContext, admin: string, rows: number): Promise<Row[]> {
    const dbs = new Databases(admin, "q");
    dbs.fresh(["c", "s1", "s2", "local"]);
    try {
        await createSharded(dbs, ["s1", "s2"]);
        await sql(dbs.uri("c"), load(rows));
        // The single-cluster table: the same columns, key and hash partitions, local.
        psql(dbs.uri("local"), `CREATE TABLE public.${TABLE} (customer_id bigint NOT NULL, id bigint NOT NULL, total numeric, PRIMARY KEY (customer_id, id)) PARTITION BY HASH (customer_id)`);
        for (let r = 0; r < MODULUS; r++) psql(dbs.uri("local"), `CREATE TABLE public.${TABLE}_${r} PARTITION OF public.${TABLE} FOR VALUES WITH (MODULUS ${MODULUS}, REMAINDER ${r})`);
        await sql(dbs.uri("local"), load(rows));
        for (const on of ["c", "s1", "s2", "local"]) await sql(dbs.uri(on), "VACUUM ANALYZE");
        const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-bench-shard-")), "lookup.sql");
        fs.writeFileSync(script, `\\set k random(0, ${Math.max(1, Math.floor(rows / 4)) - 1})\nSELECT * FROM public.${TABLE} WHERE customer_id = :k;\n`);
        const run = ["-n", "-c", "8", "-j", "2", "-T", "10", "-f", script];
        pgbench(dbs.uri("c"), run); // warm-up, not recorded
        pgbench(dbs.uri("local"), run);
        const lookup = await alternate(ctx.rounds, { pgscale: async () => pgbench(dbs.uri("c"), run), baseline: async () => pgbench(dbs.uri("local"), run) }, (m) => ctx.log(`lookup ${m}`));
        const fanQuery = `SELECT count(*), sum(total) FROM public.${TABLE}`;
        const fanout = await alternate(ctx.rounds, { pgscale: () => medianMs(dbs.uri("c"), fanQuery), baseline: () => medianMs(dbs.uri("local"), fanQuery) }, (m) => ctx.log(`fan-out ${m}`));
        const servers = ["s1", "s2"].map((s) => `${TABLE}_${s}`);
        const asyncCapable = (on: boolean) => Promise.all(servers.map((s) => sql(dbs.uri("c"), `ALTER SERVER "${s}" OPTIONS (SET async_capable '${on}')`)));
        const asyncRow = await alternate(ctx.rounds, {
            pgscale: async () => (await asyncCapable(true), medianMs(dbs.uri("c"), fanQuery)),
            baseline: async () => (await asyncCapable(false), medianMs(dbs.uri("c"), fanQuery)),
        }, (m) => ctx.log(`fan-out async ${m}`));
        await asyncCapable(true);
        const plan = (await sql(dbs.uri("c"), `EXPLAIN ${fanQuery}`)).map((r) => r["QUERY PLAN"]).join("\n");
        const settings = { server: "host PostgreSQL 15 (scripts/host-postgres)", rows, modulus: MODULUS, shards: 2, partitions: `hash, modulus ${MODULUS}` };
        return [
            {
                id: "lookup-8", title: "key lookup (pgbench, 8 clients, 10 s): through the coordinator vs the same table local", unit: "tps",
                measure: "transactions per second pgbench reports; one SELECT by shard key per transaction",
                pgscale: { label: "ShardedTable through its coordinator (postgres_fdw, 2 shard databases)", how: `pgbench ${run.join(" ")} (lookup.sql)`, settings, samples: lookup.pgscale },
                baseline: { label: "the same rows hash-partitioned in one database", how: `pgbench ${run.join(" ")} (lookup.sql)`, settings, samples: lookup.baseline },
            },
            {
                id: "fanout", title: "count and sum over every row: through the coordinator (async foreign scans) vs the same table local", unit: "ms",
                measure: `median of 5 runs of "${fanQuery}" after one unrecorded run`,
                pgscale: { label: "ShardedTable, async_capable on", how: fanQuery, settings, samples: fanout.pgscale },
                baseline: { label: "the same rows hash-partitioned in one database", how: fanQuery, settings, samples: fanout.baseline },
            },
            {
                id: "fanout-async", title: "count and sum over every row through the coordinator: async_capable on vs off", unit: "ms",
                measure: `median of 5 runs of "${fanQuery}"; ${/Async Foreign Scan/.test(plan) ? "the plan with it on shows Async Foreign Scan" : "the plan with it on shows NO Async Foreign Scan"}`,
                pgscale: { label: "async_capable on (the default)", how: "ALTER SERVER ... OPTIONS (SET async_capable 'true')", settings: { ...settings, asyncCapable: true }, samples: asyncRow.pgscale },
                baseline: { label: "async_capable off", how: "ALTER SERVER ... OPTIONS (SET async_capable 'false')", settings: { ...settings, asyncCapable: false }, samples: asyncRow.baseline },
            },
        ];
    } finally {
        dbs.drop(["c", "s1", "s2", "local"]);
    }
}

async function moves(ctx: BenchContext, admin: string, rows: number): Promise<Row> {
    const dbs = new Databases(admin, "m");
    const names = ["c", ...SHARDS];
    /** A two-shard table holding `rows`; the third shard's database empty. */
    const fresh = async () => {
        dbs.fresh(names);
        const state = await createSharded(dbs, ["s1", "s2"]);
        await sql(dbs.uri("c"), load(rows));
        return state;
    };
    const moved = async (): Promise<number> => Number((await sql(dbs.uri("s3"), `SELECT count(*) AS n FROM public.${TABLE}`))[0].n);
    try {
        const samples = await alternate(ctx.rounds, {
            pgscale: async () => {
                const state = await fresh();
                const t0 = Date.now();
                await update(dbs, state, SHARDS);
                const s = (Date.now() - t0) / 1000;
                if ((await moved()) === 0) throw new Error("the move left s3 empty");
                return s;
            },
            baseline: async () => {
                await fresh();
                // The same two slices (remainders 4 and 5), copied bare through the same kind of postgres_fdw server.
                const s3 = new URL(dbs.uri("s3"));
                psql(dbs.uri("s3"), `CREATE TABLE public.${TABLE} (customer_id bigint NOT NULL, id bigint NOT NULL, total numeric, PRIMARY KEY (customer_id, id)) PARTITION BY HASH (customer_id); ` +
                    [4, 5].map((r) => `CREATE TABLE public.${TABLE}_${r} PARTITION OF public.${TABLE} FOR VALUES WITH (MODULUS ${MODULUS}, REMAINDER ${r});`).join(" "));
                psql(dbs.uri("c"), `CREATE SERVER bare_s3 FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '${s3.hostname}', port '${s3.port}', dbname '${dbs.db("s3")}'); ` +
                    `CREATE USER MAPPING FOR CURRENT_USER SERVER bare_s3 OPTIONS (user '${decodeURIComponent(s3.username)}', password '${decodeURIComponent(s3.password)}'); ` +
                    [4, 5].map((r) => `CREATE FOREIGN TABLE bare_${r} (customer_id bigint NOT NULL, id bigint NOT NULL, total numeric) SERVER bare_s3 OPTIONS (schema_name 'public', table_name '${TABLE}_${r}');`).join(" "));
                const t0 = Date.now();
                psql(dbs.uri("c"), [4, 5].map((r) => `INSERT INTO bare_${r} SELECT * FROM public.${TABLE}_${r};`).join(" "));
                const s = (Date.now() - t0) / 1000;
                if ((await moved()) === 0) throw new Error("the copy left s3 empty");
                return s;
            },
        }, (m) => ctx.log(`move ${m}`));
        const settings = { server: "host PostgreSQL 15 (scripts/host-postgres)", rows, modulus: MODULUS, from: 2, to: 3, slicesMoved: 2 };
        return {
            id: "move-2-to-3", title: `adding a third shard to two holding ${rows} rows (2 of ${MODULUS} slices move)`, unit: "s",
            measure: "from the update's start to its return (pgscale); from the first INSERT to the last commit (bare copy)",
            pgscale: { label: "ShardedTable update: route, copy under the slice's lock, verify, switch, drop the old copy, per slice", how: "shardedTableProvider.update (as `pulumi up` calls it)", settings, samples: samples.pgscale },
            baseline: { label: "INSERT ... SELECT of the same slices through postgres_fdw, nothing else", how: "psql -c 'INSERT INTO bare_4 SELECT ...; INSERT INTO bare_5 ...'", settings, samples: samples.baseline },
        };
    } finally {
        dbs.drop(names);
    }
}

export const sharding: Benchmark = {
    name: "sharding",
    describe: "ShardedTable against the same table in one database: key lookups, a fan-out aggregate (async on and off), and adding a shard",
    async run(ctx): Promise<BenchOutput> {
        const admin = hostPostgres();
        const rows = Number(ctx.options.rows ?? 200_000);
        return {
            rows: [...(await queries(ctx, admin, rows)), await moves(ctx, admin, rows)],
            notes: ["The coordinator and its shards are databases of one host PostgreSQL 15, joined over loopback: the rows measure postgres_fdw's hop and pgscale's move steps, not a network."],
        };
    },
};
