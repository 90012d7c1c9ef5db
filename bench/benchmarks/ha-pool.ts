// ha-pool: PgBouncer's cost in throughput. `pgbench -S` (select-only, 40 clients) through the
// PgBouncerPool of bench/ha/fixture against the same pgbench straight through HAProxy to the same
// primary, alternating; then many concurrent clients through the pooler and directly.
import { spawnSync } from "child_process";
import { Client } from "pg";
import { libpqCompatible } from "@pgscale/core";
import { alternate } from "../harness/rounds";
import { docker } from "../harness/probe";
import { newStack, pulumi, removeStack } from "../harness/pulumi";
import { DEFAULT_WORK, FIXTURE, stackReady } from "./ha-up";
import type { Benchmark, BenchOutput } from "./registry";

/** One pgbench run against `uri`: the transactions per second it reports. */
export function pgbench(uri: string, extra: string[]): number {
    const r = spawnSync("pgbench", [...extra, uri], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
    return Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1] ?? NaN);
}

async function manyClients(uri: string, n: number): Promise<{ ok: number; errors: Record<string, number> }> {
    const errors: Record<string, number> = {};
    let ok = 0;
    await Promise.all(Array.from({ length: n }, async () => {
        const c = new Client({ connectionString: libpqCompatible(uri), connectionTimeoutMillis: 60_000 });
        c.on("error", () => undefined);
        try {
            await c.connect();
            await c.query("SELECT pg_sleep(1)");
            ok++;
        } catch (e: any) {
            errors[e.code ?? e.message] = (errors[e.code ?? e.message] ?? 0) + 1;
        } finally {
            await c.end().catch(() => undefined);
        }
    }));
    return { ok, errors };
}

export const haPool: Benchmark = {
    name: "ha-pool",
    describe: "pgbench through PgBouncer against straight through HAProxy, and many concurrent clients",
    async run(ctx): Promise<BenchOutput> {
        const work = DEFAULT_WORK();
        const stack = newStack(FIXTURE, { nodes: work.nodes, ttl: work.ttl, loopWait: work.loopWait, retryTimeout: work.retryTimeout, pooler: true, parameters: work.parameters });
        try {
            pulumi(FIXTURE, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
            await stackReady(`pgscale-bench-ha-${stack}`, work.nodes - 1, Date.now());
            const o = JSON.parse(pulumi(FIXTURE, stack, "stack", "output", "--json", "--show-secrets"));
            pgbench(o.primaryUri, ["-i", "-s", "10", "-q"]);
            const run = ["-S", "-n", "-c", "40", "-j", "2", "-T", "15"];
            const samples = await alternate(ctx.rounds, { pgscale: async () => pgbench(o.poolerUri, run), baseline: async () => pgbench(o.primaryUri, run) }, (m) => ctx.log(`pgbench ${m}`));
            const settings = { pgbench: run.join(" "), scale: 10, cluster: "the same stack: 3 nodes, defaults", image: docker("inspect", "-f", "{{.Image}}", `pgscale-bench-ha-${stack}-pg-0`) };
            const through = await manyClients(o.poolerUri, 1000);
            const beyond = await manyClients(o.primaryUri, 260); // max_connections is 200
            return {
                rows: [{
                    id: "pgbench-select-40", title: "pgbench -S, 40 clients, 15 s", unit: "tps", measure: "transactions per second reported by pgbench",
                    pgscale: { label: "through PgBouncer", how: "PgBouncerPool (transaction mode, default_pool_size 20) in front of HAProxy", settings, samples: samples.pgscale },
                    baseline: { label: "through HAProxy", how: "HAProxyFrontend's primary port directly", settings, samples: samples.baseline },
                    target: { on: "ratioOfMedians", min: 0.8 },
                }],
                notes: [
                    `1000 concurrent clients through PgBouncer (pg_sleep(1) each): ${through.ok} ok, errors ${JSON.stringify(through.errors)}.`,
                    `260 concurrent clients straight to PostgreSQL (max_connections 200): ${beyond.ok} ok, errors by SQLSTATE ${JSON.stringify(beyond.errors)}.`,
                ],
            };
        } finally {
            removeStack(FIXTURE, stack);
        }
    },
};
