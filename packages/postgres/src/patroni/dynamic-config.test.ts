import * as http from "http";
import { FakeMember, isWake, startFakePatroni } from "../../../../test/support/fake-patroni";
import { reconcile } from "./dynamic-config";

// PatroniDynamicConfig's steps against a stand-in for Patroni's REST API (the same one the
// Kubernetes reconcile Job's script is tested against); the live cluster is test/e2e/ha-cluster.

describe("PatroniDynamicConfig reconcile", () => {
    let server: http.Server | undefined;
    afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    const cluster = (): FakeMember[] => [
        { name: "pg-0", role: "replica", state: "running" },
        { name: "pg-1", role: "leader", state: "running" },
        { name: "pg-2", role: "replica", state: "streaming" },
    ];
    const run = async (members: FakeMember[], live: Record<string, any>, want: Record<string, unknown>, o?: Parameters<typeof startFakePatroni>[2], timeoutSeconds = 20) => {
        const fake = await startFakePatroni(members, live, o);
        server = fake.server;
        const inputs = { members: members.map((m) => ({ name: m.name, restUrl: `${fake.base}/${m.name}` })), username: "patroni", password: "api-pw", config: want, timeoutSeconds };
        return { calls: fake.calls, callTimes: fake.callTimes, result: await reconcile(inputs).then(() => "done", (e: Error) => e.message) };
    };

    it("waits until every member applied the PATCH, then restarts the pending ones, replicas before the leader", async () => {
        const live = { ttl: 30, loop_wait: 1, postgresql: { parameters: { max_connections: 100 } } };
        const want = { postgresql: { parameters: { max_connections: 200 } } };
        // HA cycles slower than loop_wait, as on a loaded machine: members show pending_restart only seconds after the PATCH.
        const { calls, result } = await run(cluster(), live, want, { cycleMs: 2100 });
        expect(result).toBe("done");
        expect(calls.filter((c) => c.method === "PATCH")).toEqual([{ method: "PATCH", member: "pg-0", path: "/config", body: want, authorized: true }]);
        const restarts = calls.filter((c) => c.method === "POST");
        expect(restarts.map((c) => c.member)).toEqual(["pg-0", "pg-2", "pg-1"]);
        expect(restarts.every((c) => c.authorized && c.body.restart_pending === true)).toBe(true);
        // Only GET /patroni between the PATCH and the first restart: /cluster and /config would stamp dcs_last_seen themselves.
        const between = calls.slice(calls.findIndex((c) => c.method === "PATCH") + 1, calls.indexOf(restarts[0]));
        expect(new Set(between.map((c) => c.path))).toEqual(new Set(["/patroni"]));
    }, 30000);

    it("names a permanent slot the stack dropped with null, so PATCH /config removes it", async () => {
        const slot = { type: "logical", database: "appdb", plugin: "pgoutput" };
        const { calls, result } = await run(cluster(), { ttl: 30, slots: { a: slot, b: slot } }, { ttl: 30, slots: { b: slot } });
        expect(result).toBe("done");
        expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([{ ttl: 30, slots: { b: slot, a: null } }]);
    }, 30000);

    it("wakes the leader with a PATCH that changes nothing while the replicas wait for its loop, and patches nothing else", async () => {
        const live = { ttl: 30, loop_wait: 10 };
        const startedAt = Date.now();
        const { calls, result } = await run(cluster(), { ...live }, { ...live }, { streamsOnceWoken: true }, 5);
        expect(result).toBe("done");
        expect(Date.now() - startedAt).toBeLessThan(3000);
        const nonGet = calls.filter((c) => c.method !== "GET");
        expect(nonGet.length).toBeGreaterThan(0);
        expect(nonGet.every((c) => isWake(c, "pg-1") && c.authorized)).toBe(true);
    }, 30000);

    it("tries PATCH /config again while no member answers it (Patroni cannot read the DCS), until one takes it", async () => {
        const want = { ttl: 20 };
        const { calls, result } = await run(cluster(), { ttl: 30 }, want, { dropPatches: 4 });
        expect(result).toBe("done");
        // Three members without an answer, then the first again, then the second takes it.
        expect(calls.filter((c) => c.method === "PATCH").map((c) => c.member)).toEqual(["pg-0", "pg-1", "pg-2", "pg-0", "pg-1"]);
    }, 30000);

    it("leaves an up-to-date document alone", async () => {
        const { calls, result } = await run(cluster(), { ttl: 30, postgresql: { parameters: { max_connections: "200" } } }, { ttl: "30", postgresql: { parameters: { max_connections: 200 } } });
        expect(result).toBe("done");
        expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
    });

    it("in synchronous mode returns only once /sync names a standby, and fails saying so when none is named", async () => {
        const live = { ttl: 30, synchronous_mode: true };
        const startedAt = Date.now();
        expect((await run(cluster(), { ...live }, { ...live }, { syncAfterMs: 2500 })).result).toBe("done");
        expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2000);
        await new Promise<void>((r) => server!.close(() => r()));
        server = undefined;
        const { calls, result } = await run(cluster(), { ...live }, { ...live }, { namesSyncStandby: false }, 3);
        expect(result).toBe("Patroni cluster not ready after 3s: pg-1 has no synchronous standby in /sync yet, so no replica could take over without loss");
        // Nothing but wakes of the leader, whose loop writes /sync.
        expect(calls.filter((c) => c.method !== "GET" && !isWake(c, "pg-1"))).toEqual([]);
    }, 30000);

    it("fails naming the member that never applies the change, and restarts nothing", async () => {
        const { calls, result } = await run(cluster(), { postgresql: { parameters: { max_connections: 100 } } }, { postgresql: { parameters: { max_connections: 200 } } }, { frozen: ["pg-2"] }, 3);
        expect(result).toBe("Patroni members did not apply the configuration in 3s: pg-2 has run 0 of 2 HA cycles since the change");
        expect(calls.filter((c) => c.method === "POST")).toEqual([]);
    }, 30000);

    // Members that loaded failsafe_mode off refuse the leader's POST /failsafe; a leader that cannot
    // read the DCS then demotes itself (docs/reliability.md, finding 10).
    it("switches failsafe_mode off only once every member reads the DCS", async () => {
        const { calls, callTimes, result } = await run(cluster(), { failsafe_mode: true }, { failsafe_mode: false }, { frozen: ["pg-1"], frozenForMs: 1500 });
        expect(result).toBe("done");
        const patches = calls.map((c, i) => ({ c, at: callTimes[i] })).filter(({ c }) => c.method === "PATCH" && !isWake(c, "pg-1"));
        expect(patches.map(({ c }) => c)).toEqual([{ method: "PATCH", member: "pg-0", path: "/config", body: { failsafe_mode: false }, authorized: true }]);
        // pg-1 reads the DCS from 1.5 s on, and two of its cycles (300 ms each) must have passed.
        expect(patches[0].at).toBeGreaterThanOrEqual(1500 + 300);
    }, 30000);

    it("leaves failsafe_mode on, and says why, while a member does not read the DCS", async () => {
        const { calls, result } = await run(cluster(), { failsafe_mode: true }, { failsafe_mode: false }, { frozen: ["pg-1"] }, 3);
        expect(result).toBe("Patroni members did not all read the DCS, so failsafe_mode stays on (switching it off would demote a leader that cannot reach the DCS) in 3s: pg-1 has run 0 of 2 HA cycles since the change");
        expect(calls.filter((c) => c.method === "PATCH" && !isWake(c, "pg-1"))).toEqual([]);
    }, 30000);
});
