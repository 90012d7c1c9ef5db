// Reuse of test clusters (@pgscale/testing `reuse: true`): the two figures a suite feels.
//   source scripts/env.sh && npx tsc -b tsconfig.build.json && NODE_ENV=test npx ts-node -P tsconfig.test.json --transpile-only bench/testing-reuse.ts [--rounds N] [--sides a,b]
// For each side (startCluster 3 nodes durable / fast, startPostgres durable / fast):
//   - createMs: the first run, which creates the cluster and keeps it (reuse: true);
//   - reuseToFirstQueryMs: a second run, as a new node process each round: from the
//     startCluster({ reuse: true }) call until the first query through primaryUri answered
//     (health check, lease, reset of its database to the clean template included);
//     processToFirstQueryMs: the same from the process's start (node + require of @pgscale/testing);
//   - resetMs: restore() of a snapshot of a 10 000-row table after the rows were changed (for a
//     cluster: until every replica has replayed it), in-process, on the same kept cluster.
// One side at a time (see main). Clusters live in a state directory of this run's and are
// destroyed after their side. JSON on stdout (shape: see `Output`), progress on stderr. Needs the build
// (the child processes load packages/testing/dist, as an application would).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { startCluster, startPostgres, TestDatabase } from "@pgscale/testing";

const ROOT = path.resolve(__dirname, "..");
const DIST = path.join(ROOT, "packages/testing/dist");
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Number(arg("--rounds") ?? 5) || 5;
const log = (...a: unknown[]) => console.error("[bench/testing-reuse]", ...a);

interface Side {
    name: string;
    kind: "cluster" | "postgres";
    opts: Record<string, unknown>;
}
const SIDES: Side[] = [
    { name: "cluster-durable", kind: "cluster", opts: { nodes: 3 } },
    { name: "cluster-fast", kind: "cluster", opts: { nodes: 3, profile: "fast" } },
    { name: "postgres-durable", kind: "postgres", opts: {} },
    { name: "postgres-fast", kind: "postgres", opts: { profile: "fast" } },
];

interface Stats {
    values: number[];
    median: number;
    min: number;
    max: number;
}
interface Output {
    benchmark: "testing-reuse";
    command: string;
    startedAt: string;
    machine: { cores: number; cpu: string; memGiB: number; docker: string; node: string; loadBefore: number[]; loadAfter: number[] };
    rounds: number;
    targets: { reuseToFirstQueryMs: number; resetMs: number };
    sides: Array<{
        side: string;
        call: string;
        createMs: number;
        reuseToFirstQueryMs: Stats;
        processToFirstQueryMs: Stats;
        resetMs: Stats;
    }>;
}

const stats = (values: number[]): Stats => {
    const s = [...values].sort((a, b) => a - b);
    const median = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    return { values, median, min: s[0], max: s[s.length - 1] };
};

// A second "test run": a fresh node process, as jest or an application would start it.
const CHILD = `
const tProcess0 = performance.timeOrigin;
const t = require(process.env.BENCH_DIST);
const { Client } = require(process.env.BENCH_PG);
(async () => {
    const { kind, ...opts } = JSON.parse(process.argv[1]);
    const t0 = Date.now();
    const db = kind === "postgres" ? await t.startPostgres(opts) : await t.startCluster(opts);
    const c = new Client({ connectionString: db.primaryUri });
    await c.connect();
    await c.query("SELECT 1");
    const t1 = Date.now();
    await c.end();
    process.stdout.write(JSON.stringify({ reused: db.reused, stack: db.stackName, callMs: t1 - t0, processMs: t1 - tProcess0 }) + "\\n");
    await db.stop();
})().catch((e) => { console.error(e); process.exit(1); });`;

function secondRun(side: Side, stateDir: string): { reused: boolean; stack: string; callMs: number; processMs: number } {
    const out = execFileSync(process.execPath, ["-e", CHILD, JSON.stringify({ kind: side.kind, ...side.opts, reuse: true, stateDir, silent: true })], {
        encoding: "utf8",
        env: { ...process.env, NODE_ENV: "test", BENCH_DIST: DIST, BENCH_PG: require.resolve("pg") },
        stdio: ["ignore", "pipe", "inherit"],
    });
    return JSON.parse(out.trim().split("\n").pop()!);
}

async function sql(uri: string, text: string): Promise<void> {
    const c = new Client({ connectionString: uri });
    await c.connect();
    try {
        await c.query(text);
    } finally {
        await c.end();
    }
}

async function main(): Promise<void> {
    const only = arg("--sides")?.split(",");
    const sides = only ? SIDES.filter((s) => only.includes(s.name)) : SIDES;
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-testing-reuse-bench-"));
    const cpus = os.cpus();
    const out: Output = {
        benchmark: "testing-reuse",
        command: `bench/testing-reuse.ts ${args.join(" ")}`.trim(),
        startedAt: new Date().toISOString(),
        machine: {
            cores: cpus.length, cpu: cpus[0].model, memGiB: Math.round(os.totalmem() / 2 ** 30),
            docker: execFileSync("docker", ["version", "-f", "{{.Server.Version}}"], { encoding: "utf8" }).trim(),
            node: process.version, loadBefore: os.loadavg(), loadAfter: [],
        },
        rounds,
        targets: { reuseToFirstQueryMs: 1000, resetMs: 200 },
        sides: [],
    };
    const samples = new Map(sides.map((s) => [s.name, { call: [] as number[], process: [] as number[], reset: [] as number[], createMs: 0 }]));
    // One side at a time, its cluster alone on the engine: a developer keeps one cluster per suite,
    // and the other sides' idle clusters (Patroni loops every second on each member) would only add
    // load to a 2-core machine. The targets are absolute, so no side is compared with another.
    for (const side of sides) {
        const s = samples.get(side.name)!;
        const opts = { ...side.opts, reuse: true, stateDir, silent: true };
        const start = () => (side.kind === "cluster" ? startCluster(opts) : startPostgres(opts));
        // First run: creates the cluster and keeps it.
        const t0 = Date.now();
        const first: TestDatabase = await start();
        s.createMs = Date.now() - t0;
        log(`${side.name}: created ${first.stackName} in ${s.createMs} ms`);
        await first.stop(); // detach: the second runs take it
        try {
            for (let round = 0; round < rounds; round++) {
                const r = secondRun(side, stateDir);
                if (!r.reused || r.stack !== first.stackName) throw new Error(`${side.name}: round ${round} did not reuse ${first.stackName} (got ${r.stack})`);
                s.call.push(r.callMs);
                s.process.push(Math.round(r.processMs));

                // restore() of a 10 000-row snapshot, on the same cluster, from this process.
                const db = await start();
                await sql(db.primaryUri, "CREATE TABLE rows10k AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 10000) g");
                await db.snapshot("rows10k");
                await sql(db.primaryUri, "DELETE FROM rows10k WHERE id % 2 = 0");
                const t1 = Date.now();
                await db.restore("rows10k");
                s.reset.push(Date.now() - t1);
                await db.stop();
                log(`${side.name} round ${round + 1}: reuse to first query ${r.callMs} ms (${Math.round(r.processMs)} ms from process start), restore ${s.reset.at(-1)} ms`);
            }
        } finally {
            await first.stop({ destroy: true }).catch((e: Error) => log(`destroy: ${e.message}`));
        }
    }
    fs.rmSync(stateDir, { recursive: true, force: true });
    out.machine.loadAfter = os.loadavg();
    for (const side of sides) {
        const s = samples.get(side.name)!;
        out.sides.push({
            side: side.name,
            call: `${side.kind === "cluster" ? "startCluster" : "startPostgres"}(${JSON.stringify({ ...side.opts, reuse: true })})`,
            createMs: s.createMs,
            reuseToFirstQueryMs: stats(s.call),
            processToFirstQueryMs: stats(s.process),
            resetMs: stats(s.reset),
        });
    }
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
