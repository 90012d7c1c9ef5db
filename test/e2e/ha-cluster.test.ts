// The HA topology for real: `pulumi up` on the local engine, then assertions through the exported
// URIs and the engine itself. One stack, steps in order, torn down at the end.
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, docker, dockerObjectsOfStack, fixtureStack, plainOutputs, storedState, uniqueStackName } from "../support/stack";
import { Pool, asSuperuser, eventually, query } from "../support/pg";
import { describeCluster, killLeaderAndRejoin, notableLogLines } from "../support/failover";
import { isLeaderRole, libpqCompatible, sleep } from "@pgscale/core";
import { leaderName, restCall } from "../support/patroni";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    replicaUri: string;
    clusterPrimaryUri: string;
    clusterReplicaUri: string;
    poolerUri: string;
    poolerAdminUri: string;
    superuserPassword: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
}

describe("PatroniCluster on Docker", () => {
    const name = uniqueStackName("ha");
    let stack: Stack | undefined;
    let out: Outputs;
    const quiet = { onOutput: () => undefined };

    async function up(config: Record<string, string>): Promise<void> {
        for (const [k, v] of Object.entries(config)) await stack!.setConfig(k, { value: v });
        const res = await stack!.up(quiet);
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
    }
    const streamingReplicas = async () =>
        Number((await query(asSuperuser(out.primaryUri, out.superuserPassword), "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'"))[0].n);

    /** Server addresses behind replicaUri over a dozen fresh connections (round-robin). */
    const replicaAddresses = async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 12; i++) seen.add(String((await query(out.replicaUri, "SELECT inet_server_addr() AS a"))[0].a));
        return seen;
    };
    /** A fresh connection and one INSERT every 200 ms until stopped; every error is kept. */
    function backgroundWrites(uri: string) {
        let running = true;
        const tally = { ok: 0, errors: [] as string[] };
        const loop = (async () => {
            await query(uri, "CREATE TABLE IF NOT EXISTS reload_probe (at timestamptz)");
            while (running) {
                try {
                    await query(uri, "INSERT INTO reload_probe VALUES (now())");
                    tally.ok++;
                } catch (e) {
                    // When: to read beside HAProxy's log (below).
                    tally.errors.push(`${new Date().toISOString()} ${(e as Error).message}`);
                }
                await sleep(200);
            }
        })();
        return { stop: async () => ((running = false), await loop, tally) };
    }

    beforeAll(async () => {
        stack = await fixtureStack("ha", name);
        await up({ nodes: "3", workMem: "4MB" });
    });
    afterAll(async () => destroyAndRemove(stack));

    it("writes through primaryUri and reads from a replica through replicaUri", async () => {
        // Which URI failed, when one does: pg's "Connection terminated unexpectedly" names none
        // (seen once in a rehearsal, right after up; not reproduced since).
        const via = <T>(label: string, p: Promise<T>) => p.catch((e: Error) => { throw new Error(`${label}: ${e.message}`); });
        await via("primaryUri", query(out.primaryUri, "CREATE TABLE t (id int primary key, note text)"));
        await via("primaryUri", query(out.primaryUri, "INSERT INTO t VALUES (1, 'first')"));
        const [primary] = await via("primaryUri", query(out.primaryUri, "SELECT pg_is_in_recovery() AS r, current_user AS u"));
        expect(primary).toEqual({ r: false, u: "app" });
        const replica = await eventually(async () => {
            const [row] = await query(out.replicaUri, "SELECT pg_is_in_recovery() AS r, (SELECT note FROM t WHERE id = 1) AS note");
            return row.note ? row : undefined;
        }, 15000, "row replicated");
        expect(replica).toEqual({ r: true, note: "first" });
        expect(await via("streamingReplicas", streamingReplicas())).toBe(2);
        // The same through the cluster's own URIs (its router).
        expect(await via("clusterPrimaryUri", query(out.clusterPrimaryUri, "SELECT pg_is_in_recovery() AS r, current_user AS u"))).toEqual([{ r: false, u: "app" }]);
        expect(await via("clusterReplicaUri", query(out.clusterReplicaUri, "SELECT pg_is_in_recovery() AS r, (SELECT note FROM t WHERE id = 1) AS note"))).toEqual([{ r: true, note: "first" }]);
    });

    it("keeps secrets out of the stored state and the containers' labels and environment", async () => {
        const password = new URL(out.primaryUri).password;
        expect(storedState(stack!)).not.toContain(password);
        for (const m of out.members) {
            const inspect = docker("inspect", m.container);
            expect(inspect).not.toContain(password);
            expect(JSON.parse(inspect)[0].Config.User).toBe("postgres");
        }
        // Host ports are on loopback only.
        const ports = JSON.parse(docker("inspect", out.members[0].container))[0].HostConfig.PortBindings;
        for (const bindings of Object.values(ports) as Array<Array<{ HostIp: string }>>) {
            for (const b of bindings) expect(b.HostIp).toBe("127.0.0.1");
        }
    });

    it("serves 500 concurrent clients through PgBouncer with at most the pool size of server connections", async () => {
        const clients = new Pool({ connectionString: libpqCompatible(out.poolerUri), max: 500, connectionTimeoutMillis: 30000 });
        try {
            const results = await Promise.allSettled(
                Array.from({ length: 500 }, (_, i) => clients.query("SELECT $1::int AS i, pg_sleep(0.05)", [i])),
            );
            const failed = results.filter((r) => r.status === "rejected");
            expect(failed).toHaveLength(0);
            const [server] = await query(out.primaryUri, "SELECT count(*) AS n FROM pg_stat_activity WHERE usename = 'app' AND backend_type = 'client backend' AND pid <> pg_backend_pid()");
            // default_pool_size 20 (+ no reserve): PgBouncer never opened more server connections.
            expect(Number(server.n)).toBeLessThanOrEqual(20);
            const pools = await query(out.poolerAdminUri, "SHOW POOLS");
            const app = pools.find((p: any) => p.database === "appdb");
            expect(Number(app.sv_active) + Number(app.sv_idle) + Number(app.sv_used) + Number(app.sv_tested) + Number(app.sv_login)).toBeLessThanOrEqual(20);
        } finally {
            await clients.end();
        }
    });

    it("applies a DCS parameter change in place, as an update and not a replacement", async () => {
        await stack!.setConfig("workMem", { value: "8MB" });
        const preview = await stack!.preview(quiet);
        expect(preview.changeSummary.replace ?? 0).toBe(0);
        expect(preview.changeSummary.update).toBeGreaterThanOrEqual(1);
        const before = await query(out.primaryUri, "SELECT pg_postmaster_start_time() AS t");
        await up({});
        const [row] = await query(out.primaryUri, "SHOW work_mem");
        expect(row.work_mem).toBe("8MB");
        const [replicaRow] = await query(out.replicaUri, "SHOW work_mem");
        expect(replicaRow.work_mem).toBe("8MB");
        // work_mem needs no restart: the primary kept running.
        expect((await query(out.primaryUri, "SELECT pg_postmaster_start_time() AS t"))[0].t).toEqual(before[0].t);
    });

    it("restarts every member for a parameter that needs it (shared_buffers), replicas before the leader", async () => {
        type Status = { name: string; role: string; postmaster_start_time: string; pending_restart?: boolean };
        const statuses = () => Promise.all(out.members.map(async (m): Promise<Status> => ({ name: m.name, ...((await restCall(m.restUrl, "/patroni")).body as Omit<Status, "name">) })));
        const startedBefore = new Map((await statuses()).map((s) => [s.name, s.postmaster_start_time]));
        await up({ sharedBuffers: "96MB" });
        const after = await statuses();
        expect(after.filter((s) => s.pending_restart).map((s) => s.name)).toEqual([]);
        expect(after.filter((s) => s.postmaster_start_time === startedBefore.get(s.name)).map((s) => s.name)).toEqual([]);
        const leader = after.find((s) => isLeaderRole(s.role))!;
        // Same format from every member, so the strings order as the times do.
        for (const replica of after.filter((s) => s !== leader)) expect(replica.postmaster_start_time < leader.postmaster_start_time).toBe(true);
        expect((await query(out.primaryUri, "SHOW shared_buffers"))[0].shared_buffers).toBe("96MB");
        expect((await query(out.replicaUri, "SHOW shared_buffers"))[0].shared_buffers).toBe("96MB");
        expect(await streamingReplicas()).toBe(2);
    });

    it("scales 3 -> 4 (a new replica streams) and back to 3 without losing the primary", async () => {
        // HAProxy is reloaded in place, not replaced: its container, host ports and sessions stay,
        // and writes through primaryUri never land on a replica while it reloads.
        const lbId = () => docker("inspect", "-f", "{{.Id}}", dockerObjectsOfStack(name).containers.find((c) => c.endsWith("-lb"))!);
        const lbBefore = lbId();
        const uriBefore = out.primaryUri;
        const leaderBefore = await leaderName(out.members.map((m) => m.restUrl));
        const session = new Pool({ connectionString: libpqCompatible(out.primaryUri), max: 1 });
        const writer = backgroundWrites(out.primaryUri);
        try {
            await session.query("SELECT 1");
            await stack!.setConfig("nodes", { value: "4" });
            const preview = await stack!.preview(quiet);
            expect(preview.changeSummary.replace ?? 0).toBe(0);
            await up({ nodes: "4" });
            expect(out.members).toHaveLength(4);
            expect(await streamingReplicas()).toBe(3);
            expect(out.primaryUri).toBe(uriBefore);
            expect(lbId()).toBe(lbBefore);
            expect(await leaderName(out.members.map((m) => m.restUrl))).toBe(leaderBefore);
            expect((await session.query("SELECT 2 AS n")).rows[0].n).toBe(2);
            await eventually(async () => (await replicaAddresses()).size === 3, 30000, "reads spread over 3 replicas");
            await query(out.primaryUri, "INSERT INTO t VALUES (2, 'while 4 nodes')");
            await up({ nodes: "3" });
            expect(out.members).toHaveLength(3);
            expect(out.primaryUri).toBe(uriBefore);
            expect(lbId()).toBe(lbBefore);
            expect(dockerObjectsOfStack(name).containers.filter((c) => /-pg-\d+$/.test(c))).toHaveLength(3);
            expect(await leaderName(out.members.map((m) => m.restUrl))).toBe(leaderBefore);
            const rows = await query(out.primaryUri, "SELECT count(*) AS n FROM t");
            expect(Number(rows[0].n)).toBe(2);
            await eventually(async () => (await streamingReplicas()) === 2, 30000, "2 replicas streaming after scale-down");
            expect((await replicaAddresses()).size).toBe(2);
        } finally {
            await session.end();
            const w = await writer.stop();
            if (w.errors.length) {
                // Which server HAProxy routed each failed write to, or that none was UP (seen once in a
                // rehearsal: two writes cut during the scale-up, cause not found from the test's output).
                const lb = dockerObjectsOfStack(name).containers.find((c) => c.endsWith("-lb"));
                let log = "";
                try {
                    log = lb ? docker("logs", "--timestamps", "--tail", "400", lb) : "(no lb container)";
                } catch (e) {
                    log = `(docker logs failed: ${(e as Error).message})`;
                }
                // And what Patroni did meanwhile: the leader's history and each member's notable lines.
                const history = await restCall(out.members[0].restUrl, "/history").then((r) => r.text, (e: Error) => e.message);
                const notable = out.members.map((m) =>
                    notableLogLines(m.container, /demot|lock|leader|promot|fail|error|timeout|retry/i, { last: 40, label: m.name, timestamps: true })).join("\n");
                console.log(`failed writes through primaryUri: ${JSON.stringify(w.errors)}\nHAProxy's log:\n${log}\nPatroni history: ${history}\n${notable}\n${await describeCluster(out.members)}`);
            }
            expect(w.ok).toBeGreaterThan(20);
            expect(w.errors).toEqual([]);
        }
    });

    it("fails over after SIGKILL of the primary, and the old primary rejoins as a replica", async () => {
        const { oldLeader, outageSeconds, newLeader } = await killLeaderAndRejoin(out, { sql: "INSERT INTO t VALUES ($1, 'after failover') ON CONFLICT DO NOTHING", params: [3] });
        // Up to ttl (20) for the leader key to expire, a loop (2), promotion and HAProxy's checks:
        // ~30 s nominal; a bound, not a benchmark (a loaded CI machine stretches each step).
        expect(outageSeconds).toBeLessThan(60);
        expect(newLeader).not.toBe(oldLeader);
        await eventually(async () => (await streamingReplicas()) === 2, 60000, "2 replicas streaming after rejoin");
        const [row] = await query(out.primaryUri, "SELECT count(*) AS n FROM t");
        expect(Number(row.n)).toBe(3);
        // The cluster's own URIs follow the new leader too (its router checks Patroni as HAProxyFrontend does).
        expect(await query(out.clusterPrimaryUri, "SELECT pg_is_in_recovery() AS r, count(*)::int AS n FROM t")).toEqual([{ r: false, n: 3 }]);
        await eventually(async () => (await query(out.clusterReplicaUri, "SELECT pg_is_in_recovery() AS r"))[0].r === true, 30000, "a replica behind clusterReplicaUri");
    });

    it("destroys everything it created", async () => {
        const down = await stack!.destroy(quiet);
        expect(down.summary.result).toBe("succeeded");
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
