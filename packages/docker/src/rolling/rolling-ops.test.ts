import * as http from "http";
import * as net from "net";
import { resumeIfPaused } from "./rolling-ops";

// A member that is starting: its published port accepts and drops connections (as Docker's proxy
// does before Patroni listens) for the first requests, then Patroni answers.
function startingMember(dropFirst: number, paused: boolean) {
    const seen: Array<{ method: string; path: string; body: string }> = [];
    let dropped = 0;
    const api = http.createServer((req, res) => {
        let body = "";
        req.on("data", (c) => (body += c));
        req.on("end", () => {
            seen.push({ method: req.method!, path: req.url!, body });
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ members: [{ name: "pg-0", role: "leader", state: "running" }], ...(paused ? { pause: true } : {}) }));
        });
    });
    const front = net.createServer((socket) => {
        if (dropped++ < dropFirst) socket.destroy();
        else api.emit("connection", socket);
    });
    return { front, seen };
}

async function listen(server: net.Server): Promise<string> {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe("resumeIfPaused (the settled gate of a new cluster)", () => {
    const servers: net.Server[] = [];
    afterAll(() => servers.forEach((s) => s.close()));
    const ctx = (restUrl: string) => ({ discover: async () => [{ name: "pg-0", restUrl }], auth: { username: "patroni", password: "api-pw" }, timeoutSeconds: 5 });

    it("waits for a starting member to answer, then leaves the maintenance mode a failed teardown left", async () => {
        const m = startingMember(3, true);
        servers.push(m.front);
        await resumeIfPaused(ctx(await listen(m.front)), 10_000);
        expect(m.seen.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /cluster", "GET /patroni", "PATCH /config"]);
        expect(JSON.parse(m.seen[2].body)).toEqual({ pause: false });
    });

    it("returns after one answer when the cluster is not paused", async () => {
        const m = startingMember(0, false);
        servers.push(m.front);
        const t0 = Date.now();
        await resumeIfPaused(ctx(await listen(m.front)), 10_000);
        expect(m.seen.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /cluster", "GET /patroni"]); // the view: /cluster, then the leader's walsenders
        expect(Date.now() - t0).toBeLessThan(1000);
    });

    it("gives up after its bound when no member answers", async () => {
        const t0 = Date.now();
        await resumeIfPaused({ ...ctx(""), discover: async () => [] }, 600);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
    });
});
