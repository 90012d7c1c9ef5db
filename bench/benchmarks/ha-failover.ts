// ha-failover: write outage after losing the primary, on pgscale's stack (bench/ha/fixture) and on
// the same topology by hand (bench/baseline/up.sh) at the same timings, both up at once and faulted
// alternately. SIGKILL = `docker kill` (bounded by ttl); SIGTERM = `docker stop` (Patroni shuts
// PostgreSQL down and releases the leader key). Outage = fault -> first successful write through
// HAProxy (a new connection and an INSERT every 100 ms, 1 s timeouts). After each fault the old
// primary is started again and the run waits for every replica to stream.
import { execFileSync, spawnSync } from "child_process";
import { parse as parseYaml } from "yaml";
import { sleep } from "@pgscale/core";
import { alternate } from "../harness/rounds";
import { docker, dockerQuiet, tryQuery, untilReady } from "../harness/probe";
import { newStack, pulumi, removeStack } from "../harness/pulumi";
import type { Row } from "../harness/types";
import { DEFAULT_WORK, FIXTURE, TIGHT_WORK, stackReady } from "./ha-up";
import { HaWork, baselineEnv, baselineUri, script } from "./ha-work";
import type { BenchContext, Benchmark, BenchOutput } from "./registry";

interface Cluster {
    uri: string;
    containers: string[];
}

/**
 * The member whose PostgreSQL runs out of recovery, asked over its local socket inside the container
 * (no published port, and the same on both sides whatever scheme and CA their REST APIs use).
 */
async function leader(c: Cluster): Promise<string> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(250)) {
        for (const name of c.containers) {
            if (dockerQuiet("exec", name, "psql", "-h", "/var/run/postgresql", "-U", "postgres", "-tAc", "SELECT pg_is_in_recovery()") === "f") return name;
        }
    }
    throw new Error("no primary within 60 s");
}

async function outage(c: Cluster, signal: "KILL" | "TERM"): Promise<number> {
    const victim = await leader(c);
    const t0 = Date.now();
    if (signal === "KILL") docker("kill", "--signal", "KILL", victim);
    else spawnSync("docker", ["stop", "-t", "30", victim]); // returns once Patroni has shut down
    let s: number | undefined;
    while (s === undefined && Date.now() - t0 < 120_000) {
        if (await tryQuery(c.uri, "INSERT INTO bench_probe VALUES (now())")) s = (Date.now() - t0) / 1000;
        else await sleep(100);
    }
    docker("start", victim);
    await untilReady(c.uri, c.containers.length - 1, Date.now(), 180);
    if (s === undefined) throw new Error(`no write within 120 s after ${signal} of ${victim}`);
    return s;
}

async function profile(ctx: BenchContext, name: string, work: HaWork): Promise<Row[]> {
    const stack = newStack(FIXTURE, { nodes: work.nodes, ttl: work.ttl, loopWait: work.loopWait, retryTimeout: work.retryTimeout, pooler: false,
        parameters: work.parameters, checkInterMs: work.check.interMs, checkFall: work.check.fall, checkRise: work.check.rise });
    const prefix = `bench-fo-${process.pid}-${name}`;
    try {
        const t0 = Date.now();
        const port = execFileSync(script("up.sh"), [prefix, String(work.nodes)], { encoding: "utf8", env: baselineEnv(work) }).trim();
        const baseline: Cluster = { uri: baselineUri(port), containers: [...Array(work.nodes).keys()].map((i) => `${prefix}-pg${i}`) };
        pulumi(FIXTURE, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
        const sp = `pgscale-bench-ha-${stack}`;
        await stackReady(sp, work.nodes - 1, Date.now());
        const yml = docker("exec", `${sp}-pg-0`, "cat", "/etc/patroni/patroni.yml");
        const password: string = parseYaml(yml).postgresql.authentication.superuser.password;
        const ours: Cluster = { uri: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${docker("port", `${sp}-lb`, "5000/tcp").split("\n")[0].split(":").pop()}/postgres?sslmode=require`,
            containers: [...Array(work.nodes).keys()].map((i) => `${sp}-pg-${i}`) };
        await untilReady(baseline.uri, work.nodes - 1, t0);
        const rows: Row[] = [];
        for (const signal of ["KILL", "TERM"] as const) {
            const samples = await alternate(ctx.rounds, { pgscale: () => outage(ours, signal), baseline: () => outage(baseline, signal) }, (m) => ctx.log(`${name} SIG${signal} ${m}`));
            rows.push({
                id: `${name}-sig${signal.toLowerCase()}`, title: `SIG${signal} of the primary, ${name} timings (ttl ${work.ttl}, loop_wait ${work.loopWait}, retry_timeout ${work.retryTimeout}; HAProxy inter ${work.check.interMs} ms, fall ${work.check.fall}, rise ${work.check.rise})`,
                unit: "s", measure: "from the fault to the first successful write through HAProxy (new connection and INSERT every 100 ms)",
                pgscale: { label: "pgscale stack", how: "bench/ha/fixture via pulumi up", settings: { ...work }, samples: samples.pgscale },
                baseline: { label: "by hand", how: "bench/baseline/up.sh", settings: { ...work }, samples: samples.baseline },
                target: { on: "pgscaleMedian", max: signal === "KILL" ? work.ttl + 5 : 8 },
            });
        }
        return rows;
    } finally {
        removeStack(FIXTURE, stack);
        execFileSync(script("down.sh"), [prefix]);
    }
}

export const haFailover: Benchmark = {
    name: "ha-failover",
    describe: "write outage after SIGKILL / SIGTERM of the primary, pgscale's stack and the same cluster by hand",
    async run(ctx): Promise<BenchOutput> {
        return { rows: [...await profile(ctx, "default", DEFAULT_WORK()), ...await profile(ctx, "tight", TIGHT_WORK())] };
    },
};
