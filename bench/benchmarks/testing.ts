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
import { InlineFloor, inlineFloor } from "./inline-floor";
import type { BenchContext, Benchmark, BenchOutput } from "./registry";

const FIRST_QUERY = "from the call (or the script's start) to the first successful query: for HA rows a write through HAProxy with every replica streaming, polled every 100 ms";

async function firstQuery(uri: string, t0: number, limitS = 300): Promise<number> {
    while (Date.now() - t0 < limitS * 1000) {
        if (await tryQuery(uri, "SELECT 1")) return (Date.now() - t0) / 1000;
        await sleep(100);
    }
    throw new Error("no successful query in time");
}

/**
 * startPostgres() / startCluster() against baseline scripts, alternating; `work` is given to every
 * side. startCluster(): the same HA topology by hand. startPostgres(): two baselines in the same
 * rounds, two rows sharing its samples: plain PostgreSQL (`docker run`, what a Testcontainers user
 * gets: less work) and the same one-node Patroni by hand (up.sh with FRONTEND=none: like for like).
 */
async function rows(ctx: BenchContext, id: string, title: string, work: HaWork, fast: boolean, stateDir: string, floor?: InlineFloor): Promise<Row[]> {
    const single = work.nodes === 1;
    const observed: Record<string, Record<string, unknown>[]> = { pgscale: [], baseline: [], byHand: [] };
    const opts = { stateDir, silent: true, ...(fast ? { profile: "fast" as const, allowUnsafeDurability: true } : {}) };
    const down = (prefix: string) => execFileSync(script("down.sh"), [prefix]);
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
                down(prefix);
            }
        },
        ...(single ? {
            byHand: async (r: number) => {
                const prefix = `bench-th-${process.pid}-${id}-${r}`;
                try {
                    return await handCluster(prefix, work, Date.now(), observed.byHand, { FRONTEND: "none" });
                } finally {
                    down(prefix);
                }
            },
        } : {}),
        // Pulumi's floor in the same rounds, when this row is the one it is subtracted from.
        ...(floor ? floor.sides : {}),
    }, (m) => ctx.log(`${id} ${m}`));
    const floorRow = floor ? [floor.row({ floor: samples.floor, floorRun: samples.floorRun })] : [];
    const call = `${single ? "startPostgres" : `startCluster({ nodes: ${work.nodes}`}${fast ? (single ? '({ profile: "fast" })' : ', profile: "fast" })') : single ? "()" : " })"}`;
    const pgscale = {
        label: call, how: `${call}: a stack through the Automation API (etcd, Patroni${single ? "" : ", HAProxy"}), then a query`, settings: { ...work },
        observed: observed.pgscale, samples: samples.pgscale,
    };
    if (!single) {
        return [{
            id, title, unit: "s", measure: FIRST_QUERY, pgscale,
            baseline: { label: "docker run by hand", how: "bench/baseline/up.sh at the same timings and parameters", settings: { ...work }, observed: observed.baseline, samples: samples.baseline },
            target: { on: "ratioOfMedians", max: 1.5 },
        }, ...floorRow];
    }
    return [
        {
            id, title, unit: "s", measure: FIRST_QUERY, pgscale,
            baseline: {
                label: "docker run postgres",
                how: "bench/baseline/postgres.sh: docker run of the same image as plain PostgreSQL (initdb, postgres; no etcd, no Patroni)",
                // What a Testcontainers user gets: no control plane to lock, PostgreSQL without TLS.
                settings: { ...work, controlPlane: "none", postgresTls: false },
                samples: samples.baseline,
            },
        },
        {
            id: `${id}-by-hand`, title: `${title}, against the same one-node Patroni by hand`, unit: "s", measure: FIRST_QUERY, pgscale,
            baseline: {
                label: "one-node Patroni by hand",
                how: "bench/baseline/up.sh with one node and FRONTEND=none (its port published, no HAProxy) at the same timings and parameters: etcd with TLS and authentication, Patroni's REST API over HTTPS, PostgreSQL requiring TLS",
                settings: { ...work }, observed: observed.byHand, samples: samples.byHand,
            },
        },
        ...floorRow,
    ];
}

export const testing: Benchmark = {
    name: "testing",
    describe: "@pgscale/testing cold start to first query against docker run baselines and Pulumi's floor",
    async run(ctx): Promise<BenchOutput> {
        const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-bench-testing-"));
        const test = { ttl: TEST_TIMINGS.ttl, loopWait: TEST_TIMINGS.loopWait, retryTimeout: TEST_TIMINGS.retryTimeout, check: { ...TEST_HAPROXY_CHECK } };
        const floor = await inlineFloor();
        try {
            const all = [
                // The floor's rounds run beside this row's: startPostgres() beyond the floor is their difference.
                ...await rows(ctx, "postgres", "startPostgres(), durable", haWork({ ...test, nodes: 1, parameters: { ...TEST_PARAMETERS }, dataOnTmpfs: false }), false, stateDir, floor),
                ...await rows(ctx, "postgres-fast", "startPostgres() with profile \"fast\" (fsync off, data on tmpfs)",
                    haWork({ ...test, nodes: 1, parameters: { ...TEST_PARAMETERS, ...FAST_PARAMETERS }, dataOnTmpfs: true }, false), true, stateDir),
                ...await rows(ctx, "cluster", "startCluster({ nodes: 3 }), durable", haWork({ ...test, nodes: 3, parameters: { ...TEST_PARAMETERS }, dataOnTmpfs: false }), false, stateDir),
            ];
            return {
                rows: all,
                beyondFloor: [
                    // Against the same one-node Patroni by hand: what pgscale adds beyond Pulumi, like for like.
                    { id: "postgres-beyond-floor", title: "startPostgres() beyond Pulumi's floor", row: "postgres-by-hand", floor: "floor-inline", maxS: 1 },
                    { id: "cluster-beyond-floor", title: "startCluster({ nodes: 3 }) beyond Pulumi's floor", row: "cluster", floor: "floor-inline" },
                ],
                notes: [
                    "Single-node rows: startPostgres() is timed once per round against two baselines in the same rounds: one plain PostgreSQL (docker run; startPostgres() also runs an etcd member, Patroni and TLS, which is part of what it costs), and the same one-node Patroni by hand (like for like).",
                    "Cold: every round starts a new cluster; images are built beforehand and shared by both sides.",
                    "Pulumi's floor runs in the rounds of the durable startPostgres() row (every round runs startPostgres(), both its baselines and both sides of the floor, in rotating order), so the figure beyond the floor is taken from samples of the same minutes; startCluster() is measured later in the run.",
                ],
            };
        } finally {
            floor.close();
            fs.rmSync(stateDir, { recursive: true, force: true });
        }
    },
};
