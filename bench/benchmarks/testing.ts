// testing: what a test suite waits for, cold (no cluster left from an earlier run), from the call
// to its first successful query. startPostgres() against `docker run` of the same image as plain
// PostgreSQL (bench/baseline/postgres.sh: what a Testcontainers user gets), startCluster() against
// the same HA topology by hand at the same timings (bench/baseline/up.sh), the fast profile as its
// own row against a baseline with the same settings, and Pulumi's own floor on the Automation API
// path @pgscale/testing uses, measured in the same run.
// Reuse (a second run's start and the reset of a snapshot) is testing-reuse.ts.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { sleep } from "@pgscale/core";
import { startCluster, startPostgres, FAST_PARAMETERS } from "@pgscale/testing";
import { TEST_HAPROXY_CHECK, TEST_PARAMETERS, TEST_TIMINGS } from "../../packages/testing/src/options";
import { alternate } from "../harness/rounds";
import { observePatroni, tryQuery } from "../harness/probe";
import type { Row } from "../harness/types";
import { handCluster, haWork, HaWork, paramList, pgUid, script } from "./ha-work";
import { inlineFloorRow } from "./inline-floor";
import type { BenchContext, Benchmark, BenchOutput } from "./registry";

const FIRST_QUERY = "from the call (or the script's start) to the first successful query: for HA rows a write through HAProxy with every replica streaming, polled every 100 ms";

async function firstQuery(uri: string, t0: number, limitS = 300): Promise<number> {
    while (Date.now() - t0 < limitS * 1000) {
        if (await tryQuery(uri, "SELECT 1")) return (Date.now() - t0) / 1000;
        await sleep(100);
    }
    throw new Error("no successful query in time");
}

/** startPostgres() / startCluster() against a baseline script, alternating; `work` is given to both. */
async function row(ctx: BenchContext, id: string, title: string, work: HaWork, fast: boolean, stateDir: string): Promise<Row> {
    const single = work.nodes === 1;
    const observed: Record<string, Record<string, unknown>[]> = { pgscale: [], baseline: [] };
    const opts = { stateDir, silent: true, ...(fast ? { profile: "fast" as const, allowUnsafeDurability: true } : {}) };
    const samples = await alternate(ctx.rounds, {
        pgscale: async () => {
            const t0 = Date.now();
            const db = await (single ? startPostgres(opts) : startCluster({ ...opts, nodes: work.nodes }));
            try {
                const s = await firstQuery(db.primaryUri, t0);
                observed.pgscale.push(observePatroni(db.info.members[0].container));
                return s;
            } finally {
                await db.destroy();
            }
        },
        baseline: async (r) => {
            const prefix = `bench-t-${process.pid}-${id}-${r}`;
            try {
                const t0 = Date.now();
                if (single) {
                    const env = { ...process.env, PARAMS: paramList(work.parameters), DATA_TMPFS: work.dataOnTmpfs ? "1" : "0", PG_UID: pgUid() };
                    const port = execFileSync(script("postgres.sh"), [prefix], { encoding: "utf8", env }).trim();
                    return await firstQuery(`postgresql://postgres:baseline-password@127.0.0.1:${port}/postgres`, t0);
                }
                return await handCluster(prefix, work, t0, observed.baseline);
            } finally {
                execFileSync(script("down.sh"), [prefix]);
            }
        },
    }, (m) => ctx.log(`${id} ${m}`));
    const call = `${single ? "startPostgres" : `startCluster({ nodes: ${work.nodes}`}${fast ? (single ? '({ profile: "fast" })' : ', profile: "fast" })') : single ? "()" : " })"}`;
    return {
        id, title, unit: "s", measure: FIRST_QUERY,
        pgscale: { label: call, how: `${call}: a stack through the Automation API (etcd, Patroni${single ? "" : ", HAProxy"}), then a query`, settings: { ...work },
            observed: observed.pgscale, samples: samples.pgscale },
        baseline: single
            ? {
                  label: "docker run postgres",
                  how: "bench/baseline/postgres.sh: docker run of the same image as plain PostgreSQL (initdb, postgres; no etcd, no Patroni)",
                  // What a Testcontainers user gets: no control plane to lock, PostgreSQL without TLS.
                  settings: { ...work, controlPlane: "none", postgresTls: false },
                  samples: samples.baseline,
              }
            : { label: "docker run by hand", how: "bench/baseline/up.sh at the same timings and parameters", settings: { ...work }, observed: observed.baseline, samples: samples.baseline },
        target: single ? undefined : { on: "ratioOfMedians", max: 1.5 },
    };
}

export const testing: Benchmark = {
    name: "testing",
    describe: "@pgscale/testing cold start to first query against docker run baselines and Pulumi's floor",
    async run(ctx): Promise<BenchOutput> {
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-bench-testing-"));
        const test = { ttl: TEST_TIMINGS.ttl, loopWait: TEST_TIMINGS.loopWait, retryTimeout: TEST_TIMINGS.retryTimeout, check: { ...TEST_HAPROXY_CHECK } };
        try {
            const rows = [
                await row(ctx, "postgres", "startPostgres(), durable", haWork({ ...test, nodes: 1, parameters: { ...TEST_PARAMETERS }, dataOnTmpfs: false }), false, stateDir),
                await row(ctx, "postgres-fast", "startPostgres() with profile \"fast\" (fsync off, data on tmpfs)",
                    haWork({ ...test, nodes: 1, parameters: { ...TEST_PARAMETERS, ...FAST_PARAMETERS }, dataOnTmpfs: true }, false), true, stateDir),
                await row(ctx, "cluster", "startCluster({ nodes: 3 }), durable", haWork({ ...test, nodes: 3, parameters: { ...TEST_PARAMETERS }, dataOnTmpfs: false }), false, stateDir),
                await inlineFloorRow(ctx),
            ];
            return {
                rows,
                beyondFloor: [
                    { id: "postgres-beyond-floor", title: "startPostgres() beyond Pulumi's floor", row: "postgres", floor: "floor-inline", maxS: 1 },
                    { id: "cluster-beyond-floor", title: "startCluster({ nodes: 3 }) beyond Pulumi's floor", row: "cluster", floor: "floor-inline" },
                ],
                notes: [
                    "Single-node rows: the baseline is one plain PostgreSQL; startPostgres() also runs an etcd member and Patroni, which is part of what it costs.",
                    "Cold: every round starts a new cluster; images are built beforehand and shared by both sides.",
                ],
            };
        } finally {
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    },
};
