// major-upgrade: PostgreSQL 15 -> 17 of a database of pgbench scale S (70: about 1 GB), one node on
// each side so the work is equal. pgscale: a 1-node stack of bench/ha/fixture created at 15, loaded,
// then `pulumi up` with postgresVersion 17 (MajorUpgrade: checks, clean stop, pg_upgrade --link,
// DCS reset, member replaced, ANALYZE). By hand: bench/baseline/upgrade.sh on a plain PostgreSQL 15
// container (postgres.sh) holding the same data: clean stop, pg_upgrade --link in the same
// pgscale/pg-upgrade image, PostgreSQL 17 started. Each round builds both 15 servers afresh (not
// timed). Timed: the whole upgrade (pgscale: the `pulumi up`; by hand: the script, then until a write
// succeeds), and the write outage (a new connection and an INSERT every 100 ms; pgscale: the longest
// gap through HAProxy; by hand: from the stop to the first write on the new server).
import { execFileSync } from "child_process";
import { sleep } from "@pgscale/core";
import { alternate } from "../harness/rounds";
import { docker, tryQuery } from "../harness/probe";
import { newStack, pulumi, removeStack } from "../harness/pulumi";
import { FIXTURE, stackReady } from "./ha-up";
import { script } from "./ha-work";
import type { Row } from "../harness/types";
import type { Benchmark, BenchOutput } from "./registry";

const TIMINGS = { ttl: 20, loopWait: 1, retryTimeout: 3 };

/** pgbench -i inside the container, over its local socket (no timing: setup); the database's size in MB, read back. */
function load(container: string, scale: number): number {
    docker("exec", "-u", "postgres", container, "pgbench", "-i", "-q", "-s", String(scale), "-U", "postgres", "postgres");
    return Number(docker("exec", "-u", "postgres", container, "psql", "-U", "postgres", "-Atc", "SELECT pg_database_size('postgres') / 1048576"));
}

/** Writes every 100 ms until stopped; the longest time between two successful writes. */
function writer(uri: () => string) {
    let stop = false;
    let longest = 0;
    let last = Date.now();
    const done = (async () => {
        while (!stop) {
            if (await tryQuery(uri(), "INSERT INTO bench_probe VALUES (now())")) {
                longest = Math.max(longest, Date.now() - last);
                last = Date.now();
            }
            await sleep(100);
        }
    })();
    return { stop: async () => { stop = true; await done; return longest / 1000; } };
}

async function untilWrite(uri: string, limitS = 300): Promise<void> {
    const t0 = Date.now();
    while (!(await tryQuery(uri, "CREATE TABLE IF NOT EXISTS bench_probe(at timestamptz); INSERT INTO bench_probe VALUES (now())"))) {
        if (Date.now() - t0 > limitS * 1000) throw new Error(`no write within ${limitS} s`);
        await sleep(100);
    }
}

export const majorUpgrade: Benchmark = {
    name: "major-upgrade",
    describe: "PostgreSQL 15 -> 17 of a pgbench database (--scale, default 70 ~ 1 GB): pgscale's postgresVersion raise vs pg_upgrade --link by hand",
    async run(ctx): Promise<BenchOutput> {
        const scale = Number(ctx.options.scale ?? 70);
        const outage: Record<"pgscale" | "baseline", number[]> = { pgscale: [], baseline: [] };
        const observed: Record<"pgscale" | "baseline", Record<string, unknown>[]> = { pgscale: [], baseline: [] };
        const pgscaleSide = async (): Promise<number> => {
            const stack = newStack(FIXTURE, { nodes: 1, ...TIMINGS, pooler: false, postgresVersion: 15, parameters: { max_connections: "100" } });
            try {
                pulumi(FIXTURE, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
                const sp = `pgscale-bench-ha-${stack}`;
                await stackReady(sp, 0, Date.now());
                observed.pgscale.push({ databaseMB: load(`${sp}-pg-0`, scale) });
                const password = JSON.parse(pulumi(FIXTURE, stack, "stack", "output", "superuserPassword", "--show-secrets", "--json"));
                const port = docker("port", `${sp}-lb`, "5000/tcp").split("\n")[0].split(":").pop();
                const uri = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
                await untilWrite(uri);
                pulumi(FIXTURE, stack, "config", "set", "postgresVersion", "17");
                const w = writer(() => uri);
                const t0 = Date.now();
                pulumi(FIXTURE, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
                const total = (Date.now() - t0) / 1000;
                await untilWrite(uri);
                await sleep(1000);
                outage.pgscale.push(Math.round((await w.stop()) * 1000) / 1000);
                const v = docker("exec", `${sp}-pg-0`, "psql", "-At", "-c", "SHOW server_version_num");
                if (!v.startsWith("17")) throw new Error(`pgscale side runs ${v} after the upgrade`);
                return total;
            } finally {
                removeStack(FIXTURE, stack);
            }
        };
        const baselineSide = async (round: number): Promise<number> => {
            const prefix = `bench-upg-${process.pid}-${round}`;
            const volume = `${prefix}-data`;
            try {
                docker("volume", "create", "--label", `pgscale.bench=${prefix}`, volume);
                const port15 = execFileSync(script("postgres.sh"), [prefix], { encoding: "utf8", env: { ...process.env, POSTGRES_VERSION: "15", DATA_VOLUME: volume } }).trim();
                const uri = (port: string) => `postgresql://postgres:baseline-password@127.0.0.1:${port}/postgres`;
                await untilWrite(uri(port15));
                observed.baseline.push({ databaseMB: load(`${prefix}-pg`, scale) });
                const t0 = Date.now();
                const port17 = execFileSync(script("upgrade.sh"), [prefix, volume], { encoding: "utf8" }).trim();
                await untilWrite(uri(port17));
                const total = (Date.now() - t0) / 1000;
                outage.baseline.push(Math.round(total * 1000) / 1000);
                const [row] = (await tryQuery(uri(port17), "SHOW server_version_num")) ?? [];
                if (!String(row?.server_version_num).startsWith("17")) throw new Error("baseline side is not on 17 after the upgrade");
                return total;
            } finally {
                execFileSync(script("down.sh"), [prefix]);
            }
        };
        const samples = await alternate(ctx.rounds, { pgscale: pgscaleSide, baseline: baselineSide }, (m) => ctx.log(m));
        const settings = { nodes: 1, pgbenchScale: scale, from: 15, to: 17, method: "pg_upgrade --link", image: "pgscale/pg-upgrade" };
        const rows: Row[] = [
            {
                id: "upgrade-total", title: `PostgreSQL 15 -> 17, 1 node, pgbench scale ${scale}: the whole upgrade`, unit: "s",
                measure: "pgscale: `pulumi up` after raising postgresVersion; by hand: baseline/upgrade.sh until a write succeeds on 17",
                pgscale: { label: "pgscale", how: "bench/ha/fixture, postgresVersion 15 -> 17, pulumi up", settings, observed: observed.pgscale, samples: samples.pgscale },
                baseline: { label: "by hand", how: "bench/baseline/upgrade.sh", settings, observed: observed.baseline, samples: samples.baseline },
            },
            {
                id: "upgrade-outage", title: `PostgreSQL 15 -> 17, 1 node, pgbench scale ${scale}: the write outage`, unit: "s",
                measure: "pgscale: the longest gap between successful writes through HAProxy (a new connection and an INSERT every 100 ms); by hand: from the stop to the first write on 17",
                pgscale: { label: "pgscale", how: "as above", settings, samples: outage.pgscale },
                baseline: { label: "by hand", how: "as above", settings, samples: outage.baseline },
            },
        ];
        return { rows, notes: [`Both sides run one node with the same data (pgbench -i -s ${scale}) and the same images; pgscale's outage includes Patroni's clean stop under maintenance mode, the member's replacement and its promotion, the by-hand one only the server's stop and start.`] };
    },
};
