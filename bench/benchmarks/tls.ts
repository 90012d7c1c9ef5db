// tls: what requiring TLS costs. `pgbench -S` (select-only, 40 clients) through the PgBouncerPool
// of bench/ha/fixture on a stack at its defaults (TLS required: client to PgBouncer, PgBouncer to
// HAProxy to the member, verify-full) against the same pgbench on a stack with `tls.enabled: false`,
// both up at once and alternating round by round; also each stack's `pulumi up` time.
import { alternate } from "../harness/rounds";
import { docker } from "../harness/probe";
import { newStack, pulumi, removeStack, timedPulumi } from "../harness/pulumi";
import { DEFAULT_WORK, FIXTURE, stackReady } from "./ha-up";
import { pgbench } from "./ha-pool";
import type { Benchmark, BenchOutput } from "./registry";

export const tls: Benchmark = {
    name: "tls",
    describe: "pgbench through PgBouncer with TLS required (the default) against the same stack without TLS, and pulumi up with and without",
    async run(ctx): Promise<BenchOutput> {
        const work = DEFAULT_WORK();
        const config = (tlsOn: boolean) => ({ nodes: work.nodes, ttl: work.ttl, loopWait: work.loopWait, retryTimeout: work.retryTimeout, pooler: true, parameters: work.parameters, tls: tlsOn });
        const stacks = { on: newStack(FIXTURE, config(true)), off: newStack(FIXTURE, config(false)) };
        try {
            // One after the other: two clusters starting at once on a small machine would time each other.
            const upSeconds: Record<string, number> = {};
            const out: Record<string, { poolerUri: string }> = {};
            for (const side of ["on", "off"] as const) {
                const t0 = Date.now();
                upSeconds[side] = timedPulumi(FIXTURE, stacks[side], "up", "--yes", "--skip-preview", "--suppress-progress");
                await stackReady(`pgscale-bench-ha-${stacks[side]}`, work.nodes - 1, t0, side === "on");
                out[side] = JSON.parse(pulumi(FIXTURE, stacks[side], "stack", "output", "--json", "--show-secrets"));
                if ((new URL(out[side].poolerUri).searchParams.get("sslmode") === "require") !== (side === "on")) throw new Error(`stack ${stacks[side]}: poolerUri does not match tls ${side}`);
                pgbench(out[side].poolerUri, ["-i", "-s", "10", "-q"]);
            }
            const run = ["-S", "-n", "-c", "40", "-j", "2", "-T", "15"];
            // One run on each first, not recorded: a cold cache would count against whichever side goes first.
            pgbench(out.on.poolerUri, run);
            pgbench(out.off.poolerUri, run);
            const samples = await alternate(ctx.rounds, {
                pgscale: async () => pgbench(out.on.poolerUri, run),
                baseline: async () => pgbench(out.off.poolerUri, run),
            }, (m) => ctx.log(`pgbench ${m}`));
            const settings = { pgbench: run.join(" "), scale: 10, cluster: `${work.nodes} nodes, defaults, through PgBouncerPool (defaultPoolSize 20)`, image: docker("inspect", "-f", "{{.Image}}", `pgscale-bench-ha-${stacks.on}-pg-0`) };
            return {
                rows: [{
                    id: "pgbench-select-40-tls", title: "pgbench -S, 40 clients, 15 s, through poolerUri: TLS required vs off", unit: "tps", measure: "transactions per second reported by pgbench",
                    pgscale: { label: "TLS required", how: "the defaults: client to PgBouncer sslmode=require, PgBouncer to HAProxy to the member verify-full", settings, samples: samples.pgscale },
                    baseline: { label: "TLS off", how: "the same fixture with tls.enabled false", settings, samples: samples.baseline },
                    target: { on: "ratioOfMedians", min: 0.85 },
                }],
                notes: [`pulumi up, one sample each (s): TLS required ${upSeconds.on.toFixed(1)}, TLS off ${upSeconds.off.toFixed(1)}.`],
            };
        } finally {
            removeStack(FIXTURE, stacks.on);
            removeStack(FIXTURE, stacks.off);
        }
    },
};
