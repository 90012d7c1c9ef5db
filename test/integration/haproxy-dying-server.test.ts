// What a client meets when it dials the primary listener while the primary dies: real HAProxy
// (pgscale/haproxy, 3.0.11 from trixie) with pgscale's rendered configuration and check timings, in
// front of a stand-in member answering Patroni's /primary and PostgreSQL's SSLRequest. The member
// is SIGKILLed (its address vanishes, as a killed container's does) and clients dial every 0.1 s
// for the next 12 s, across the moment HAProxy marks it DOWN.
//
// HAProxy 3.0.11 holds a client whose server connection was still being attempted (or waiting
// to be retried) when `on-marked-down shutdown-sessions` fired: the server side is closed, the
// client's stays open with nothing scheduled to end it, past `timeout client`. With pgscale's
// former `retries 2` / `timeout connect 4s` that was every client that dialled between the kill and
// the mark-down; with `retries 0` / `timeout connect 1s` it is those that dialled in the last second
// before it. (A short `timeout client` with a `timeout tunnel` changes nothing; without
// shutdown-sessions none is held, but sessions established to a dead primary then stay open.) Nor
// can the runtime API end one: `shutdown session` returns early on a stream whose server side is
// shut. So every client needs a connect timeout of its own (docs/reliability.md); PostgreSQL's
// replication workers, which apply none, are ended by each member's watchdog
// (replication-connect-watchdog.ts). This test pins the behaviour: when an HAProxy without it
// arrives, it fails, and the docs must change with it.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { DEFAULT_CHECK, DEFAULT_IMAGES, HAPROXY_RUNTIME, haproxyStatsAuth, renderHaproxyCfg, sleep } from "@pgscale/core";
import { ensureImage } from "@pgscale/docker";

jest.setTimeout(180_000);

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const tag = `pgscale-it-dying-${process.pid}`;
const netName = `${tag}-net`;
const lb = `${tag}-lb`;
const member = `${tag}-m`;

// The member: 5432 answers an SSLRequest with "N" (as PostgreSQL without TLS) and keeps the
// session open; 8008 answers Patroni's /primary with 200.
const MEMBER = `
import socket, threading, http.server
def serve():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 5432)); s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=lambda c=c: (c.recv(8), c.sendall(b"N"), c.recv(1)), daemon=True).start()
threading.Thread(target=serve, daemon=True).start()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/primary" else 503); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("0.0.0.0", 8008), H).serve_forever()
`;

/**
 * Dials, sends an SSLRequest and waits: "answered" (the member said N), "closed" after s seconds, or
 * "held" past the limit; `start` is when it dialled (a timer set for a time fires late under load).
 */
function dial(port: number, limitMs: number): Promise<{ outcome: "answered" | "closed" | "held"; seconds: number; start: number }> {
    const start = Date.now();
    return new Promise((resolve) => {
        const done = (outcome: "answered" | "closed" | "held") => {
            clearTimeout(timer);
            socket.destroy();
            resolve({ outcome, seconds: (Date.now() - start) / 1000, start });
        };
        const socket = net.connect(port, "127.0.0.1", () => socket.write(Buffer.from([0, 0, 0, 8, 4, 210, 22, 47])));
        socket.on("data", () => done("answered"));
        socket.on("close", () => done("closed"));
        socket.on("error", () => undefined); // a reset ends in close
        const timer = setTimeout(() => done("held"), limitMs);
    });
}

let port: number;

beforeAll(async () => {
    await ensureImage({ name: "haproxy" });
    await ensureImage({ name: "patroni" });
    docker("network", "create", "--label", "pgscale.test=haproxy-dying", netName);
    docker("run", "-d", "--name", member, "--network", netName, "--network-alias", "m-0", "--label", "pgscale.test=haproxy-dying",
        "--cap-drop", "ALL", "--entrypoint", "python3", DEFAULT_IMAGES.patroni, "-c", MEMBER);
    // pgscale's default checks: every 2 s (1 s once failing), DOWN after 3 failures.
    const cfg = renderHaproxyCfg({
        nodes: [{ name: "m-0", host: "m-0", pgPort: 5432, apiPort: 8008 }],
        ports: { primary: 5000, replicas: 5001, stats: 7000 },
        check: DEFAULT_CHECK,
        maxConnections: 100,
        idleTimeoutSeconds: 1800,
        statsAuth: haproxyStatsAuth("integration-stats-password"),
    });
    docker("create", "--name", lb, "--network", netName, "--label", "pgscale.test=haproxy-dying", "--cap-drop", "ALL", "-p", "127.0.0.1::5000", DEFAULT_IMAGES.haproxy);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-haproxy-")), "haproxy.cfg");
    fs.writeFileSync(file, cfg, { mode: 0o644 });
    docker("cp", file, `${lb}:/etc/haproxy/haproxy.cfg`);
    docker("start", lb);
    port = Number(docker("port", lb, "5000/tcp").split("\n")[0].split(":").pop());
    for (const deadline = Date.now() + 60_000; (await dial(port, 2000)).outcome !== "answered"; await sleep(500)) {
        if (Date.now() > deadline) throw new Error(`the primary listener never reached the member: ${docker("logs", lb)}`);
    }
});
afterAll(() => {
    execFileSync("docker", ["rm", "-f", lb, member], { stdio: "ignore" });
    execFileSync("docker", ["network", "rm", netName], { stdio: "ignore" });
});

it("holds a client whose connect was in progress when its server was marked DOWN; closes the others", async () => {
    docker("kill", "--signal", "KILL", member);
    const killedAt = Date.now();
    const dials: Array<Promise<{ at: number; outcome: string; seconds: number }>> = [];
    // HAProxy marks it DOWN some 5-9 s after the kill (three failed checks, each waiting out its timeout).
    // `at`: seconds from the kill to when each client dialled.
    for (let at = 0; at <= 12_000; at += 100) {
        dials.push(sleep(at).then(() => dial(port, 20_000)).then((r) => ({ ...r, at: (r.start - killedAt) / 1000 })));
    }
    // Once HAProxy marked the member DOWN, its runtime API lists the held streams (client side
    // established, server side closed) and cannot end them either: `shutdown session` (as
    // shutdown-sessions) returns early on a stream whose server side is already shut, so nothing
    // short of the client giving up ends it.
    for (const deadline = Date.now() + 20_000; !/Server primary\/m-0 is DOWN/.test(docker("logs", lb)); await sleep(200)) {
        if (Date.now() > deadline) throw new Error(`HAProxy never marked the member DOWN: ${docker("logs", lb)}`);
    }
    await sleep(1000);
    const cli = (command: string) => docker("exec", lb, "bash", "-c", `exec 3<>/dev/tcp/${HAPROXY_RUNTIME.host}/${HAPROXY_RUNTIME.port} && echo "${command}" >&3 && cat <&3`);
    const heldStreams = () => cli("show sess").split("\n").filter((l) => / fe=primary /.test(l) && /scf=\[8,/.test(l) && /scb=\[10,/.test(l)).map((l) => l.split(":")[0]);
    const listed = heldStreams();
    expect(listed.length).toBeGreaterThan(0);
    for (const stream of listed) cli(`shutdown session ${stream}`);
    await sleep(1000);
    expect(heldStreams()).toEqual(listed);
    const results = await Promise.all(dials);
    expect(docker("logs", lb)).toMatch(/Server primary\/m-0 is DOWN/);
    const held = results.filter((r) => r.outcome === "held");
    // Dialled before the mark-down and still connecting (to an address that no longer answers) then.
    expect(held.length).toBe(listed.length);
    // Only those that dialled within `timeout connect` (1 s) before it (with HAProxy's own accept and
    // timers late by up to half a second on a loaded machine; `retries 2` / `timeout connect 4s`
    // held every client of the 4 s and more before it); the others were closed, those before when
    // their connect timed out, those after at once (no server).
    const first = Math.min(...held.map((r) => r.at));
    const last = Math.max(...held.map((r) => r.at));
    expect(last - first).toBeLessThanOrEqual(1.5);
    const closed = results.filter((r) => r.outcome === "closed");
    expect(closed.length + held.length).toBe(results.length);
    expect(closed.filter((r) => r.at < first).length).toBeGreaterThan(0);
    expect(closed.filter((r) => r.at > last).length).toBeGreaterThan(0);
    for (const r of closed) expect({ at: r.at, closedWithin2s: r.seconds <= 2 }).toEqual({ at: r.at, closedWithin2s: true });
});
