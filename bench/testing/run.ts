// @pgscale/testing benchmarks (issue 8); method and figures in docs/testing.md ("Benchmarks").
//   source scripts/env.sh && npx tsc -b packages/testing && npx ts-node -P tsconfig.test.json --transpile-only bench/testing/run.ts [--rounds N] [--cold]
// In one run, alternating the sides each round (the machine is shared, so only same-run ratios mean anything):
//   - startCluster({ nodes: 3 }) until it resolves (primary writable, replicas streaming), warm images,
//     against bench/baseline/up.sh (the same topology with plain `docker run`) until the same state;
//     the same for profile "fast" and for startPostgres();
//   - destroy() time against bench/baseline/down.sh;
//   - memory at rest: sum of the containers' memory (`docker stats --no-stream`) 15 s after ready;
//   - snapshot/restore time of a small database, durable and fast;
//   - with --cold: the images built from scratch (`docker build --no-cache`, packages from the Debian
//     archive), the part of a cold start that comes before either side can run a container. Both sides
//     use the same images, so a cold start is this build plus the warm figure.
// JSON on stdout, a table on stderr.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Client } from "pg";
import { TestDatabase, startCluster, startPostgres } from "@pgscale/testing";
import { sleep } from "@pgscale/core";

const ROOT = path.resolve(__dirname, "../..");
const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf("--rounds") + 1] || 3) || 3;
const cold = args.includes("--cold");
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-testing-bench-"));
const log = (...a: unknown[]) => console.error("[bench/testing]", ...a);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

function machine(): string {
    const cpus = os.cpus();
    const dockerVersion = execFileSync("docker", ["version", "-f", "{{.Server.Version}}"], { encoding: "utf8" }).trim();
    return `${cpus.length} x ${cpus[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Docker ${dockerVersion}, load ${os.loadavg().map(r1).join("/")}`;
}

async function once<T>(uri: string, sql: string): Promise<T[]> {
    const c = new Client({ connectionString: uri, connectionTimeoutMillis: 1000 });
    c.on("error", () => undefined);
    await c.connect();
    try {
        return (await c.query(sql)).rows as T[];
    } finally {
        await c.end().catch(() => undefined);
    }
}

/** The baseline's readiness, polled every 100 ms: a write through HAProxy and every replica streaming. */
async function baselineReady(uri: string, replicas: number): Promise<void> {
    for (;;) {
        try {
            const [row] = await once<{ n: number }>(uri, "SELECT txid_current(), (SELECT count(*)::int FROM pg_stat_replication WHERE state = 'streaming') AS n");
            if (row.n >= replicas) return;
        } catch {
            // not up yet
        }
        await sleep(100);
    }
}

/** Sum of the memory `docker stats` reports for the containers carrying `label`, in MiB. */
function memoryMiB(label: string): number {
    const ids = execFileSync("docker", ["ps", "-q", "--filter", `label=${label}`], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    const out = execFileSync("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", ...ids], { encoding: "utf8" });
    const unit: Record<string, number> = { B: 1 / 2 ** 20, KiB: 1 / 1024, kB: 1 / 1024, MiB: 1, MB: 1, GiB: 1024, GB: 1024 };
    return out.trim().split("\n").reduce((sum, line) => {
        const m = /^([\d.]+)\s*([A-Za-z]+)/.exec(line.split("/")[0].trim());
        return sum + (m ? Number(m[1]) * (unit[m[2]] ?? NaN) : NaN);
    }, 0);
}

interface Sample {
    upS: number;
    destroyS: number;
    memMiB: number;
}

async function baseline(round: number): Promise<Sample> {
    const prefix = `pgtbench${process.pid}r${round}`;
    const t0 = Date.now();
    try {
        const port = execFileSync(path.join(ROOT, "bench/baseline/up.sh"), [prefix, "3"], { encoding: "utf8" }).trim();
        await baselineReady(`postgresql://postgres:baseline-password@127.0.0.1:${port}/postgres`, 2);
        const upS = (Date.now() - t0) / 1000;
        await sleep(15_000);
        const memMiB = memoryMiB(`pgscale.bench=${prefix}`);
        const t1 = Date.now();
        execFileSync(path.join(ROOT, "bench/baseline/down.sh"), [prefix]);
        return { upS, destroyS: (Date.now() - t1) / 1000, memMiB };
    } finally {
        execFileSync(path.join(ROOT, "bench/baseline/down.sh"), [prefix]);
    }
}

async function ours(start: () => Promise<TestDatabase>): Promise<Sample> {
    const t0 = Date.now();
    const db = await start();
    try {
        const upS = (Date.now() - t0) / 1000;
        await sleep(15_000);
        const memMiB = memoryMiB(`pgscale.stack=${db.stackName}`);
        const t1 = Date.now();
        await db.destroy();
        return { upS, destroyS: (Date.now() - t1) / 1000, memMiB };
    } finally {
        await db.destroy();
    }
}

/** Median ms of `n` restores of a database holding 10 000 rows (and of the snapshot before them). */
async function snapshotTimes(db: TestDatabase, n = 10): Promise<{ snapshotMs: number; restoreMs: number }> {
    await once(db.primaryUri, "CREATE TABLE items AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 10000) g");
    const snaps: number[] = [];
    const restores: number[] = [];
    for (let i = 0; i < n; i++) {
        let t = Date.now();
        await db.snapshot("bench");
        snaps.push(Date.now() - t);
        await once(db.primaryUri, "DELETE FROM items WHERE id % 2 = 0");
        t = Date.now();
        await db.restore("bench");
        restores.push(Date.now() - t);
    }
    return { snapshotMs: median(snaps), restoreMs: median(restores) };
}

/** Seconds to build each default image with no cache, under a throwaway tag removed afterwards. */
function coldBuilds(): Record<string, number> {
    const dir = path.join(ROOT, "packages/docker/images");
    const times: Record<string, number> = {};
    for (const image of ["etcd", "patroni", "haproxy", "pgbouncer"]) {
        const tag = `pgscale-bench-cold/${image}:${process.pid}`;
        const t0 = Date.now();
        execFileSync("docker", ["build", "--no-cache", "-q", "-t", tag, path.join(dir, image)], { stdio: ["ignore", "ignore", "inherit"] });
        times[image] = r1((Date.now() - t0) / 1000);
        execFileSync("docker", ["rmi", tag], { stdio: "ignore" });
        log(`cold build of ${image}: ${times[image]} s`);
    }
    return times;
}

async function main(): Promise<void> {
    for (const image of ["etcd", "patroni", "haproxy"]) {
        execFileSync("docker", ["image", "inspect", `pgscale/${image}:${fs.readFileSync(path.join(ROOT, "packages/docker/images/VERSION"), "utf8").trim()}`], { stdio: "ignore" });
    }
    const common = { stateDir, silent: true } as const;
    const sides: Record<string, (round: number) => Promise<Sample>> = {
        baseline,
        cluster: () => ours(() => startCluster({ ...common, nodes: 3 })),
        clusterFast: () => ours(() => startCluster({ ...common, nodes: 3, profile: "fast", allowUnsafeDurability: true })),
        postgres: () => ours(() => startPostgres(common)),
        postgresFast: () => ours(() => startPostgres({ ...common, profile: "fast", allowUnsafeDurability: true })),
    };
    const names = Object.keys(sides);
    const samples: Record<string, Sample[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
        // Rotate the order so no side always runs first (or right after the heaviest one).
        const order = names.map((_, i) => names[(i + round) % names.length]);
        for (const name of order) {
            const s = await sides[name](round);
            samples[name].push(s);
            log(`round ${round + 1} ${name}: up ${r1(s.upS)} s, destroy ${r1(s.destroyS)} s, memory ${Math.round(s.memMiB)} MiB`);
        }
    }
    const snapshots: Record<string, { snapshotMs: number; restoreMs: number }> = {};
    for (const [name, start] of [
        ["cluster (3 nodes, durable)", () => startCluster({ ...common, nodes: 3 })],
        ["cluster (3 nodes, fast)", () => startCluster({ ...common, nodes: 3, profile: "fast", allowUnsafeDurability: true })],
        ["postgres (fast)", () => startPostgres({ ...common, profile: "fast", allowUnsafeDurability: true })],
    ] as const) {
        const db = await start();
        try {
            snapshots[name] = await snapshotTimes(db);
        } finally {
            await db.destroy();
        }
        log(`${name}: snapshot ${snapshots[name].snapshotMs} ms, restore ${snapshots[name].restoreMs} ms (medians of 10)`);
    }

    const med = (name: string, k: keyof Sample) => median(samples[name].map((s) => s[k]));
    const summary = Object.fromEntries(names.map((n) => [n, {
        upS: samples[n].map((s) => r1(s.upS)), destroyS: samples[n].map((s) => r1(s.destroyS)), memMiB: samples[n].map((s) => Math.round(s.memMiB)),
        medianUpS: r1(med(n, "upS")), medianDestroyS: r1(med(n, "destroyS")), medianMemMiB: Math.round(med(n, "memMiB")),
        upVsBaseline: r2(med(n, "upS") / med("baseline", "upS")),
    }]));
    const coldBuildS = cold ? coldBuilds() : undefined;
    const coldTotal = coldBuildS && Object.values(coldBuildS).reduce((a, b) => a + b, 0);
    const coldStart = coldTotal === undefined ? undefined : Object.fromEntries(names.map((n) => [n, r1(coldTotal + med(n, "upS"))]));
    process.stdout.write(JSON.stringify({ machine: machine(), rounds, statistic: "median of rounds", summary, snapshots, coldBuildS, coldStart }, null, 2) + "\n");
    log("side | up (s) | up / baseline | destroy (s) | memory at rest (MiB)");
    for (const n of names) log(`${n} | ${summary[n].upS.join(", ")} | ${summary[n].upVsBaseline} | ${summary[n].destroyS.join(", ")} | ${summary[n].memMiB.join(", ")}`);
    if (coldStart) log(`cold start (image builds ${r1(coldTotal!)} s + warm median): ${JSON.stringify(coldStart)}; ratio cluster/baseline ${r2(coldStart.cluster / coldStart.baseline)}`);
}

main().then(
    () => fs.rmSync(stateDir, { recursive: true, force: true }),
    (e) => {
        log(e instanceof Error ? e.stack : e);
        process.exitCode = 1;
    },
);
