// testing-reuse: the two figures a suite with @pgscale/testing `reuse: true` feels, for each kind
// (startCluster 3 nodes / startPostgres) and profile (durable / fast):
//   - a second run's start({ reuse: true }) to its first query, in a new node process as jest or an
//     application starts it (from the call, and from the process's start);
//   - restore() of a snapshot of a 10 000-row table after half the rows were deleted, right after the
//     snapshot and again a test's body later (and the snapshot itself, which makes the first copy).
// Targets are absolute bounds on the pgscale side: ≤ 1 s to the first query, ≤ 200 ms
// for the reset. A cold start is not a baseline for a warm one (unequal work), so the baselines
// are the same steps by hand on the same kept cluster, in the same rounds: a new process that
// recreates the application database from the clean template with CREATE DATABASE ... TEMPLATE
// and queries it; and DROP DATABASE + CREATE DATABASE ... TEMPLATE of a hand-made snapshot. Both
// hand sides wait for the replicas to replay, as pgscale does. pgscale's extra work (health check,
// lease, tidy) is what it costs, so the ratios show it.
// Clusters live in a state directory of this run's; each is destroyed after its side, and a prune
// of that directory alone (never other runs' clusters) removes any that an error left behind.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { libpqCompatible } from "@pgscale/core";
import { prune, startCluster, startPostgres, TestDatabase } from "@pgscale/testing";
import { alternate } from "../harness/rounds";
import type { Row } from "../harness/types";
import { ROOT } from "./ha-work";
import type { BenchContext, Benchmark, BenchOutput } from "./registry";

const DIST = path.join(ROOT, "packages/testing/dist");
const CLEAN_TEMPLATE = "pgscale_reuse_clean"; // @pgscale/testing's template of a kept cluster's clean database
const ROWS = 10_000;
/** A test's body between two restores (a beforeEach restore sees the copy made during the test before). */
const TEST_BODY_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Kind {
    id: string;
    kind: "cluster" | "postgres";
    opts: Record<string, unknown>;
}
const KINDS: Kind[] = [
    { id: "cluster", kind: "cluster", opts: { nodes: 3 } },
    { id: "cluster-fast", kind: "cluster", opts: { nodes: 3, profile: "fast", allowUnsafeDurability: true } },
    { id: "postgres", kind: "postgres", opts: {} },
    { id: "postgres-fast", kind: "postgres", opts: { profile: "fast", allowUnsafeDurability: true } },
];

// A second "test run" with @pgscale/testing: a fresh node process loading the built package.
const PGSCALE_CHILD = `
const tProcess0 = performance.timeOrigin;
const t = require(process.env.BENCH_DIST);
const { Client } = require(process.env.BENCH_PG);
(async () => {
    const { kind, ...opts } = JSON.parse(process.argv[1]);
    const t0 = Date.now();
    const db = kind === "postgres" ? await t.startPostgres(opts) : await t.startCluster(opts);
    const c = new Client({ connectionString: libpqCompatible(db.primaryUri) });
    await c.connect();
    await c.query("SELECT 1");
    const t1 = Date.now();
    await c.end();
    process.stdout.write(JSON.stringify({ reused: db.reused, stack: db.stackName, callMs: t1 - t0, processMs: t1 - tProcess0 }) + "\\n");
    await db.stop();
})().catch((e) => { console.error(e); process.exit(1); });`;

// The same by hand: a fresh node process with the pg driver that puts the database back to the
// clean template (as a script keeping a container between runs would), waits for the replicas,
// and queries it.
const HAND_CHILD = `
const tProcess0 = performance.timeOrigin;
const { Client } = require(process.env.BENCH_PG);
(async () => {
    const { superuserUri, primaryUri, database, owner, template, replicas } = JSON.parse(process.argv[1]);
    const t0 = Date.now();
    const s = new Client({ connectionString: libpqCompatible(superuserUri) });
    await s.connect();
    await s.query('DROP DATABASE IF EXISTS "' + database + '" WITH (FORCE)');
    await s.query('CREATE DATABASE "' + database + '" TEMPLATE "' + template + '" OWNER "' + owner + '"');
    const lsn = (await s.query("SELECT pg_current_wal_lsn() AS l")).rows[0].l;
    for (;;) {
        const r = await s.query("SELECT count(*)::int AS n FROM pg_stat_replication WHERE replay_lsn >= $1", [lsn]);
        if (r.rows[0].n >= replicas) break;
        await new Promise((res) => setTimeout(res, 10));
    }
    await s.end();
    const c = new Client({ connectionString: libpqCompatible(primaryUri) });
    await c.connect();
    await c.query("SELECT 1");
    const t1 = Date.now();
    await c.end();
    process.stdout.write(JSON.stringify({ callMs: t1 - t0, processMs: t1 - tProcess0 }) + "\\n");
})().catch((e) => { console.error(e); process.exit(1); });`;

function child(script: string, arg: unknown): Record<string, any> {
    const out = execFileSync(process.execPath, ["-e", script, JSON.stringify(arg)], {
        encoding: "utf8",
        env: { ...process.env, NODE_ENV: "test", BENCH_DIST: DIST, BENCH_PG: require.resolve("pg") },
        stdio: ["ignore", "pipe", "inherit"],
    });
    return JSON.parse(out.trim().split("\n").pop()!);
}

async function sql(uri: string, ...statements: string[]): Promise<void> {
    const c = new Client({ connectionString: libpqCompatible(uri) });
    await c.connect();
    try {
        for (const s of statements) await c.query(s);
    } finally {
        await c.end();
    }
}

/** Until every replica has replayed the primary's current WAL position (what restore() waits for). */
async function replayed(c: Client, replicas: number): Promise<void> {
    const lsn = (await c.query("SELECT pg_current_wal_lsn() AS l")).rows[0].l;
    while ((await c.query("SELECT count(*)::int AS n FROM pg_stat_replication WHERE replay_lsn >= $1", [lsn])).rows[0].n < replicas) {
        await new Promise((res) => setTimeout(res, 10));
    }
}

const FILL = `CREATE TABLE rows10k AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, ${ROWS}) g`;
const DIRTY = "DELETE FROM rows10k WHERE id % 2 = 0";

async function side(ctx: BenchContext, k: Kind, stateDir: string): Promise<Row[]> {
    const opts = { ...k.opts, reuse: true, stateDir, silent: true };
    const start = () => (k.kind === "cluster" ? startCluster(opts) : startPostgres(opts));
    const replicas = k.kind === "cluster" ? Number(k.opts.nodes) - 1 : 0;
    // First run, untimed: creates the cluster and keeps it for the runs below.
    const first: TestDatabase = await start();
    const { superuserUri, primaryUri } = first;
    const { database, owner } = first.info;
    await first.stop();
    const hand = { superuserUri, primaryUri, database, owner, template: CLEAN_TEMPLATE, replicas };
    const fromProcess: Record<string, number[]> = { pgscale: [], baseline: [] };
    const reset: Record<string, number[]> = { pgscale: [], baseline: [] };
    const resetNext: Record<string, number[]> = { pgscale: [], baseline: [] };
    const snapshotMs: Record<string, number[]> = { pgscale: [], baseline: [] };
    try {
        const call = await alternate(ctx.rounds, {
            pgscale: async (r) => {
                const run = child(PGSCALE_CHILD, { kind: k.kind, ...opts });
                if (!run.reused || run.stack !== first.stackName) throw new Error(`${k.id}: round ${r + 1} did not reuse ${first.stackName} (got ${run.stack})`);
                fromProcess.pgscale.push(Math.round(run.processMs));
                // restore() of a 10 000-row snapshot on the same cluster, from this process.
                const db = await start();
                try {
                    await sql(db.primaryUri, FILL);
                    const ts = Date.now();
                    await db.snapshot("rows10k");
                    snapshotMs.pgscale.push(Date.now() - ts);
                    await sql(db.primaryUri, DIRTY);
                    const t0 = Date.now();
                    await db.restore("rows10k");
                    reset.pgscale.push(Date.now() - t0);
                    // The next test's restore: its body ran meanwhile (the copy for it was made then).
                    await sql(db.primaryUri, DIRTY);
                    await sleep(TEST_BODY_MS);
                    const t1 = Date.now();
                    await db.restore("rows10k");
                    resetNext.pgscale.push(Date.now() - t1);
                } finally {
                    await db.stop();
                }
                return run.callMs / 1000;
            },
            baseline: async () => {
                const run = child(HAND_CHILD, hand);
                fromProcess.baseline.push(Math.round(run.processMs));
                // The same reset by hand: a database, its snapshot as a template, then drop + copy back.
                const [work, snap] = ["bench_reuse_hand", "bench_reuse_hand_snap"];
                await sql(superuserUri, `DROP DATABASE IF EXISTS ${work} WITH (FORCE)`, `DROP DATABASE IF EXISTS ${snap}`, `CREATE DATABASE ${work} TEMPLATE ${CLEAN_TEMPLATE}`);
                const workUri = superuserUri.replace(/\/[^/?]+(\?|$)/, `/${work}$1`);
                await sql(workUri, FILL);
                const ts = Date.now();
                await sql(superuserUri, `CREATE DATABASE ${snap} TEMPLATE ${work}`);
                snapshotMs.baseline.push(Date.now() - ts);
                await sql(workUri, DIRTY);
                const t0 = Date.now();
                const c = new Client({ connectionString: libpqCompatible(superuserUri) });
                await c.connect();
                try {
                    await c.query(`DROP DATABASE ${work} WITH (FORCE)`);
                    await c.query(`CREATE DATABASE ${work} TEMPLATE ${snap}`);
                    await replayed(c, replicas);
                    reset.baseline.push(Date.now() - t0);
                    await sql(workUri, DIRTY);
                    await sleep(TEST_BODY_MS);
                    const t1 = Date.now();
                    await c.query(`DROP DATABASE ${work} WITH (FORCE)`);
                    await c.query(`CREATE DATABASE ${work} TEMPLATE ${snap}`);
                    await replayed(c, replicas);
                    resetNext.baseline.push(Date.now() - t1);
                    await c.query(`DROP DATABASE ${work}`);
                    await c.query(`DROP DATABASE ${snap}`);
                } finally {
                    await c.end();
                }
                return run.callMs / 1000;
            },
        }, (m) => ctx.log(`${k.id} ${m}`));
        const kindLabel = k.kind === "cluster" ? "startCluster" : "startPostgres";
        const fast = k.opts.profile === "fast";
        const label = `${kindLabel}(${JSON.stringify({ ...(k.kind === "cluster" ? { nodes: 3 } : {}), ...(fast ? { profile: "fast" } : {}), reuse: true })})`;
        const settings = { kind: k.kind, nodes: k.kind === "cluster" ? 3 : 1, profile: fast ? "fast" : "durable", cluster: "the same kept cluster", database: "reset to the clean template", replicasReplayed: true };
        const resetSettings = { kind: k.kind, nodes: settings.nodes, profile: settings.profile, cluster: "the same kept cluster", rows: ROWS, replicasReplayed: true };
        // Unequal work, said so in the table: restore() renames a copy it made ahead (after the
        // snapshot, off the timed path, unless still in progress); by hand the copy is on the path.
        const resetMethod = {
            pgscale: { ...resetSettings, method: "a copy of the snapshot made ahead (by snapshot(), then after each restore), renamed into place" },
            baseline: { ...resetSettings, method: "whole database copied back from a template database" },
        };
        const title = `${kindLabel}${k.kind === "cluster" ? " (3 nodes)" : ""}, ${settings.profile}`;
        const handHow = "a new node process (pg driver): DROP DATABASE ... WITH (FORCE), CREATE DATABASE ... TEMPLATE pgscale_reuse_clean, wait for replay on the replicas, then SELECT 1";
        return [
            { id: `reuse-${k.id}`, title: `${title}: second run to first query`, unit: "s", measure: "from the call (the hand script's first statement) to the first successful query through primaryUri, in a new node process",
                pgscale: { label, how: `${label} in a new node process (health check, lease, database reset to the clean template), then SELECT 1`, settings, samples: call.pgscale },
                baseline: { label: "same by hand", how: handHow, settings, samples: call.baseline },
                target: { on: "pgscaleMedian", max: 1 } },
            { id: `reuse-${k.id}-process`, title: `${title}: second run, from the process's start`, unit: "ms", measure: "from the node process's start (performance.timeOrigin; node and require included) to the first successful query",
                pgscale: { label, how: "as above, from the process's start", settings, samples: fromProcess.pgscale },
                baseline: { label: "same by hand", how: "as above, from the process's start", settings, samples: fromProcess.baseline } },
            { id: `snapshot-${k.id}`, title: `${title}: snapshot of a ${ROWS}-row database`, unit: "ms", measure: "snapshot() of the application database, until it returns",
                pgscale: { label: "db.snapshot()", how: "db.snapshot(\"rows10k\"), in-process: the template and the first restore's copy", settings: { ...resetSettings, method: "two copies: the template and a ready copy" }, samples: snapshotMs.pgscale },
                baseline: { label: "CREATE DATABASE ... TEMPLATE", how: "by hand through pg: one CREATE DATABASE ... TEMPLATE of the work database", settings: { ...resetSettings, method: "one copy: the template" }, samples: snapshotMs.baseline } },
            { id: `reset-${k.id}`, title: `${title}: reset of a ${ROWS}-row snapshot`, unit: "ms", measure: `restore() after half the rows were deleted, until every replica replayed it`,
                pgscale: { label: "db.restore()", how: "db.restore(\"rows10k\") after db.snapshot(\"rows10k\"), in-process (renames the copy snapshot() made)", settings: resetMethod.pgscale, samples: reset.pgscale },
                baseline: { label: "DROP + CREATE DATABASE ... TEMPLATE", how: "by hand through pg on the same cluster: DROP DATABASE ... WITH (FORCE), CREATE DATABASE ... TEMPLATE of a snapshot database made the same way, wait for replay", settings: resetMethod.baseline, samples: reset.baseline },
                target: { on: "pgscaleMedian", max: 200 } },
            { id: `reset-next-${k.id}`, title: `${title}: the next test's reset, ${TEST_BODY_MS} ms later`, unit: "ms", measure: `restore() again after the rows were changed and ${TEST_BODY_MS} ms of a test's body, until every replica replayed it`,
                pgscale: { label: "db.restore()", how: "db.restore(\"rows10k\") after the first restore, a DELETE and a pause (the copy for it made meanwhile), in-process", settings: resetMethod.pgscale, samples: resetNext.pgscale },
                baseline: { label: "DROP + CREATE DATABASE ... TEMPLATE", how: "the same by hand again after a DELETE and the same pause", settings: resetMethod.baseline, samples: resetNext.baseline },
                target: { on: "pgscaleMedian", max: 200 } },
        ];
    } finally {
        await first.stop({ destroy: true }).catch((e: Error) => ctx.log(`${k.id}: destroy: ${e.message}`));
    }
}

export const testingReuse: Benchmark = {
    name: "testing-reuse",
    describe: "@pgscale/testing reuse: a second run's start to first query and the reset of a 10 000-row snapshot, against the same by hand on the same kept cluster",
    async run(ctx): Promise<BenchOutput> {
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-bench-testing-reuse-"));
        const only = ctx.options.kinds?.split(",");
        const rows: Row[] = [];
        try {
            // One kind at a time, its cluster alone on the engine: a developer keeps one per suite.
            for (const k of KINDS.filter((x) => !only || only.includes(x.id))) rows.push(...await side(ctx, k, stateDir));
        } finally {
            // Whatever an error left kept in this run's state directory, and nothing else.
            await prune({ stateDir, reuse: "idle", onlyStateDir: true }).catch((e: Error) => ctx.log(`prune: ${e.message}`));
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
        return {
            rows,
            notes: [
                "Targets are absolute bounds on the pgscale side's median: ≤ 1 s from a second run's call to its first query, ≤ 200 ms for the reset; the baselines show what the same steps cost by hand, they do not enter the verdicts.",
                "Each kind's cluster is created once by an untimed first run and kept; the rounds alternate pgscale and the hand steps on it. The hand steps skip pgscale's health check and lease.",
            ],
        };
    },
};
