// HA benchmarks (issue "HA PostgreSQL on Docker"); method and figures in docs/benchmarks.md.
//   npx ts-node -P tsconfig.test.json --transpile-only bench/ha/run.ts [floor|up|up-inline|failover|pool|all, or several: floor,up,up-inline] [--rounds N]
// Every figure that has a target is a ratio against a baseline measured in the same run.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { Client } from "pg";
import { parse as parseYaml } from "yaml";
import { patroniRequest, sleep } from "@pgscale/core";

const ROOT = path.resolve(__dirname, "../..");
const FIXTURE = path.join(__dirname, "fixture");
const FLOOR = path.join(__dirname, "floor");
const args = process.argv.slice(2);
const what = args.find((a) => !a.startsWith("--")) ?? "all";
/** One benchmark, several separated by commas (`floor,up`: same run, comparable figures), or all. */
const wanted = (name: string) => what === "all" || what.split(",").includes(name);
const rounds = Number(args[args.indexOf("--rounds") + 1] || 3) || 3;
const results: Record<string, unknown> = { machine: machine(), started: new Date().toISOString() };

function machine(): string {
    const cpus = require("os").cpus();
    return `${cpus.length} x ${cpus[0].model}, ${Math.round(require("os").totalmem() / 2 ** 30)} GiB, Docker ${execFileSync("docker", ["version", "-f", "{{.Server.Version}}"], { encoding: "utf8" }).trim()}`;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const log = (...a: unknown[]) => console.error("[bench]", ...a);

function pulumi(stack: string, ...a: string[]): string {
    return pulumiIn(FIXTURE, stack, ...a);
}
function pulumiIn(cwd: string, stack: string, ...a: string[]): string {
    const r = spawnSync("pulumi", [...a, "--stack", stack, "--non-interactive"], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`pulumi ${a.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}
function newStack(config: Record<string, string | number | boolean>, cwd = FIXTURE): string {
    const stack = `bench-${Date.now().toString(36)}`;
    spawnSync("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd, encoding: "utf8" });
    for (const [k, v] of Object.entries(config)) pulumiIn(cwd, stack, "config", "set", k, String(v));
    return stack;
}
function outputs(stack: string): any {
    return JSON.parse(pulumi(stack, "stack", "output", "--json", "--show-secrets"));
}
function removeStack(stack: string, cwd = FIXTURE): void {
    pulumiIn(cwd, stack, "destroy", "--yes", "--skip-preview", "--suppress-progress");
    spawnSync("pulumi", ["stack", "rm", "--yes", stack], { cwd });
}
function superuserUri(uri: string, password: string): string {
    const u = new URL(uri);
    u.username = "postgres";
    u.password = password;
    u.pathname = "/postgres";
    return u.toString();
}

async function tryQuery(uri: string, sql: string, timeoutMs = 1000): Promise<any[] | undefined> {
    const c = new Client({ connectionString: uri, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
    // A server going away (HAProxy cutting sessions, a container removed) arrives as an event.
    c.on("error", () => undefined);
    try {
        await c.connect();
        const res: any = await c.query(sql);
        // A multi-statement string answers with one result per statement; the last one counts.
        return Array.isArray(res) ? res[res.length - 1].rows : res.rows;
    } catch {
        return undefined;
    } finally {
        await c.end().catch(() => undefined);
    }
}

/** "Primary writable through HAProxy and all replicas streaming", polled every 100 ms. */
async function untilReady(uri: string, replicas: number, t0: number, limitS = 300): Promise<number> {
    while (Date.now() - t0 < limitS * 1000) {
        const rows = await tryQuery(uri,
            "CREATE TABLE IF NOT EXISTS bench_probe(at timestamptz); INSERT INTO bench_probe VALUES (now()); SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
        if (rows && rows[0].n >= replicas) return (Date.now() - t0) / 1000;
        await sleep(100);
    }
    throw new Error("cluster not ready in time");
}

/**
 * The pgscale side's readiness, polled from the moment `pulumi up` starts, as the baseline's is: the
 * probe learns HAProxy's host port and the superuser password from the engine as soon as the
 * containers exist (the stack outputs only exist once `up` returns). Resolves with seconds since t0.
 */
async function untilStackReady(stack: string, replicas: number, t0: number, project = "pgscale-bench-ha"): Promise<number> {
    const prefix = `${project}-${stack}`;
    const quiet = { encoding: "utf8" as const, stdio: ["ignore", "pipe", "ignore"] as ["ignore", "pipe", "ignore"] };
    let uri: string | undefined;
    while (!uri) {
        if (Date.now() - t0 > 300_000) throw new Error("stack containers did not appear");
        try {
            const port = execFileSync("docker", ["port", `${prefix}-lb`, "5000/tcp"], quiet).trim().split(":").pop();
            const yml = parseYaml(execFileSync("docker", ["exec", `${prefix}-pg-0`, "cat", "/etc/patroni/patroni.yml"], quiet));
            const password = yml.postgresql.authentication.superuser.password;
            if (port && password) uri = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
        } catch {
            // not created yet
        }
        if (!uri) await sleep(100);
    }
    return untilReady(uri, replicas, t0);
}

/**
 * Ratio of the fastest rounds. Formation is bimodal on both sides: a replica streams once the leader's
 * loop (every loop_wait = 10 s) has created its slot, so a round takes ~8 s or ~18 s by luck, and a
 * median of few rounds can pair a lucky side with an unlucky one. The fastest rounds pair like with like.
 */
function bestRatio(side: number[], base: number[]): number {
    return round2(Math.min(...side) / Math.min(...base));
}

/** One round of the hand-written baseline: seconds from `up.sh` to ready, then removed. */
async function baselineRound(i: number): Promise<number> {
    const prefix = `pgbase${i}`;
    const t0 = Date.now();
    const port = execFileSync(path.join(ROOT, "bench/baseline/up.sh"), [prefix, "3"], { encoding: "utf8" }).trim();
    const s = await untilReady(`postgresql://postgres:baseline-password@127.0.0.1:${port}/postgres`, 2, t0);
    execFileSync(path.join(ROOT, "bench/baseline/down.sh"), [prefix]);
    return s;
}

async function benchUp(): Promise<void> {
    const pg: number[] = [];
    const upS: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < rounds; i++) {
        // Alternate so drift on the machine hits both sides alike.
        base.push(await baselineRound(i));
        {
            const stack = newStack({ pooler: false });
            const t0 = Date.now();
            const up = spawn("pulumi", ["up", "--yes", "--skip-preview", "--suppress-progress", "--stack", stack, "--non-interactive"], { cwd: FIXTURE, stdio: "ignore" });
            const upDone = new Promise<number>((resolve) => up.on("exit", (code) => resolve(code ?? 1)));
            pg.push(await untilStackReady(stack, 2, t0));
            const code = await upDone;
            upS.push((Date.now() - t0) / 1000);
            if (code !== 0) throw new Error(`pulumi up of ${stack} exited ${code}`);
            removeStack(stack);
        }
        log(`up round ${i + 1}: baseline ${base[i].toFixed(1)} s, pulumi up: ready ${pg[i].toFixed(1)} s, command returned ${upS[i].toFixed(1)} s`);
    }
    results.up = {
        rounds, baselineS: base.map(round1), pulumiUpS: pg.map(round1), pulumiUpReturnedS: upS.map(round1),
        medianRatio: round2(median(pg) / median(base)),
        bestRatio: bestRatio(pg, base),
    };
}

/** When a container started, in ms since the epoch (Docker's State.StartedAt). */
function startedAt(container: string): number {
    return Date.parse(execFileSync("docker", ["inspect", "-f", "{{.State.StartedAt}}", container], { encoding: "utf8" }).trim());
}

/**
 * Pulumi's own floor on this path: `pulumi up` of a program with one generated secret (a dynamic
 * resource) and one container using it, to that container's start, against `docker run` of the
 * same container. With the baseline's formation time F, no program that waits for a dynamic
 * resource before its first member can reach a ratio below (floor + F) / (dockerRun + F).
 */
async function benchFloor(): Promise<void> {
    const floor: number[] = [];
    const run: number[] = [];
    for (let i = 0; i < rounds; i++) {
        {
            const name = `pgscale-bench-floor-run${i}`;
            const t0 = Date.now();
            execFileSync("docker", ["run", "-d", "--name", name, "--label", "pgscale.bench=floor", "-e", "FLOOR_SECRET=x", "pgscale/etcd:0.1.0", "sleep", "infinity"], { stdio: "ignore" });
            run.push((startedAt(name) - t0) / 1000);
            execFileSync("docker", ["rm", "-f", name], { stdio: "ignore" });
        }
        {
            const stack = newStack({}, FLOOR);
            const t0 = Date.now();
            pulumiIn(FLOOR, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
            floor.push((startedAt(`pgscale-bench-floor-${stack}`) - t0) / 1000);
            removeStack(stack, FLOOR);
        }
        log(`floor round ${i + 1}: docker run ${run[i].toFixed(2)} s, pulumi up to the container's start ${floor[i].toFixed(2)} s`);
    }
    results.floor = { rounds, dockerRunS: run.map(round2), pulumiUpToContainerS: floor.map(round2), medianFixedCostS: round2(median(floor) - median(run)) };
}

/**
 * The same topology and timings as ./fixture through the Automation API (`stack.up()` runs the same
 * `pulumi up` with an inline program served from this already-running process): the path of
 * @pgscale/testing and of any test suite that starts clusters. No ts-node and no second Node process
 * load the program; the CLI, the dynamic-provider host and the docker plugin start as before.
 */
async function benchUpInline(): Promise<void> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const { EtcdCluster, HAProxyFrontend, PatroniCluster } = await import("@pgscale/docker");
    const project = "pgscale-bench-inline";
    const program = async () => {
        const dcs = new EtcdCluster("dcs", { members: 1 });
        const pg = new PatroniCluster("pg", { dcs, nodes: 3, patroni: { ttl: 30, loopWait: 10, retryTimeout: 10 }, parameters: { max_connections: "200" } });
        const lb = new HAProxyFrontend("lb", { cluster: pg, check: { interMs: 2000, fall: 3, rise: 2 } });
        return { primaryUri: lb.primaryUri };
    };
    const base: number[] = [];
    const inline: number[] = [];
    for (let i = 0; i < rounds; i++) {
        base.push(await baselineRound(i));
        {
            const stackName = `inline-${Date.now().toString(36)}`;
            const stack = await LocalWorkspace.createOrSelectStack({ stackName, projectName: project, program });
            const t0 = Date.now();
            const up = stack.up();
            inline.push(await untilStackReady(stackName, 2, t0, project));
            await up;
            await stack.destroy();
            await stack.workspace.removeStack(stackName);
        }
        log(`up-inline round ${i + 1}: baseline ${base[i].toFixed(1)} s, Automation API up: ready ${inline[i].toFixed(1)} s`);
    }
    results.upInline = { rounds, baselineS: base.map(round1), automationApiUpS: inline.map(round1), medianRatio: round2(median(inline) / median(base)),
        bestRatio: bestRatio(inline, base) };
}

/** Kills (or stops) the primary and measures time to the first successful write after it. */
async function outage(o: any, signal: "KILL" | "TERM"): Promise<number> {
    const su = superuserUri(o.primaryUri, o.superuserPassword);
    const leader = await leaderOf(o);
    const victim = o.members.find((m: any) => m.name === leader);
    const t0 = Date.now();
    if (signal === "KILL") execFileSync("docker", ["kill", "--signal", "KILL", victim.container]);
    else spawnSync("docker", ["stop", "-t", "30", victim.container]); // returns once Patroni has shut down
    let ok = false;
    while (!ok && Date.now() - t0 < 120000) {
        ok = (await tryQuery(su, "INSERT INTO bench_probe VALUES (now())", 1000)) !== undefined;
        if (!ok) await sleep(100);
    }
    const s = (Date.now() - t0) / 1000;
    execFileSync("docker", ["start", victim.container]);
    await untilReady(su, o.members.length - 1, Date.now(), 180);
    return s;
}
async function leaderOf(o: any): Promise<string> {
    // Right after a rejoin the DCS may briefly show no leader; wait for one.
    for (const deadline = Date.now() + 60000; Date.now() < deadline; await sleep(250)) {
        for (const m of o.members) {
            try {
                const res = await patroniRequest(fetch, m.restUrl, "/cluster");
                const l = res.body.members.find((x: any) => x.role === "leader");
                if (l) return l.name;
            } catch {
                // next member
            }
        }
    }
    throw new Error("no leader within 60 s");
}

async function benchFailover(): Promise<void> {
    const profiles: Record<string, Record<string, number>> = {
        default: { ttl: 30, loopWait: 10, retryTimeout: 10, checkInterMs: 2000, checkFall: 3, checkRise: 2 },
        tightest: { ttl: 20, loopWait: 1, retryTimeout: 3, checkInterMs: 1000, checkFall: 2, checkRise: 1 },
    };
    const out: Record<string, unknown> = {};
    for (const [name, cfg] of Object.entries(profiles)) {
        const stack = newStack({ ...cfg, pooler: false });
        try {
            pulumi(stack, "up", "--yes", "--skip-preview", "--suppress-progress");
            const o = outputs(stack);
            await untilReady(superuserUri(o.primaryUri, o.superuserPassword), 2, Date.now());
            const kill: number[] = [];
            const term: number[] = [];
            for (let i = 0; i < rounds; i++) {
                kill.push(await outage(o, "KILL"));
                term.push(await outage(o, "TERM"));
                log(`${name} round ${i + 1}: SIGKILL ${kill[i].toFixed(1)} s, SIGTERM ${term[i].toFixed(1)} s`);
            }
            out[name] = { ...cfg, sigkillS: kill.map(round1), sigtermS: term.map(round1), sigkillMedianS: round1(median(kill)), sigtermMedianS: round1(median(term)),
                sigkillTarget: `<= ttl + 5 = ${cfg.ttl + 5}`, sigtermTarget: "<= 8" };
        } finally {
            removeStack(stack);
        }
    }
    results.failover = out;
}

function pgbench(uri: string, extra: string[]): number {
    const r = spawnSync("pgbench", [...extra, uri], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
    const m = /tps = ([\d.]+)/.exec(r.stdout);
    return m ? Number(m[1]) : NaN; // initialisation (-i) prints no tps
}

async function manyClients(uri: string, n: number): Promise<{ ok: number; errors: Record<string, number> }> {
    const errors: Record<string, number> = {};
    let ok = 0;
    await Promise.all(Array.from({ length: n }, async () => {
        const c = new Client({ connectionString: uri, connectionTimeoutMillis: 60000 });
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

async function benchPool(): Promise<void> {
    const stack = newStack({ pooler: true });
    try {
        pulumi(stack, "up", "--yes", "--skip-preview", "--suppress-progress");
        const o = outputs(stack);
        await untilReady(superuserUri(o.primaryUri, o.superuserPassword), 2, Date.now());
        pgbench(o.primaryUri, ["-i", "-s", "10", "-q"]);
        const direct: number[] = [];
        const pooled: number[] = [];
        const run = ["-S", "-n", "-c", "40", "-j", "2", "-T", "15"];
        for (let i = 0; i < rounds; i++) {
            direct.push(pgbench(o.primaryUri, run));
            pooled.push(pgbench(o.poolerUri, run));
            log(`pgbench round ${i + 1}: direct ${direct[i]} tps, pooled ${pooled[i]} tps`);
        }
        const through = await manyClients(o.poolerUri, 1000);
        const beyond = await manyClients(o.primaryUri, 260); // max_connections is 200
        results.pool = {
            pgbenchSelectOnly40: { directTps: direct, pooledTps: pooled, medianRatio: round2(median(pooled) / median(direct)), target: ">= 0.8" },
            thousandClientsThroughPooler: through,
            clientsBeyondMaxConnectionsDirect: beyond,
        };
    } finally {
        removeStack(stack);
    }
}

(async () => {
    if (wanted("floor")) await benchFloor();
    if (wanted("up")) await benchUp();
    if (wanted("up-inline")) await benchUpInline();
    if (results.floor && results.up) {
        // The least any Pulumi program of this kind could reach against this run's fastest baseline round.
        const base = Math.min(...(results.up as any).baselineS);
        results.floorRatio = round2(((results.floor as any).medianFixedCostS + base) / base);
    }
    if (wanted("failover")) await benchFailover();
    if (wanted("pool")) await benchPool();
    results.finished = new Date().toISOString();
    const file = path.join(ROOT, "bench/results", `ha-${what.replace(/,/g, "+")}-${Date.now()}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(JSON.stringify(results, null, 2));
})().catch((e) => {
    console.error(e);
    process.exit(1);
});
