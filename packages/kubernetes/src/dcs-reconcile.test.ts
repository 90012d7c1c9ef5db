import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { FakeMember as Member, isWake, startFakePatroni } from "../../../test/support/fake-patroni";
import { SCRIPTS_DIR } from "./dcs-reconcile";

// The reconcile Job's script, run with the real python3 against a stand-in for Patroni's REST API
// (test/support/fake-patroni). The cluster-side run is the e2e step.

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

    const start = async (members: Member[], config: Record<string, any>, o?: Parameters<typeof startFakePatroni>[2]) => {
        const fake = await startFakePatroni(members, config, o);
        server = fake.server;
        return fake;
    };
    const cluster = (): Member[] => [
        { name: "main-0", role: "replica", state: "running" },
        { name: "main-1", role: "leader", state: "running" },
        { name: "main-2", role: "replica", state: "streaming" },
    ];

    it("patches a differing document with credentials, waits until every member applied it, then restarts replicas before the leader", async () => {
        const members = cluster();
        const live = { ttl: 30, loop_wait: 1, postgresql: { parameters: { max_connections: 100 } } };
        // HA cycles slower than loop_wait (a loaded machine): a fixed loop_wait + 1 s sleep saw no member pending yet.
        const { calls, base } = await start(members, live, { cycleMs: 2100 });
        const want = { ttl: 30, postgresql: { parameters: { max_connections: "200" } } };
        const { code, out } = await runScript(base, members, want, 20);
        expect({ code, out }).toMatchObject({ code: 0 });
        const patches = calls.filter((c) => c.method === "PATCH");
        expect(patches).toEqual([{ method: "PATCH", member: "main-0", path: "/config", body: want, authorized: true }]);
        const restarts = calls.filter((c) => c.method === "POST");
        expect(restarts.map((c) => c.member)).toEqual(["main-0", "main-2", "main-1"]);
        expect(restarts.every((c) => c.authorized && c.body.restart_pending === true)).toBe(true);
    }, 30000);

    it("names a permanent slot the stack dropped with null, as PATCH /config needs to remove it (@pgscale/core dcsPatch)", async () => {
        const members = cluster();
        const slot = { type: "logical", database: "appdb", plugin: "pgoutput" };
        const { calls, base } = await start(members, { ttl: 30, slots: { a: slot, b: slot } });
        const { code, out } = await runScript(base, members, { ttl: 30, slots: { b: slot } }, 20);
        expect({ code, out }).toMatchObject({ code: 0 });
        expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ ttl: 30, slots: { b: slot, a: null } }]);
        // A document without slots, and a stack that declares none: nothing to patch.
        calls.splice(0);
        const again = await runScript(base, members, { ttl: 30, slots: {} }, 20);
        expect(again.code).toBe(0);
        expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ ttl: 30, slots: { b: null } }]);
    }, 60000);

    it("wakes the leader with a PATCH that changes nothing while the replicas wait for its loop, and patches nothing else", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { ttl: 30, loop_wait: 10 }, { streamsOnceWoken: true });
        const startedAt = Date.now();
        const { code, out } = await runScript(base, members, { ttl: 30, loop_wait: 10 }, 8);
        expect({ code, out }).toMatchObject({ code: 0 });
        expect(Date.now() - startedAt).toBeLessThan(6000);
        const nonGet = calls.filter((c) => c.method !== "GET");
        expect(nonGet.length).toBeGreaterThan(0);
        expect(nonGet.every((c) => isWake(c, "main-1") && c.authorized)).toBe(true);
    }, 30000);

    it("tries PATCH /config again while no member answers it (Patroni cannot read the DCS), until one takes it", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { ttl: 30 }, { dropPatches: 4 });
        const { code, out } = await runScript(base, members, { ttl: 20 }, 20);
        expect({ code, out }).toMatchObject({ code: 0 });
        expect(calls.filter((c) => c.method === "PATCH").map((c) => c.member)).toEqual(["main-0", "main-1", "main-2", "main-0", "main-1"]);
    }, 30000);

    it("leaves an up-to-date document alone (numbers and booleans as Patroni reports them)", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { ttl: 30, synchronous_mode: "true", postgresql: { parameters: { max_connections: "200" } } });
        const { code } = await runScript(base, members, { ttl: "30", synchronous_mode: true, postgresql: { parameters: { max_connections: 200 } } }, 20);
        expect(code).toBe(0);
        expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
    }, 30000);

    it("in synchronous mode returns only once /sync names a standby, and fails saying so when none is named", async () => {
        const live = { ttl: 30, synchronous_mode: true };
        const named = await start(cluster(), { ...live }, { syncAfterMs: 2500 });
        const startedAt = Date.now();
        expect((await runScript(named.base, cluster(), { ...live }, 20)).code).toBe(0);
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
        await new Promise<void>((r) => server!.close(() => r()));
        const never = await start(cluster(), { ...live, synchronous_mode: "quorum" }, { namesSyncStandby: false });
        const { code, out } = await runScript(never.base, cluster(), { ...live, synchronous_mode: "quorum" }, 3);
        expect(code).toBe(1);
        expect(out).toMatch(/not ready after 3s: .*no synchronous standby in \/sync yet/);
        // Nothing but wakes of the leader, whose loop writes /sync.
        expect(never.calls.filter((c) => c.method !== "GET" && !isWake(c, "main-1"))).toEqual([]);
    }, 30000);

    it("fails, without patching, when the replicas never stream", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { ttl: 30 }, { streaming: 1 });
        const { code, out } = await runScript(base, members, { ttl: 40 }, 3);
        expect(code).toBe(1);
        expect(out).toMatch(/not ready after 3s: .*1\/2 replicas streaming/);
        expect(calls.filter((c) => c.method !== "GET" && !isWake(c, "main-1"))).toEqual([]);
    }, 30000);

    it("fails naming the member that never applies the change, and restarts nothing", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { ttl: 30, postgresql: { parameters: { max_connections: 100 } } }, { frozen: ["main-2"] });
        const { code, out } = await runScript(base, members, { postgresql: { parameters: { max_connections: 200 } } }, 3);
        expect(code).toBe(1);
        expect(out).toMatch(/did not apply the configuration in 3s: main-2\n/);
        expect(calls.filter((c) => c.method === "POST")).toEqual([]);
    }, 30000);

    // Members that loaded failsafe_mode off refuse the leader's POST /failsafe; a leader that cannot
    // read the DCS then demotes itself (docs/reliability.md, finding 10).
    it("switches failsafe_mode off only once every member reads the DCS", async () => {
        const members = cluster();
        const { calls, callTimes, base } = await start(members, { failsafe_mode: true }, { frozen: ["main-1"], frozenForMs: 1500 });
        const { code, out } = await runScript(base, members, { failsafe_mode: false }, 20);
        expect({ code, out }).toMatchObject({ code: 0 });
        const patches = calls.map((c, i) => ({ c, at: callTimes[i] })).filter(({ c }) => c.method === "PATCH" && !isWake(c, "main-1"));
        expect(patches.map(({ c }) => c)).toEqual([{ method: "PATCH", member: "main-0", path: "/config", body: { failsafe_mode: false }, authorized: true }]);
        expect(patches[0].at).toBeGreaterThanOrEqual(1500 + 300);
    }, 30000);

    it("leaves failsafe_mode on, and says why, while a member does not read the DCS", async () => {
        const members = cluster();
        const { calls, base } = await start(members, { failsafe_mode: true }, { frozen: ["main-1"] });
        const { code, out } = await runScript(base, members, { failsafe_mode: false }, 3);
        expect(code).toBe(1);
        expect(out).toMatch(/did not all read the DCS, so failsafe_mode stays on \(switching it off would demote a leader that cannot reach the DCS\) in 3s: main-1\n/);
        expect(calls.filter((c) => c.method === "PATCH" && !isWake(c, "main-1"))).toEqual([]);
    }, 30000);
});
