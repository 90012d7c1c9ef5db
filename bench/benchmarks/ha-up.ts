// ha-up: `pulumi up` of an HA topology (bench/ha/fixture) against the same topology by hand
// (bench/baseline/up.sh), both timed from the start of the command to "primary writable through
// HAProxy and every replica streaming", at Patroni's default timings and, as its own row, at the
// tight timings test clusters use. Plus Pulumi's own floor on this path (bench/ha/floor).
import { execFileSync } from "child_process";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { sleep } from "@pgscale/core";
import { alternate } from "../harness/rounds";
import { docker, dockerQuiet, observePatroni, startedAt, untilReady } from "../harness/probe";
import { newStack, removeStack, timedPulumi, upInBackground } from "../harness/pulumi";
import type { Row, Side } from "../harness/types";
import { ETCD_IMAGE, HaWork, ROOT, handCluster, haWork, script } from "./ha-work";
import type { BenchContext, Benchmark, BenchOutput } from "./registry";

export const FIXTURE = path.join(ROOT, "bench/ha/fixture");
const FLOOR = path.join(ROOT, "bench/ha/floor");
const MEASURE = "from the start of the command to a write through HAProxy's primary port succeeding with every replica streaming (polled every 100 ms)";

/** Patroni's defaults (also pgscale's), HAProxy checking every 2 s. */
export const DEFAULT_WORK = () => haWork({ nodes: 3, ttl: 30, loopWait: 10, retryTimeout: 10, parameters: { max_connections: "200" }, check: { interMs: 2000, fall: 3, rise: 2 }, dataOnTmpfs: false });
/** The timings @pgscale/testing uses; faster by setting, so a row of its own with a baseline at the same timings. */
export const TIGHT_WORK = () => haWork({ nodes: 3, ttl: 20, loopWait: 1, retryTimeout: 5, parameters: { max_connections: "200", wal_retrieve_retry_interval: "500ms" }, check: { interMs: 1000, fall: 2, rise: 1 }, dataOnTmpfs: false });

/** The probe learns HAProxy's port and the superuser password from the engine as soon as the containers exist. */
/** `tls`: the stack's PatroniCluster requires TLS (its default), so the probe's URI asks for it. */
export async function stackReady(prefix: string, replicas: number, t0: number, tls = true): Promise<number> {
    let uri: string | undefined;
    while (!uri) {
        if (Date.now() - t0 > 300_000) throw new Error(`${prefix}: containers did not appear`);
        const port = dockerQuiet("port", `${prefix}-lb`, "5000/tcp")?.split("\n")[0].split(":").pop();
        const yml = port ? dockerQuiet("exec", `${prefix}-pg-0`, "cat", "/etc/patroni/patroni.yml") : undefined;
        const password = yml && parseYaml(yml).postgresql.authentication.superuser.password;
        if (port && password) uri = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres${tls ? "?sslmode=require" : ""}`;
        else await sleep(100);
    }
    return untilReady(uri, replicas, t0);
}

async function upRow(id: string, title: string, work: HaWork, ctx: BenchContext): Promise<Row> {
    const observed: Record<string, Record<string, unknown>[]> = { pgscale: [], baseline: [] };
    const samples = await alternate(ctx.rounds, {
        pgscale: async () => {
            const stack = newStack(FIXTURE, { nodes: work.nodes, ttl: work.ttl, loopWait: work.loopWait, retryTimeout: work.retryTimeout, pooler: false,
                parameters: work.parameters, checkInterMs: work.check.interMs, checkFall: work.check.fall, checkRise: work.check.rise });
            try {
                const t0 = Date.now();
                const up = upInBackground(FIXTURE, stack);
                const s = await stackReady(`pgscale-bench-ha-${stack}`, work.nodes - 1, t0);
                observed.pgscale.push(observePatroni(`pgscale-bench-ha-${stack}-pg-0`));
                if ((await up) !== 0) throw new Error(`pulumi up of ${stack} failed`);
                return s;
            } finally {
                removeStack(FIXTURE, stack);
            }
        },
        baseline: async (r) => {
            const prefix = `bench-ha-${process.pid}-${r}`;
            try {
                const t0 = Date.now();
                return await handCluster(prefix, work, t0, observed.baseline);
            } finally {
                execFileSync(script("down.sh"), [prefix]);
            }
        },
    }, (m) => ctx.log(`${id} ${m}`));
    const side = (label: string, how: string, name: string): Side => ({ label, how, settings: { ...work }, observed: observed[name], samples: samples[name] });
    return {
        id, title, unit: "s", measure: MEASURE,
        pgscale: side("pulumi up", "pulumi up of bench/ha/fixture (EtcdCluster 1 member, PatroniCluster, HAProxyFrontend), TypeScript program", "pgscale"),
        baseline: side("docker run by hand", "bench/baseline/up.sh: the same containers with plain docker run and static configs", "baseline"),
        target: id === "up-default" ? { on: "ratioOfMedians", max: 1.5 } : undefined,
    };
}

/** Pulumi's floor on the CLI path: one generated secret and one container using it, to the container's start. */
async function floorRow(ctx: BenchContext): Promise<Row> {
    const image = ETCD_IMAGE;
    const samples = await alternate(ctx.rounds, {
        pgscale: async () => {
            const stack = newStack(FLOOR, {});
            try {
                const t0 = Date.now();
                timedPulumi(FLOOR, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
                return (startedAt(`pgscale-bench-floor-${stack}`) - t0) / 1000;
            } finally {
                removeStack(FLOOR, stack);
            }
        },
        baseline: async (r) => {
            const name = `bench-floor-${process.pid}-${r}`;
            const t0 = Date.now();
            docker("run", "-d", "--name", name, "--label", "pgscale.bench=floor", "-e", "FLOOR_SECRET=x", image, "sleep", "infinity");
            const s = (startedAt(name) - t0) / 1000;
            docker("rm", "-f", name);
            return s;
        },
    }, (m) => ctx.log(`floor ${m}`));
    const settings = { containers: 1, image, secretInEnv: true };
    return {
        id: "floor", title: "Pulumi's floor: one generated secret and one container", unit: "s",
        measure: "from the start of the command to the container's State.StartedAt",
        pgscale: { label: "pulumi up", how: "pulumi up of bench/ha/floor (GeneratedSecret + docker.Container)", settings, samples: samples.pgscale },
        baseline: { label: "docker run", how: "docker run -d of the same container", settings, samples: samples.baseline },
    };
}

export const haUp: Benchmark = {
    name: "ha-up",
    describe: "HA topology up: pulumi up against the same containers by hand",
    async run(ctx): Promise<BenchOutput> {
        const rows = [
            await upRow("up-default", "3 nodes, ttl 30, loop_wait 10, retry_timeout 10 (defaults)", DEFAULT_WORK(), ctx),
            await upRow("up-tight", "3 nodes, ttl 20, loop_wait 1, retry_timeout 5, wal_retrieve_retry_interval 500ms (test timings)", TIGHT_WORK(), ctx),
            await floorRow(ctx),
        ];
        return {
            rows,
            beyondFloor: [{ id: "up-default-beyond-floor", title: "pulumi up (defaults) beyond Pulumi's floor", row: "up-default", floor: "floor" }],
            notes: ["At loop_wait 10 a replica streams once the leader's loop has created its slot, and the new leader's loop can sleep a whole loop_wait right after the bootstrap (it misses the wake of its own first write), so a by-hand round takes ~8 s or ~18 s by luck. pgscale wakes the leader's loop while the cluster forms (a PATCH /config that changes nothing, PatroniDynamicConfig), which the by-hand side does not do."],
        };
    },
};
