// The chaos suite (issue 7): faults injected into one real HA stack (3 etcd, 3 Patroni/PostgreSQL
// nodes, HAProxy, PgBouncer) while writers use the failover-aware client (withRetry) through the
// exported URIs. Each scenario checks its own writes: every acknowledged write present exactly
// once, and no two members ever primary at once (each member's pg_is_in_recovery() is sampled
// over its local socket every 200 ms, and every row records the member that committed it).
// Bounded form by default (CI); PGSCALE_CHAOS_FULL=1 for the long form. Figures: docs/reliability.md.
import { query } from "../support/pg";
import { ChaosCluster, MAX_REPLICA_LAG_BYTES, startChaosCluster, stopChaosCluster, TIMINGS } from "./support/cluster";
import { waitFor } from "@pgscale/testing";
import { dockerAsync, dockerLogsSince, dynamicConfig, haproxyServerStates, patchDynamicConfig, psqlOn, untilFailsafeTopology, untilMembersOnDcs } from "./support/nodes";
import { demotedAfter, overlappingPrimaries, RoleSampler } from "./support/roles";
import { FULL, Harness } from "./support/scenario";
import { createSchema, parseLsn, Read } from "./support/workload";
import { isLeaderRole, resolvePatroniCluster, sleep } from "@pgscale/core";

jest.setTimeout(30 * 60 * 1000);

describe("chaos", () => {
    let c: ChaosCluster | undefined;
    let roles: RoleSampler | undefined;
    let h: Harness;

    const cluster = () => c!;

    beforeAll(async () => {
        c = await startChaosCluster({ synchronousMode: true });
        const su = new URL(c.superuserUri);
        su.pathname = "/appdb";
        await createSchema(su.toString(), c.primaryUri);
        await query(c.primaryUri, "CREATE TABLE IF NOT EXISTS chaos_bulk (g int, pad text)");
        roles = new RoleSampler(c.containers.members).start();
        h = new Harness(c, roles);
    });

    afterEach(async () => h?.stopAll());

    afterAll(async () => {
        roles?.stop();
        if (h?.records.length) process.stderr.write(`chaos: results written to ${h.save()}\n`);
        await stopChaosCluster(c);
    });

    /** The assertions every scenario shares: no acknowledged write lost or doubled, no split brain. */
    function expectSafe(o: Awaited<ReturnType<Harness["end"]>>, opts: { allowLoss?: boolean } = {}) {
        if (!opts.allowLoss) expect(o.check.missing).toEqual([]);
        expect(o.check.duplicated).toEqual([]);
        expect(o.overlaps).toEqual([]);
        expect(o.sourcesFollowPrimaries).toBe(true);
    }

    const quorumStandbys = async () => (await cluster().cluster.members()).filter((m) => m.role === "quorum_standby").length === 2;

    /**
     * `cycles` SIGKILLs of the primary under the scenario's writers, each followed by the old
     * primary's rejoin (and `settled`, when given); then the checks of a synchronous mode: nothing
     * acknowledged lost, no failed operation, a new primary per cycle.
     */
    async function sigkillRepeated(scenario: string, injected: string, synchronousMode: true | "quorum", settled?: () => Promise<boolean>, opts: { rebuildEveryOther?: boolean } = {}) {
        // A rebuilt member is only tested by the SIGKILL after it: two cycles at least then.
        const cycles = FULL ? 20 : opts.rebuildEveryOther ? 2 : 1;
        const run = await h.begin(scenario, { pooler: true });
        const failoverMs: number[] = [];
        let rebuilt = 0;
        for (let i = 0; i < cycles; i++) {
            const r = await cluster().cluster.killPrimary({ timeoutMs: 120_000 });
            failoverMs.push(r.ms);
            const rebuild = opts.rebuildEveryOther === true && i % 2 === 0;
            await cluster().cluster.rejoin(r.from, { timeoutMs: 180_000, rebuild });
            if (rebuild) rebuilt++;
            if (settled) await waitFor(`${scenario}: the cluster settled again`, 60_000, settled);
        }
        const o = await h.end(run, { injected, cycles, synchronousMode, failoverMs, ...(opts.rebuildEveryOther ? { rebuilt } : {}) });
        expectSafe(o);
        expect(o.record.failedOperations).toBe(0);
        // Every cycle moved the primary: the sampler saw each new leader.
        expect(o.primaries.length).toBeGreaterThanOrEqual(cycles + 1);
        expect(failoverMs.every((ms) => ms > 0 && ms < 120_000)).toBe(true);
    }

    it("primary SIGKILL, repeated, synchronous mode: zero acknowledged writes lost", async () => {
        await sigkillRepeated("sigkill-sync", "docker kill -s KILL <primary container>, then docker start", true);
    });

    // Patroni 4's quorum commit as `objectives: { rpoBytes: 0 }` configures it on a 3-node
    // PostgreSQL 17 cluster (resolvePatroniCluster's choice, not a copy of it): synchronous_mode
    // "quorum" and synchronous_mode_strict, so synchronous_standby_names is ANY 1 of both replicas,
    // a failover may promote either one only once Patroni has proved it holds every acknowledged
    // commit, and commits wait rather than go unreplicated. Same cluster, switched by PATCH /config
    // as a user would, and back to classic mode afterwards.
    it("primary SIGKILL, repeated, quorum commit as rpoBytes: 0 sets it: zero acknowledged writes lost", async () => {
        const rpo0 = resolvePatroniCluster({ nodes: 3, postgresVersion: 17, objectives: { rtoSeconds: 60, rpoBytes: 0 } }, "chaos");
        expect([rpo0.synchronousMode, rpo0.synchronousModeStrict]).toEqual(["quorum", true]);
        await patchDynamicConfig(cluster(), { synchronous_mode: rpo0.synchronousMode, synchronous_mode_strict: rpo0.synchronousModeStrict });
        cluster().info.synchronousMode = "quorum";
        try {
            await waitFor("two quorum standbys", 60_000, quorumStandbys);
            // In force in the DCS document every member runs by, not only sent.
            expect(await dynamicConfig(cluster())).toEqual(expect.objectContaining({ synchronous_mode: "quorum", synchronous_mode_strict: true }));
            // Every other killed member is rebuilt from the leader as it restarts, and the next
            // SIGKILL must still fail over (docs/reliability.md, finding 9).
            await sigkillRepeated("sigkill-quorum", "synchronous_mode quorum and synchronous_mode_strict, as objectives.rpoBytes 0 sets them (PATCH /config); docker kill -s KILL <primary container>, then docker start, every other one rebuilt (POST /reinitialize as it starts)",
                "quorum", quorumStandbys, { rebuildEveryOther: true });
        } finally {
            await patchDynamicConfig(cluster(), { synchronous_mode: true, synchronous_mode_strict: false });
            cluster().info.synchronousMode = true;
        }
        await waitFor("a synchronous standby again", 60_000, async () => (await cluster().cluster.members()).some((m) => m.role === "sync_standby"));
    });

    it("primary SIGKILL without synchronous mode: the loss window is measured", async () => {
        await patchDynamicConfig(cluster(), { synchronous_mode: false });
        // The chaos helpers only wait for a synchronous standby in synchronous mode.
        cluster().info.synchronousMode = false;
        await waitFor("no synchronous standby", 60_000, async () => (await cluster().cluster.members()).every((m) => m.role !== "sync_standby"));
        const cycles = FULL ? 5 : 1;
        const run = await h.begin("sigkill-async", { pooler: true });
        const perCycle: Array<{ failoverMs: number; lost: number; lostWindowMs: number; lostAckedByOthers: number }> = [];
        try {
            for (let i = 0; i < cycles; i++) {
                const killedAt = Date.now();
                const r = await cluster().cluster.killPrimary({ timeoutMs: 120_000 });
                await cluster().cluster.rejoin(r.from, { timeoutMs: 180_000 });
                // Which writes acknowledged before this kill are gone now.
                const stored = new Set((await query<{ id: string }>(cluster().primaryUri, "SELECT id FROM chaos_writes WHERE scenario = $1", [run.name])).map((x) => Number(x.id)));
                const acked = run.writers.flatMap((w) => w.acked).filter((a) => a.ackAt <= killedAt + r.ms && a.ackAt > killedAt - 60_000);
                const lost = acked.filter((a) => !stored.has(a.id));
                // The old primary died somewhere inside `docker kill`, after its last acknowledgement.
                const diedAfter = Math.max(0, ...acked.filter((a) => a.by === r.from).map((a) => a.ackAt));
                perCycle.push({
                    failoverMs: r.ms,
                    lost: lost.length,
                    // How long before its death the old primary acknowledged the earliest write now lost.
                    lostWindowMs: lost.length ? diedAfter - Math.min(...lost.map((a) => a.ackAt)) : 0,
                    lostAckedByOthers: lost.filter((a) => a.by !== r.from).length,
                });
            }
        } finally {
            await patchDynamicConfig(cluster(), { synchronous_mode: true });
            cluster().info.synchronousMode = true;
        }
        const o = await h.end(run, {
            injected: "docker kill -s KILL <primary container> with synchronous_mode off, then docker start", cycles,
            synchronousMode: false, perCycle,
            lostTotal: perCycle.reduce((n, x) => n + x.lost, 0),
            maxLostWindowMs: Math.max(...perCycle.map((x) => x.lostWindowMs)),
        });
        // Loss is allowed here and reported, but it must be the asynchronous window: only writes the
        // old primary acknowledged before it died, never one another member acknowledged. (Which
        // member acknowledged is recorded with each write: the moment of death inside `docker kill`
        // is not observable from here, so a clock comparison would misfile the last writes.)
        expectSafe(o, { allowLoss: true });
        expect(perCycle).toHaveLength(cycles);
        expect(perCycle.map((x) => ({ lostAckedByOthers: x.lostAckedByOthers, windowInRange: x.lostWindowMs >= 0 && x.lostWindowMs < 60_000 })))
            .toEqual(perCycle.map(() => ({ lostAckedByOthers: 0, windowInRange: true })));
        expect(o.check.missing.length).toBe(perCycle.reduce((n, x) => n + x.lost, 0));
        await waitFor("a synchronous standby again", 60_000, async () => (await cluster().cluster.members()).some((m) => m.role === "sync_standby"));
    });

    // A member cut off the network resolves each etcd name in turn while looking for a reachable
    // one; with resolv.conf's defaults (5 s x 2 attempts) that took ~30 s, past ttl, and the isolated
    // member was still a primary ~9 s after the new leader was promoted. PatroniCluster now bounds
    // lookups (dnsOpts timeout:1 attempts:2): this scenario is what guards it (docs/reliability.md).
    it("primary cut off the network: demotes within ttl, no split brain, rejoins after reconnect", async () => {
        const run = await h.begin("isolate-primary", { pooler: true });
        const old = await cluster().cluster.leader();
        const container = cluster().containers.members[old];
        const t0 = Date.now();
        await cluster().cluster.isolate(old);
        // Writes in flight until the disconnect took effect may still land on the old primary.
        const cutAt = Date.now();
        const next = await cluster().cluster.waitForPrimary({ not: old, timeoutMs: 120_000 });
        const failoverMs = Date.now() - t0;
        // The isolated member keeps running; it must stop being primary on its own.
        const demoteMs = await waitFor("the isolated primary demoted", 90_000, async () => demotedAfter(roles!.samples, old, t0));
        await sleep(2000);
        const healAt = Date.now();
        await dockerAsync(["network", "connect", "--alias", old, cluster().info.network, container]);
        // Back on the leader's timeline without a rebuild: pg_rewind (usePgRewind: true).
        await waitFor(`${old} following ${next}`, 120_000, async () => {
            const ms = await cluster().cluster.members();
            const leader = ms.find((m) => isLeaderRole(m.role));
            const me = ms.find((m) => m.name === old);
            return !!leader && !!me && me.name !== leader.name && (me.state === "running" || me.state === "streaming") && me.timeline === leader.timeline;
        }, 500);
        const rejoinMs = Date.now() - healAt;
        const logs = await dockerLogsSince(container, t0);
        const rewound = /running pg_rewind/i.test(logs);
        const reinitialized = /reinitializ/i.test(logs);
        const samples = roles!.between(t0 - 1000, Date.now());
        const overlaps = overlappingPrimaries(samples);
        const overlapMs = overlaps.reduce((n, [a, b]) => n + Math.max(0, Math.min(a.to, b.to) - Math.max(a.from, b.from)), 0);
        const o = await h.end(run, {
            injected: "docker network disconnect <network> <primary container> (process keeps running), reconnect after it demoted", cycles: 1,
            failoverMs, demoteMs, rejoinMs, rewound, reinitialized, ttlMs: TIMINGS.ttl * 1000, rolesOverlapMs: overlapMs,
        });
        expectSafe(o);
        expect(overlapMs).toBe(0);
        // Nothing was committed by the isolated member once it was cut off.
        expect(o.check.rows.filter((r) => r.source === old && r.committedAt > cutAt)).toEqual([]);
        expect(next).not.toBe(old);
        expect(demoteMs).toBeLessThanOrEqual(TIMINGS.ttl * 1000);
        expect(reinitialized).toBe(false);
    });

    it("etcd: one member of three lost, the cluster keeps working", async () => {
        const run = await h.begin("etcd-one-lost", { pooler: true });
        const leader = await cluster().cluster.leader();
        const victim = "dcs-0";
        await dockerAsync(["kill", "--signal", "KILL", cluster().containers.etcd[victim]]);
        const t0 = Date.now();
        // Long enough for several Patroni loops and leader key renewals against the remaining two.
        await sleep(FULL ? 60_000 : 15_000);
        await Promise.all(run.writers.map((w) => w.waitForAcks(20, 60_000)));
        const leaderAfter = await cluster().cluster.leader();
        const lostFor = Date.now() - t0;
        await cluster().cluster.rejoin(victim, { timeoutMs: 120_000 });
        const o = await h.end(run, { injected: "docker kill -s KILL dcs-0 (1 of 3 etcd members), restarted after the hold", cycles: 1, heldMs: lostFor, leaderChanged: leaderAfter !== leader });
        expectSafe(o);
        expect(leaderAfter).toBe(leader);
        expect(o.record.failedOperations).toBe(0);
        // No failover: the primary never stopped being primary.
        expect(o.primaries).toEqual([leader]);
    });

    // Patroni 3.0.2 with failsafe_mode off (pgscale's default): a leader that cannot update its key
    // in the DCS demotes itself, so losing etcd's quorum stops writes (never two primaries) until it returns.
    it("etcd: quorum lost (failsafe_mode off), the primary stops accepting writes, and recovers", async () => {
        const run = await h.begin("etcd-quorum-lost", { pooler: true });
        const leader = await cluster().cluster.leader();
        const t0 = Date.now();
        await Promise.all(["dcs-1", "dcs-2"].map((n) => dockerAsync(["kill", "--signal", "KILL", cluster().containers.etcd[n]])));
        const demoteMs = await waitFor("the primary demoted", 60_000, async () => demotedAfter(roles!.samples, leader, t0));
        const hold = 5000;
        await sleep(hold);
        // Throughout the hold, no member may be primary.
        const held = roles!.between(t0 + demoteMs, Date.now());
        const primaryDuringHold = held.filter((s) => s.role === "primary").length;
        const restoreAt = Date.now();
        await Promise.all(["dcs-1", "dcs-2"].map((n) => dockerAsync(["start", cluster().containers.etcd[n]])));
        const back = await cluster().cluster.waitForPrimary({ timeoutMs: 120_000 });
        const recoverMs = Date.now() - restoreAt;
        const o = await h.end(run, {
            injected: "docker kill -s KILL dcs-1 dcs-2 (quorum lost), restarted after the primary demoted + 5 s", cycles: 1,
            failsafeMode: false, demoteMs, recoverMs, writesRefusedMs: Date.now() - t0, primaryAfter: back, primarySamplesDuringHold: primaryDuringHold,
        });
        expectSafe(o);
        expect(demoteMs).toBeLessThanOrEqual(TIMINGS.ttl * 1000);
        expect(held.length).toBeGreaterThan(0);
        expect(primaryDuringHold).toBe(0);
        // The writers saw the outage and rode it out with retries.
        expect(o.record.retries).toBeGreaterThan(0);
        expect(o.record.failedOperations).toBe(0);
    });

    // The opt-in alternative (failsafeMode: true, Patroni 3.0+): while every member answers the
    // leader's POST /failsafe, the leader keeps its role without the DCS.
    it("etcd: quorum lost with failsafe_mode on, the primary keeps serving writes", async () => {
        await patchDynamicConfig(cluster(), { failsafe_mode: true });
        await untilFailsafeTopology(cluster());
        const run = await h.begin("etcd-quorum-lost-failsafe", { pooler: true });
        const leader = await cluster().cluster.leader();
        const t0 = Date.now();
        let heldMs = 0;
        try {
            await Promise.all(["dcs-1", "dcs-2"].map((n) => dockerAsync(["kill", "--signal", "KILL", cluster().containers.etcd[n]])));
            await sleep(FULL ? 60_000 : 25_000);
            await Promise.all(run.writers.map((w) => w.waitForAcks(20, 60_000)));
            heldMs = Date.now() - t0;
        } finally {
            await Promise.all(["dcs-1", "dcs-2"].map((n) => dockerAsync(["start", cluster().containers.etcd[n]])));
        }
        const samples = roles!.between(t0, t0 + heldMs);
        // Failsafe stays on until every member, the leader first of all, reads the DCS again.
        await untilMembersOnDcs(cluster());
        await patchDynamicConfig(cluster(), { failsafe_mode: false });
        const o = await h.end(run, {
            injected: "failsafe_mode on (PATCH /config); docker kill -s KILL dcs-1 dcs-2 for 25 s, then restarted", cycles: 1,
            failsafeMode: true, heldMs, demotedDuringHold: demotedAfter(samples, leader, t0) !== undefined,
        });
        expectSafe(o);
        // Longer than ttl without the DCS, and the primary never stepped down.
        expect(heldMs).toBeGreaterThan(TIMINGS.ttl * 1000);
        expect(samples.filter((s) => s.member === leader && s.role === "primary").length).toBeGreaterThan(0);
        expect(demotedAfter(samples, leader, t0)).toBeUndefined();
        // Nor afterwards, while etcd came back and failsafe_mode was switched off.
        expect(demotedAfter(roles!.between(t0, Date.now()), leader, t0)).toBeUndefined();
        expect(o.primaries).toEqual([leader]);
        expect(o.record.failedOperations).toBe(0);
    });

    it("PgBouncer and HAProxy restarted under load: clients recover through retries, nothing lost", async () => {
        const cycles = FULL ? 5 : 1;
        const run = await h.begin("frontends-restart", { pooler: true });
        const haproxyMs: number[] = [];
        const pgbouncerMs: number[] = [];
        for (let i = 0; i < cycles; i++) {
            for (const [container, out] of [[cluster().containers.haproxy, haproxyMs], [cluster().containers.pooler, pgbouncerMs]] as const) {
                const t0 = Date.now();
                await dockerAsync(["restart", "-t", "0", container]);
                await Promise.all(run.writers.map((w) => w.waitForAcks(10, 120_000)));
                out.push(Math.max(...run.writers.map((w) => w.longestGapMs(t0, Date.now()))));
            }
        }
        const o = await h.end(run, { injected: "docker restart -t 0 <haproxy>, then docker restart -t 0 <pgbouncer>", cycles, haproxyOutageMs: haproxyMs, pgbouncerOutageMs: pgbouncerMs });
        expectSafe(o);
        expect(o.record.failedOperations).toBe(0);
        expect(o.record.retries).toBeGreaterThan(0);
    });

    it("a replica killed and restarted catches up; replicaUri only routes to replicas within the lag bound", async () => {
        const run = await h.begin("replica-restart", { pooler: false, reader: true });
        const members = await cluster().cluster.members();
        const leader = members.find((m) => isLeaderRole(m.role))!.name;
        const victim = members.filter((m) => m.name !== leader).map((m) => m.name).sort()[0];
        const container = cluster().containers.members[victim];
        const bulkRows = 8000; // ~9 MB of WAL: well past the 1 MB bound
        const bulk = () => query(cluster().primaryUri, "INSERT INTO chaos_bulk SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, $1) g", [bulkRows]);

        // 1. Kill the replica, write while it is down, restart it once HAProxy has it DOWN. The lag
        // bound holds from the check that brings it back; a replica back before HAProxy noticed it
        // was gone (fall x (inter + check timeout), up to ~8 s here: a dead container's address
        // answers nothing, so each check waits out its timeout) is routed before any check saw its
        // lag (docs/reliability.md).
        const killedAt = Date.now();
        await dockerAsync(["kill", "--signal", "KILL", container]);
        await bulk();
        const markedDownMs = await waitFor(`HAProxy marks ${victim} DOWN in the replicas listener`, 60_000, async () => {
            const states = await haproxyServerStates(cluster().containers.haproxy);
            return states.some((x) => x.backend === "replicas" && x.server === victim && x.opState === 0) ? Date.now() - killedAt : undefined;
        }, 200);
        const startedAt = Date.now();
        await dockerAsync(["start", container]);
        const targetLsn = parseLsn((await query(cluster().primaryUri, "SELECT pg_current_wal_lsn()::text AS l"))[0].l)!;
        const caughtUpMs = await waitFor(`${victim} replayed the primary's WAL`, 120_000, async () => {
            const lsn = parseLsn(await psqlOn(container, "SELECT pg_last_wal_replay_lsn()"));
            return lsn !== null && lsn >= targetLsn ? Date.now() - startedAt : undefined;
        }, 250);
        const servingAgainMs = await waitFor(`${victim} serving reads through replicaUri`, 60_000, async () => {
            const r = run.reader!.reads.find((x) => x.member === victim && x.at > startedAt);
            return r ? r.at - startedAt : undefined;
        });
        const ackedBefore = run.writers[0].acked.filter((a) => a.ackAt < startedAt).map((a) => a.id);
        const onReplica = Number(await psqlOn(container, `SELECT count(DISTINCT id) FROM chaos_writes WHERE id IN (${ackedBefore.join(",")})`));

        // 2. Lag bound: stall replay on the replica, write past the bound; HAProxy must take it out of
        // rotation. pg_wal_replay_pause() would not do: Patroni resumes paused replay on PostgreSQL 14+.
        // A stopped startup process is what a replica stuck on a replay conflict looks like.
        const startup = await psqlOn(container, "SELECT pid FROM pg_stat_activity WHERE backend_type = 'startup'");
        expect(startup).toMatch(/^\d+$/);
        await dockerAsync(["exec", container, "sh", "-c", `kill -STOP ${startup}`]);
        const pausedAt = Date.now();
        await bulk();
        const bulkDoneAt = Date.now();
        // Patroni publishes the leader's position every loop (1 s); HAProxy needs `fall` (2) failed
        // checks 1 s apart: watched on HAProxy itself rather than assumed, since a loaded machine stretches both.
        const detectionMs = await waitFor(`HAProxy takes ${victim} out of the replicas listener`, 30_000, async () => {
            const states = await haproxyServerStates(cluster().containers.haproxy);
            return states.some((x) => x.backend === "replicas" && x.server === victim && x.opState === 0) ? Date.now() - bulkDoneAt : undefined;
        }, 200);
        const detectedAt = bulkDoneAt + detectionMs;
        await sleep(5000);
        // A read routed just before the mark may still finish; none may start a second after it.
        const lateReads = run.reader!.reads.filter((x) => x.member === victim && x.at > detectedAt + 1000).length;
        const othersServed = run.reader!.reads.filter((x) => x.member !== victim && x.at > detectedAt).length;
        await dockerAsync(["exec", container, "sh", "-c", `kill -CONT ${startup}`]);
        const resumedAt = Date.now();
        const backInRotationMs = await waitFor(`${victim} back in rotation after replay continued`, 60_000, async () => {
            const r = run.reader!.reads.find((x) => x.member === victim && x.at > resumedAt);
            return r ? r.at - resumedAt : undefined;
        });

        const o = await h.end(run, {
            injected: `docker kill -s KILL <replica>, ${bulkRows} rows (~9 MB WAL) written, docker start; then replay stalled (SIGSTOP of the startup process) + the same bulk write`,
            cycles: 1, maxReplicaLagBytes: MAX_REPLICA_LAG_BYTES, downMs: startedAt - killedAt, markedDownMs, caughtUpMs, servingAgainMs,
            detectionMs, readsFromStalledReplicaAfterDetection: lateReads, backInRotationMs, pausedForMs: resumedAt - pausedAt,
        });
        expectSafe(o);
        const reads = run.reader!.reads;
        // Reads only ever come from replicas.
        expect(reads.filter((x: Read) => !x.inRecovery).map((x) => `${x.member} at ${x.at}`)).toEqual([]);
        // After the restart, no read came from the victim while it lagged beyond the bound (the
        // measured lag is a lower bound: primary LSN just before the read minus the replica's replay LSN).
        const slack = BigInt(MAX_REPLICA_LAG_BYTES);
        const laggingReads = reads.filter((x) => x.member === victim && x.at > startedAt && x.at < pausedAt &&
            x.primaryLsn !== null && x.replayLsn !== null && x.primaryLsn - x.replayLsn > BigInt(MAX_REPLICA_LAG_BYTES) + slack);
        // As text: a failing assertion with BigInts in it would break jest's JSON report of the whole run.
        expect(laggingReads.map((x) => `${x.member} at ${x.at}: ${x.primaryLsn! - x.replayLsn!} bytes behind (receiver ${x.receiver})`)).toEqual([]);
        expect(onReplica).toBe(ackedBefore.length);
        expect(lateReads).toBe(0);
        expect(detectionMs).toBeLessThan(15_000); // nominally ~4 s: a Patroni loop, two HAProxy checks, the check timeout
        expect(othersServed).toBeGreaterThan(0);
        expect(backInRotationMs).toBeGreaterThan(0);
    });
});
