import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { SCRIPTS_DIR } from "./dcs-reconcile";

// The reconcile Job's script, run with the real python3 against a stand-in for Patroni's REST API
// (the endpoints and fields Patroni 3.0.2 serves). The cluster-side run is the e2e step.

interface Member { name: string; role: string; state: string; pending_restart?: boolean }

function fakePatroni(members: Member[], config: Record<string, any>, streaming = members.length - 1) {
    const calls: Array<{ method: string; member: string; path: string; body?: any; authorized: boolean }> = [];
    const lagging = new Map<string, number>();
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (c) => (raw += c));
        req.on("end", () => {
            const [, member, ...rest] = (req.url ?? "").split("/");
            const route = "/" + rest.join("/");
            const body = raw ? JSON.parse(raw) : undefined;
            const authorized = req.headers.authorization === "Basic " + Buffer.from("patroni:api-pw").toString("base64");
            calls.push({ method: req.method!, member, path: route, body, authorized });
            const json = (status: number, doc: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(doc));
            if (req.method === "GET" && route === "/cluster") {
                // Like Patroni, /cluster shows a restarted member as pending until its next heartbeat.
                const shown = members.map((m) => ({ ...m, pending_restart: m.pending_restart || (lagging.get(m.name) ?? 0) > 0 }));
                lagging.forEach((n, k) => lagging.set(k, n - 1));
                return json(200, { members: shown });
            }
            if (req.method === "GET" && route === "/patroni") {
                return json(200, { role: "master", replication: Array.from({ length: streaming }, () => ({ state: "streaming" })) });
            }
            if (req.method === "GET" && route === "/config") return json(200, config);
            if (!authorized) return json(401, { error: "no auth" });
            if (req.method === "PATCH" && route === "/config") {
                Object.assign(config, body);
                // A changed max_connections needs a restart on every member.
                members.forEach((m) => (m.pending_restart = true));
                return json(200, config);
            }
            if (req.method === "POST" && route === "/restart") {
                const m = members.find((x) => x.name === member)!;
                if (!m.pending_restart) return json(503, "restart conditions are not satisfied");
                m.pending_restart = false;
                lagging.set(m.name, 2);
                return json(200, { ok: true });
            }
            return json(404, {});
        });
    });
    return { server, calls };
}

async function runScript(base: string, members: Member[], config: Record<string, unknown>, timeoutSeconds: number) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-reconcile-"));
    const jobFile = path.join(dir, "job.json");
    fs.writeFileSync(jobFile, JSON.stringify({
        members: members.map((m) => ({ name: m.name, restUrl: `${base}/${m.name}` })),
        username: "patroni", password: "api-pw", config, timeoutSeconds,
    }));
    const child = spawn("python3", [path.join(SCRIPTS_DIR, "dcs-reconcile.py"), jobFile]);
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    fs.rmSync(dir, { recursive: true });
    return { code, out };
}

describe("dcs-reconcile.py", () => {
    let server: http.Server | undefined;
    afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    const start = async (members: Member[], config: Record<string, any>, streaming?: number) => {
        const fake = fakePatroni(members, config, streaming);
        server = fake.server;
        await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", () => r()));
        return { calls: fake.calls, base: `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}` };
    };
    const cluster = (): Member[] => [
        { name: "main-0", role: "replica", state: "running" },
        { name: "main-1", role: "leader", state: "running" },
        { name: "main-2", role: "replica", state: "streaming" },
    ];

    it("patches a differing document with credentials, then restarts replicas before the leader", async () => {
        const members = cluster();
        const live = { ttl: 30, loop_wait: 1, postgresql: { parameters: { max_connections: 100 } } };
        const { calls, base } = await start(members, live);
        const want = { ttl: 30, postgresql: { parameters: { max_connections: "200" } } };
        const { code, out } = await runScript(base, members, want, 20);
        expect({ code, out }).toMatchObject({ code: 0 });
        const patches = calls.filter((c) => c.method === "PATCH");
        expect(patches).toEqual([{ method: "PATCH", member: "main-0", path: "/config", body: want, authorized: true }]);
        const restarts = calls.filter((c) => c.method === "POST");
        expect(restarts.map((c) => c.member)).toEqual(["main-0", "main-2", "main-1"]);
        expect(restarts.every((c) => c.authorized && c.body.restart_pending === true)).toBe(true);
    }, 30000);

    it("leaves an up-to-date document alone (numbers and booleans as Patroni reports them)", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { ttl: 30, synchronous_mode: "true", postgresql: { parameters: { max_connections: "200" } } });
        const { code } = await runScript(base, members, { ttl: "30", synchronous_mode: true, postgresql: { parameters: { max_connections: 200 } } }, 20);
        expect(code).toBe(0);
        expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
    }, 30000);

    it("fails, without patching, when the replicas never stream", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { ttl: 30 }, 1);
        const { code, out } = await runScript(base, members, { ttl: 40 }, 3);
        expect(code).toBe(1);
        expect(out).toMatch(/not ready after 3s: .*1\/2 replicas streaming/);
        expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
    }, 30000);
});
