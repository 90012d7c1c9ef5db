// HAProxyConfigReload's work against a real HAProxy container (pgscale/haproxy image, Docker engine):
// a changed file is validated and reloaded in place, an unchanged one is left alone, and a file HAProxy
// refuses leaves the running configuration as it was. Scaling a whole cluster through it is in
// test/e2e/ha-cluster.test.ts.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_IMAGES, HAPROXY_RUNTIME, HAPROXY_SHOW_SERVERS_STATE, haproxyStatsAuth, renderHaproxyCfg } from "@pgscale/core";
import { ensureImage, haproxyReloadHandlers } from "@pgscale/docker";

jest.setTimeout(120_000);

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const image = DEFAULT_IMAGES.haproxy;
const name = `pgscale-it-haproxy-${process.pid}`;

const cfg = (members: string[]) => renderHaproxyCfg({
    nodes: members.map((m) => ({ name: m, host: m, pgPort: 5432, apiPort: 8008 })),
    ports: { primary: 5000, replicas: 5001, stats: 7000 },
    check: { interMs: 1000, fall: 2, rise: 1 },
    maxConnections: 100,
    idleTimeoutSeconds: 60,
    statsAuth: haproxyStatsAuth("integration-stats-password"),
});
const inContainer = (file: string) => docker("exec", name, "cat", file);
/** PIDs of HAProxy workers (children of the master, PID 1): a reload starts a new one. */
const workers = () => docker("exec", name, "sh", "-c",
    "for s in /proc/[0-9]*/status; do grep -q '^Name:.*haproxy' $s && grep -q '^PPid:[[:space:]]*1$' $s && echo $s; done; true")
    .split("\n").filter(Boolean).map((s) => Number(s.split("/")[2]));
/** The master's start time (/proc/1/stat field 22): unchanged unless the container restarted. */
const masterStart = () => docker("exec", name, "sh", "-c", "cut -d' ' -f22 /proc/1/stat");

let id: string;

beforeAll(async () => {
    await ensureImage({ name: "haproxy" }); // as a stack builds it; another suite may have removed it
    // Created, given its first file, then started: as the docker provider's `uploads` do.
    // With the capabilities HAProxyFrontend gives its container: none but CAP_KILL, which the reload needs.
    id = docker("create", "--name", name, "--label", "pgscale.test=haproxy-reload", "--cap-drop", "ALL", "--cap-add", "KILL", image);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-haproxy-")), "haproxy.cfg");
    fs.writeFileSync(file, cfg(["m-0", "m-1"]), { mode: 0o644 });
    docker("cp", file, `${name}:/etc/haproxy/haproxy.cfg`);
    docker("start", name);
    // The master forks its worker after parsing the file: wait for it rather than race it.
    for (const deadline = Date.now() + 20_000; workers().length === 0; ) {
        if (Date.now() > deadline) throw new Error(`no HAProxy worker in ${name} after 20 s: ${docker("logs", name)}`);
        execFileSync("sleep", ["0.2"]);
    }
});
afterAll(() => {
    execFileSync("docker", ["rm", "-f", name], { stdio: "ignore" });
});

const apply = (config: string) => haproxyReloadHandlers.apply({ containerId: id, config, timeoutSeconds: 30 });

it("leaves a container alone when its file is already the one asked for", async () => {
    const before = workers();
    expect(before.length).toBeGreaterThanOrEqual(1);
    await expect(apply(cfg(["m-0", "m-1"]))).resolves.toBe("unchanged");
    expect(workers()).toEqual(before);
});

it("reloads in place: same master process, a new worker, new servers, health states saved for it", async () => {
    const start = masterStart();
    const before = workers();
    await expect(apply(cfg(["m-0", "m-1", "m-2"]))).resolves.toBe("reloaded");
    expect(masterStart()).toBe(start);
    expect(Math.max(...workers())).toBeGreaterThan(Math.max(...before));
    expect(inContainer("/etc/haproxy/haproxy.cfg")).toBe(cfg(["m-0", "m-1", "m-2"]).trimEnd());
    // The states of the configuration before (two servers per listener) went to the new worker.
    const saved = inContainer(HAPROXY_RUNTIME.stateFile);
    expect(saved.split("\n")[0]).toBe("1");
    expect(saved).toMatch(/ primary \d+ m-1 /);
    expect(saved).not.toMatch(/ m-2 /);
    const live = docker("exec", name, "bash", "-c", `exec 3<>/dev/tcp/${HAPROXY_RUNTIME.host}/${HAPROXY_RUNTIME.port}; echo "show servers state" >&3; cat <&3`);
    expect(live).toMatch(/ replicas \d+ m-2 /);
});

it("writes a changed CA bundle (a rotated CA) and reloads, with the same haproxy.cfg; an unchanged bundle changes nothing", async () => {
    const config = cfg(["m-0", "m-1", "m-2"]);
    const caFile = { path: "/etc/haproxy/patroni-ca.crt", pem: "-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n" };
    const withCa = () => haproxyReloadHandlers.apply({ containerId: id, config, caFile, timeoutSeconds: 30 });
    await apply(config); // as the test before left it, when it ran
    const start = masterStart();
    const before = workers();
    await expect(withCa()).resolves.toBe("reloaded");
    expect(inContainer(caFile.path)).toBe(caFile.pem.trimEnd());
    expect(docker("exec", name, "stat", "-c", "%a %U", caFile.path)).toBe("644 root");
    expect(masterStart()).toBe(start);
    expect(Math.max(...workers())).toBeGreaterThan(Math.max(...before));
    const after = workers();
    await expect(withCa()).resolves.toBe("unchanged");
    expect(workers()).toEqual(after);
});

it("counts a CA bundle as changed against the one written last, or, from a state that wrote none, once it holds more than the CA", () => {
    const one = { path: "/etc/haproxy/patroni-ca.crt", pem: "-----BEGIN CERTIFICATE-----\na\n-----END CERTIFICATE-----\n" };
    const two = { ...one, pem: `-----BEGIN CERTIFICATE-----\nb\n-----END CERTIFICATE-----\n${one.pem}` };
    const changed = haproxyReloadHandlers.caFileChanged;
    expect([changed({}, { caFile: one }), changed({}, { caFile: two }), changed({ caFile: one }, { caFile: one }), changed({ caFile: one }, { caFile: two }), changed({ caFile: one }, {})])
        .toEqual([false, true, false, true, false]);
});

it("refuses a file HAProxy refuses, naming HAProxy's complaint, and keeps the running one", async () => {
    const before = Math.max(...workers());
    const bad = cfg(["m-0"]).replace("balance first", "balance nonsense");
    await expect(apply(bad)).rejects.toThrow(/haproxy refused the new configuration[\s\S]*haproxy\.cfg\.next:\d+\] : balance only supports/);
    expect(inContainer("/etc/haproxy/haproxy.cfg")).toBe(cfg(["m-0", "m-1", "m-2"]).trimEnd());
    expect(Math.max(...workers())).toBe(before);
    expect(docker("inspect", "-f", "{{.State.Running}}", name)).toBe("true");
});

it("serves the stats page only to the stats user (HAProxy checks the crypt hash), and /healthz to anyone", () => {
    const get = (path: string, credentials?: string) => docker("exec", name, "bash", "-c",
        `exec 3<>/dev/tcp/127.0.0.1/7000; printf 'GET ${path} HTTP/1.0\\r\\n${credentials ? `Authorization: Basic ${Buffer.from(credentials).toString("base64")}\\r\\n` : ""}\\r\\n' >&3; head -n 1 <&3`).trim();
    expect(get("/")).toMatch(/^HTTP\/1\.[01] 401 /);
    expect(get("/", "stats:not-the-password")).toMatch(/^HTTP\/1\.[01] 401 /);
    expect(get("/", "stats:integration-stats-password")).toMatch(/^HTTP\/1\.[01] 200 /);
    expect(get("/healthz")).toMatch(/^HTTP\/1\.[01] 200 /);
});

describe("a member that answers only after HAProxy marked it DOWN", () => {
    // HAProxy checked the members while they did not answer (Patroni still bootstrapping), so the
    // primary listener has no server: done must mean a server is UP by `rise` passed checks, or the
    // first client of primaryUri meets a listener that closes its session.
    const net = `pgscale-it-haproxy-net-${process.pid}`;
    const lb = `pgscale-it-haproxy-lb-${process.pid}`;
    const member = `pgscale-it-haproxy-m-${process.pid}`;
    const slowCfg = renderHaproxyCfg({
        nodes: [{ name: "m-0", host: "m-0", pgPort: 5432, apiPort: 8008 }],
        ports: { primary: 5000, replicas: 5001, stats: 7000 },
        check: { interMs: 1000, fall: 2, rise: 3 },
        maxConnections: 100,
        idleTimeoutSeconds: 60,
        statsAuth: haproxyStatsAuth("integration-stats-password"),
    });
    let lbId: string;
    const state = () => docker("exec", "-u", "root", lb, "bash", "-c", HAPROXY_SHOW_SERVERS_STATE);

    beforeAll(async () => {
        await ensureImage({ name: "patroni" });
        docker("network", "create", "--label", "pgscale.test=haproxy-reload", net);
        lbId = docker("create", "--name", lb, "--network", net, "--label", "pgscale.test=haproxy-reload", "--cap-drop", "ALL", "--cap-add", "KILL", image);
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-haproxy-")), "haproxy.cfg");
        fs.writeFileSync(file, slowCfg, { mode: 0o644 });
        docker("cp", file, `${lb}:/etc/haproxy/haproxy.cfg`);
        docker("start", lb);
    });
    afterAll(() => {
        execFileSync("docker", ["rm", "-f", lb, member], { stdio: "ignore" });
        execFileSync("docker", ["network", "rm", net], { stdio: "ignore" });
    });

    it("waits until the primary listener has a server UP, not only until each check finished", async () => {
        // A stand-in for Patroni's REST API: GET /primary answers 200 once it runs.
        docker("run", "-d", "--name", member, "--network", net, "--network-alias", "m-0", "--entrypoint", "sh",
            "--label", "pgscale.test=haproxy-reload", DEFAULT_IMAGES.patroni,
            "-c", "mkdir -p /tmp/www && touch /tmp/www/primary && exec python3 -m http.server 8008 --directory /tmp/www");
        // Once it answers (seen from HAProxy's container), HAProxy still has it DOWN for `rise` checks.
        for (const deadline = Date.now() + 20_000; ; execFileSync("sleep", ["0.2"])) {
            try {
                docker("exec", lb, "bash", "-c", "exec 3<>/dev/tcp/m-0/8008");
                break;
            } catch {
                if (Date.now() > deadline) throw new Error(`the stand-in member never answered: ${docker("logs", member)}`);
            }
        }
        await expect(haproxyReloadHandlers.apply({ containerId: lbId, config: slowCfg, timeoutSeconds: 30, awaitRoutable: "primary" })).resolves.toBe("unchanged");
        expect(state()).toMatch(/ primary \d+ m-0 \S+ 2 0 /);
    });

    it("names the listener that never gets a server", async () => {
        docker("stop", "-t", "0", member);
        // Once HAProxy has it DOWN by `fall` failed checks, every server is settled: only the listener waits.
        for (const deadline = Date.now() + 30_000; !/ primary \d+ m-0 \S+ 0 0 /.test(state()); execFileSync("sleep", ["0.5"])) {
            if (Date.now() > deadline) throw new Error(`HAProxy never marked m-0 DOWN: ${state()}`);
        }
        await expect(haproxyReloadHandlers.apply({ containerId: lbId, config: slowCfg, timeoutSeconds: 3, awaitRoutable: "primary" }))
            .rejects.toThrow(/primary listener has no server passing its check after 3 s/);
    });
});
