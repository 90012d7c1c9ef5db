// @pgscale/testing's startCluster against real containers: the issue's example cluster (3 nodes,
// pooler, synchronous mode), every failure-injection helper, snapshots, prune next to a live
// cluster, and a destroy that leaves nothing behind. Steps run in order on one cluster.
import * as fs from "fs";
import * as path from "path";
import { LABELS, TestCluster, prune, startCluster } from "@pgscale/testing";
import { docker, dockerObjectsOfStack } from "../support/stack";
import { containerLogs } from "../support/leaks";
import { eventually, query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

describe("startCluster", () => {
    let cluster: TestCluster;
    const lines: string[] = [];
    let stateDir: string;

    const streamingReplicas = async () =>
        Number((await query(cluster.superuserUri, "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'"))[0].n);
    const members = async () => Object.fromEntries((await cluster.members()).map((m) => [m.name, `${m.role}/${m.state}`]));

    beforeAll(async () => {
        cluster = await startCluster({ nodes: 3, pooler: true, synchronousMode: true, progress: (l) => lines.push(l) });
        stateDir = cluster.info.stateDir;
    });
    afterAll(async () => cluster?.destroy());

    it("returns plain-string URIs for the primary, the replicas, the synchronous standby and the pooler", async () => {
        for (const uri of [cluster.primaryUri, cluster.replicaUri, cluster.poolerUri, cluster.syncReplicaUri]) {
            expect(typeof uri).toBe("string");
            expect(uri).toMatch(/^postgresql:\/\/app:[A-Za-z0-9]+@127\.0\.0\.1:\d+\/app\?sslmode=verify-full&sslrootcert=\S+postgres-ca\.pem$/);
        }
        await query(cluster.poolerUri!, "CREATE TABLE t (id int PRIMARY KEY)");
        await query(cluster.primaryUri, "INSERT INTO t VALUES (1)");
        expect(await query(cluster.primaryUri, "SELECT pg_is_in_recovery() AS r")).toEqual([{ r: false }]);
        // Synchronous mode waits for the standby's flush, not its replay: poll until a replica shows the row.
        const replica = await eventually(async () => {
            const [row] = await query(cluster.replicaUri, "SELECT pg_is_in_recovery() AS r, (SELECT count(*) FROM t)::int AS n");
            return row.n === 1 ? row : undefined;
        }, 10000, "the row on a replica");
        expect(replica).toEqual({ r: true, n: 1 });
        expect(await query(cluster.syncReplicaUri!, "SELECT pg_is_in_recovery() AS r")).toEqual([{ r: true }]);
        const [sync] = await query(cluster.superuserUri, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE sync_state = 'sync'");
        expect(sync.n).toBe(1);
        expect(await streamingReplicas()).toBe(2);
        expect(cluster.env()).toMatchObject({ PGSCALE_PRIMARY_URI: cluster.primaryUri, PGSCALE_POOLER_URI: cluster.poolerUri });
    });

    it("reported its progress: what it created and what it waited for", () => {
        expect(lines[0]).toMatch(new RegExp(`^starting ${cluster.stackName}: etcd x1, PostgreSQL 17 x3 \\(Patroni, synchronous\\), HAProxy, PgBouncer`));
        for (const c of ["dcs-0", "node-0", "node-1", "node-2", "lb", "pool"]) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^created container ${c} `)));
        expect(lines).toContain("waiting for a Patroni leader and 2 streaming replicas");
        expect(lines).toContainEqual(expect.stringMatching(/^Patroni cluster ready \(\d+\.\d s\)$/));
        expect(lines[lines.length - 1]).toMatch(/^ready in \d+\.\d s: primary 127\.0\.0\.1:\d+/);
    });

    it("gives the cluster its own stack, network and owner labels", () => {
        const objects = dockerObjectsOfStack(cluster.stackName);
        expect(objects.containers).toHaveLength(6);
        expect(objects.networks).toEqual([`pgscale-testing-${cluster.stackName}-dcs-net`]);
        const labels = JSON.parse(docker("inspect", objects.containers[0]))[0].Config.Labels;
        expect(labels[LABELS.owner]).toMatch(new RegExp(`/${process.pid}/`));
        expect(labels[LABELS.dir]).toBe(stateDir);
        expect(fs.existsSync(path.join(stateDir, "owner"))).toBe(true);
    });

    it("prune leaves a cluster whose owner is alive alone", async () => {
        const report = await prune({ silent: true });
        expect(report.kept).toContain(cluster.stackName);
        expect(report.reaped).not.toContain(cluster.stackName);
        expect(dockerObjectsOfStack(cluster.stackName).containers).toHaveLength(6);
    });

    it("snapshots and restores the application database, replicas included", async () => {
        await cluster.snapshot("base");
        await query(cluster.primaryUri, "INSERT INTO t VALUES (2), (3)");
        const t0 = Date.now();
        await cluster.restore("base");
        // ~0.4 s measured with fsync on (profile "fast" is the one for sub-second resets, see
        // testing-postgres); the bound leaves room for a loaded machine, not for a new cluster.
        expect(Date.now() - t0).toBeLessThan(10_000);
        expect(await query(cluster.primaryUri, "SELECT id FROM t ORDER BY id")).toEqual([{ id: 1 }]);
        // restore waits for the replicas: a read right after it sees the restored data.
        expect(await query(cluster.replicaUri, "SELECT count(*)::int AS n FROM t")).toEqual([{ n: 1 }]);
        await expect(cluster.restore("nope")).rejects.toThrow(/no such snapshot/);
        await expect(cluster.snapshot("Bad Name")).rejects.toThrow(/snapshot name/);
    });

    it("switches over to a replica on request", async () => {
        const before = await cluster.leader();
        const r = await cluster.switchover();
        expect(r.from).toBe(before);
        expect(r.to).not.toBe(before);
        expect(await cluster.leader()).toBe(r.to);
        await query(cluster.primaryUri, "INSERT INTO t VALUES (10)");
        await eventually(async () => (await streamingReplicas()) === 2, 60000, "2 replicas streaming after switchover");
    });

    it("stopPrimary (SIGTERM) hands over to a replica; rejoin brings the old primary back as a replica", async () => {
        const r = await cluster.stopPrimary();
        expect(r.to).not.toBe(r.from);
        expect(JSON.parse(docker("inspect", `pgscale-testing-${cluster.stackName}-${r.from}`))[0].State.Running).toBe(false);
        await cluster.rejoin(r.from);
        expect((await members())[r.from]).toMatch(/^(replica|sync_standby)\/(running|streaming)$/);
        await eventually(async () => (await streamingReplicas()) === 2, 60000, "2 replicas streaming after rejoin");
    });

    it("killPrimary (SIGKILL) resolves once a new primary accepts writes, and loses no committed row", async () => {
        await query(cluster.primaryUri, "INSERT INTO t VALUES (20)");
        const r = await cluster.killPrimary();
        expect(r.to).not.toBe(r.from);
        // Patroni's ttl (20 s) bounds the outage from below; HAProxy follows within ~2 s.
        expect(r.ms).toBeGreaterThan(10_000);
        expect(r.ms).toBeLessThan(60_000);
        await query(cluster.primaryUri, "INSERT INTO t VALUES (21)");
        expect((await query(cluster.primaryUri, "SELECT array_agg(id ORDER BY id) AS ids FROM t"))[0].ids).toEqual([1, 10, 20, 21]);
        await cluster.rejoin(r.from);
        await eventually(async () => (await streamingReplicas()) === 2, 60000, "2 replicas streaming after rejoin");
    });

    it("isolates the primary from the network: the others elect a new one; heal brings it back as a replica", async () => {
        const old = await cluster.leader();
        await cluster.isolate(old);
        const next = await cluster.waitForPrimary({ not: old });
        expect(next).not.toBe(old);
        const t0 = Date.now();
        await cluster.heal(old);
        // The cut-off primary demoted itself; its shutdown waits for its walsenders, which give up
        // on the unreachable standbys after wal_sender_timeout (pgscale's 10 s; PostgreSQL's 60 s
        // made about one heal in three take over a minute). Then pg_rewind and a restart.
        expect(Date.now() - t0).toBeLessThan(45_000);
        // heal() returns once every member's view has it following the leader and its own WAL
        // receiver streams; a member seen starting after that would show why in its log.
        const state = (await members())[old];
        if (!/^(replica|sync_standby)\/(running|streaming)$/.test(state))
            throw new Error(`${old} is ${state} after heal(); its log:\n${containerLogs(`pgscale-testing-${cluster.stackName}-${old}`).split("\n").slice(-60).join("\n")}`);
        await eventually(async () => (await streamingReplicas()) === 2, 60000, "2 replicas streaming after heal");
        await expect(cluster.isolate("lb")).rejects.toThrow(/new host ports/);
        await expect(cluster.isolate("node-9")).rejects.toThrow(/cannot be isolated/);
    });

    it("isolates and heals an etcd member; a primary accepts writes afterwards", async () => {
        await cluster.isolate("dcs-0");
        await cluster.heal("dcs-0");
        expect(await cluster.waitForPrimary({ timeoutMs: 60_000 })).toMatch(/^node-\d$/);
    });

    it("destroys everything: containers, network, volumes, state directory", async () => {
        await cluster.destroy();
        expect(dockerObjectsOfStack(cluster.stackName)).toEqual({ containers: [], networks: [], volumes: [] });
        expect(fs.existsSync(stateDir)).toBe(false);
        await cluster.destroy(); // idempotent
        expect(lines[lines.length - 1]).toMatch(new RegExp(`^destroyed ${cluster.stackName} in `));
    });
});
