// monitoring: what scraping costs a cluster. `pgbench -S` (select-only, 40 clients) against the
// primary of one 3-node stack with monitoring (postgres_exporter on every member, pgbouncer_exporter,
// a Prometheus scraping every 15 s, the defaults), alternating round by round between monitoring
// running and monitoring paused (`docker pause` of the exporters, Prometheus and its discovery
// proxy): the same cluster, data and settings, so the difference is the scrapes. Before that, the
// monitoring containers' CPU at rest (from their cgroups' CPU time) and memory (`docker stats`).
import { spawnSync } from "child_process";
import { alternate } from "../harness/rounds";
import { docker } from "../harness/probe";
import { newStack, pulumi, removeStack } from "../harness/pulumi";
import { DEFAULT_WORK, FIXTURE, stackReady } from "./ha-up";
import { pgbench } from "./ha-pool";
import type { Benchmark, BenchOutput } from "./registry";

/** The stack's monitoring containers: exporters, Prometheus and the discovery proxy. */
function monitoringContainers(prefix: string): string[] {
    return docker("ps", "-a", "--filter", `name=^${prefix}-`, "--format", "{{.Names}}").split("\n")
        .filter((n) => /-exporter$|-prom$|-prom-discovery$/.test(n)).sort();
}

function setPaused(containers: string[], paused: boolean): void {
    const state = (c: string) => docker("inspect", "-f", "{{.State.Paused}}", c) === "true";
    const change = containers.filter((c) => state(c) !== paused);
    if (change.length) docker(paused ? "pause" : "unpause", ...change);
}

/** CPU time a container has used, in seconds, from its cgroup (v1 cpuacct, else v2 cpu.stat). */
function cpuSeconds(container: string): number {
    const out = docker("exec", container, "sh", "-c", "cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || grep ^usage_usec /sys/fs/cgroup/cpu.stat");
    return out.startsWith("usage_usec") ? Number(out.split(" ")[1]) / 1e6 : Number(out) / 1e9;
}

/**
 * Each container's average CPU (% of one core) over `seconds` of rest, from the CPU time its cgroup
 * used (a scrape every 15 s is a short burst: instant reads would mostly see none), and the most
 * memory `docker stats` reported in reads spread over the same time.
 */
function atRest(containers: string[], seconds: number): Record<string, { cpuPercent: number; memoryMiB: number }> {
    const toMiB = (v: string) => {
        const m = /^([\d.]+)\s*([KMG]i?B|B)/.exec(v.trim())!;
        const f: Record<string, number> = { B: 1 / 1048576, KiB: 1 / 1024, KB: 1 / 1024, MiB: 1, MB: 1, GiB: 1024, GB: 1024 };
        return Number(m[1]) * f[m[2]];
    };
    const mem: Record<string, number> = Object.fromEntries(containers.map((c) => [c, 0]));
    const cpu0 = Object.fromEntries(containers.map((c) => [c, cpuSeconds(c)]));
    const t0 = Date.now();
    while (Date.now() - t0 < seconds * 1000) {
        const out = docker("stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}", ...containers);
        for (const line of out.split("\n").filter(Boolean)) {
            const [n, m] = line.split("\t");
            if (n in mem) mem[n] = Math.max(mem[n], toMiB(m.split("/")[0]));
        }
        spawnSync("sleep", ["5"]);
    }
    const elapsed = (Date.now() - t0) / 1000;
    return Object.fromEntries(containers.map((c) => [c, { cpuPercent: ((cpuSeconds(c) - cpu0[c]) / elapsed) * 100, memoryMiB: mem[c] }]));
}

export const monitoring: Benchmark = {
    name: "monitoring",
    describe: "pgbench with monitoring running against the same stack with monitoring paused, and the exporters' cost at rest",
    async run(ctx): Promise<BenchOutput> {
        const work = DEFAULT_WORK();
        const stack = newStack(FIXTURE, { nodes: work.nodes, ttl: work.ttl, loopWait: work.loopWait, retryTimeout: work.retryTimeout, pooler: true, parameters: work.parameters, monitoring: true });
        const prefix = `pgscale-bench-ha-${stack}`;
        try {
            pulumi(FIXTURE, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
            await stackReady(prefix, work.nodes - 1, Date.now());
            const o = JSON.parse(pulumi(FIXTURE, stack, "stack", "output", "--json", "--show-secrets"));
            const containers = monitoringContainers(prefix);
            if (containers.length !== work.nodes + 3) throw new Error(`expected ${work.nodes + 3} monitoring containers, found ${containers.join(", ")}`);
            // Measured at rest, with the scrapes running, before any load.
            spawnSync("sleep", ["30"]);
            const rest = atRest(containers, 60);
            pgbench(o.primaryUri, ["-i", "-s", "10", "-q"]);
            const run = ["-S", "-n", "-c", "40", "-j", "2", "-T", "15"];
            // One run first, not recorded: the first round after pgbench -i reads a cold cache, and
            // would count against whichever side the rotation puts first.
            pgbench(o.primaryUri, run);
            const samples = await alternate(ctx.rounds, {
                pgscale: async () => { setPaused(containers, false); spawnSync("sleep", ["15"]); return pgbench(o.primaryUri, run); },
                baseline: async () => { setPaused(containers, true); spawnSync("sleep", ["15"]); return pgbench(o.primaryUri, run); },
            }, (m) => ctx.log(`pgbench ${m}`));
            setPaused(containers, false);
            const settings = { pgbench: run.join(" "), scale: 10, cluster: "the same stack: 3 nodes, defaults, scrape interval 15 s", image: docker("inspect", "-f", "{{.Image}}", `${prefix}-pg-0`) };
            const exporters = Object.entries(rest).filter(([n]) => /-pg-\d+-exporter$/.test(n));
            const worst = { cpu: Math.max(...exporters.map(([, r]) => r.cpuPercent)), mem: Math.max(...exporters.map(([, r]) => r.memoryMiB)) };
            return {
                rows: [{
                    id: "pgbench-select-40-monitored", title: "pgbench -S, 40 clients, 15 s, monitoring on vs paused", unit: "tps", measure: "transactions per second reported by pgbench",
                    pgscale: { label: "monitoring on", how: "exporters and Prometheus running (scrape every 15 s)", settings, samples: samples.pgscale },
                    baseline: { label: "monitoring paused", how: "the same containers paused (docker pause)", settings, samples: samples.baseline },
                    target: { on: "ratioOfMedians", min: 0.97 },
                }],
                notes: [
                    `At rest (average CPU over 60 s from each container's cgroup, largest memory docker stats reported): ${Object.entries(rest).map(([n, r]) => `${n.slice(prefix.length + 1)} ${r.cpuPercent.toFixed(2)}% CPU, ${r.memoryMiB.toFixed(1)} MiB`).join("; ")}.`,
                    `Worst postgres_exporter: ${worst.cpu.toFixed(2)}% of one core (budget 5%: ${worst.cpu <= 5 ? "met" : "not met"}), ${worst.mem.toFixed(1)} MiB (budget 64 MiB: ${worst.mem <= 64 ? "met" : "not met"}).`,
                ],
            };
        } finally {
            removeStack(FIXTURE, stack);
        }
    },
};
