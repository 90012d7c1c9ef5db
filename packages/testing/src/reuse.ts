import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isLeader, quoteIdent } from "@pgscale/core";
import { ClusterInfo } from "./cluster-info";
import { StartPlan } from "./options";
import { currentOwner } from "./owner";
import { isRunning, memberStatuses } from "./patroni-rest";
import { queryOnce, writableMember } from "./pg-probe";
import { prune, reapByDir } from "./prune";
import { reuseKey, reuseSpec } from "./reuse-policy";
import { freeSlot, keptClusters, leases, removeLease, touchRecord, writeLease, writeRecord } from "./reuse-record";
import { CLEAN_TEMPLATE, resetSlot, tidy } from "./reuse-reset";
import { asSuperuser, withDatabaseClosed } from "./snapshots";

/**
 * Concurrent processes of one spec share a kept cluster, each with a database of its own (slot n:
 * `<database>_<n>`, cloned from the clean template in ~0.1 s) rather than a cluster each (10-15 s
 * and 100-600 MiB apiece on a laptop). PgBouncer routes only the configured database, so a cluster
 * with a pooler has one slot and a second concurrent process gets a cluster of its own.
 */
export const MAX_SLOTS = 8;

// Serializes slot choice among processes: a transaction-scoped advisory lock on the cluster itself,
// released by PostgreSQL when the session ends, crash included (a lock file would need stale-lock
// detection of its own). The value is arbitrary: "pgsr".
const SLOT_LOCK = 0x70677372;

function packageVersion(): string {
    // src/ under jest, dist/ once built: package.json is one level up either way.
    return (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
}

/** A kept cluster as this process holds it. */
export interface Kept {
    info: ClusterInfo;
    /** True when an earlier run's cluster was taken, false when this start created it. */
    reused: boolean;
    /** Gives the slot back and marks the cluster used now; the cluster stays. Idempotent. */
    release(): Promise<void>;
    /** Removes the cluster (refused while another live process holds a slot of it). */
    destroy(): Promise<void>;
}

/** Slot `slot`'s view of a kept cluster: its own database in every URI (slot 1: the cluster's). */
export function slotInfo(base: ClusterInfo, key: string, slot: number): ClusterInfo {
    const database = slot === 1 ? base.database : `${base.database}_${slot}`;
    const retarget = (uri: string | undefined) => {
        if (!uri) return undefined;
        const u = new URL(uri);
        u.pathname = `/${database}`;
        return u.toString();
    };
    const info: ClusterInfo = { ...base, database, primaryUri: retarget(base.primaryUri)!, reuse: { key, slot } };
    for (const k of ["replicaUri", "syncReplicaUri", "poolerUri"] as const) if (base[k]) info[k] = retarget(base[k]);
    return info;
}

/**
 * Why a kept cluster cannot be handed out, or undefined when it is healthy: Patroni has a running
 * leader and every member runs on its timeline, the leader streams to every replica
 * (pg_stat_replication: Patroni's own view says "running" for a replica that is still catching
 * up), and every URI answers (a write through primaryUri).
 */
export async function healthProblem(info: ClusterInfo): Promise<string | undefined> {
    const patroni = async () => {
        const statuses = await memberStatuses(info);
        const leader = statuses.find(isLeader);
        if (!leader || leader.state !== "running") throw new Error("no running Patroni leader");
        const off = statuses.filter((m) => !isRunning(m) || m.timeline !== leader.timeline);
        if (statuses.length < info.members.length || off.length)
            throw new Error(`not every member runs on the leader's timeline (${statuses.map((m) => `${m.name} ${m.role}/${m.state}`).join(", ")})`);
    };
    const standby = async (uri: string) => {
        const [row] = await queryOnce<{ r: boolean }>(uri, "SELECT pg_is_in_recovery() AS r");
        if (!row?.r) throw new Error(`${new URL(uri).host} is not a standby`);
    };
    const streaming = async () => {
        const [row] = await queryOnce<{ n: number }>(info.superuserUri, "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
        if (row.n < info.members.length - 1) throw new Error(`${row.n} of ${info.members.length - 1} replicas stream`);
    };
    try {
        // All at once: this is most of a reusing start's time, and each probe fails fast on a dead cluster.
        await Promise.all([
            patroni(),
            writableMember(info).then((m) => { if (!m) throw new Error("no write through primaryUri"); }),
            streaming(),
            info.replicaUri && standby(info.replicaUri),
            info.syncReplicaUri && standby(info.syncReplicaUri),
            info.poolerUri && queryOnce(info.poolerUri, "SELECT 1"),
        ]);
        return undefined;
    } catch (e) {
        return (e as Error).message.split("\n")[0];
    }
}

/** Takes a free slot of a healthy kept cluster and resets its database; undefined when every slot is held. */
async function leaseAndReset(dir: string, base: ClusterInfo, key: string, maxSlots: number): Promise<ClusterInfo | undefined> {
    return asSuperuser(base, async (c) => {
        await c.query("BEGIN");
        let slot: number | undefined;
        try {
            await c.query("SELECT pg_advisory_xact_lock($1)", [SLOT_LOCK]);
            slot = freeSlot(dir, maxSlots);
            if (slot !== undefined) writeLease(dir, slot, currentOwner());
        } finally {
            await c.query(slot === undefined ? "ROLLBACK" : "COMMIT");
        }
        if (slot === undefined) return undefined;
        const info = slotInfo(base, key, slot);
        try {
            await resetSlot(c, info);
        } catch (e) {
            removeLease(dir, slot);
            throw e;
        }
        return info;
    });
}

/** Right after creation, before anyone used it: the application database becomes the clean template. */
async function saveCleanTemplate(info: ClusterInfo): Promise<void> {
    await asSuperuser(info, async (c) => {
        await withDatabaseClosed(c, info.database, () => c.query(`CREATE DATABASE ${quoteIdent(CLEAN_TEMPLATE)} TEMPLATE ${quoteIdent(info.database)}`));
        await c.query(`ALTER DATABASE ${quoteIdent(CLEAN_TEMPLATE)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    });
}

function handle(dir: string, info: ClusterInfo, reused: boolean): Kept {
    const slot = info.reuse!.slot;
    let released = false;
    // While the tests run: what the reset set aside is dropped, the next run's spare made. stop()
    // waits for it, so the next run finds its spare (a run that dies first leaves a later start the
    // slow path, nothing worse).
    const trash = tidy(info);
    return {
        info, reused,
        release: async () => {
            if (released) return;
            released = true;
            await trash;
            removeLease(dir, slot);
            touchRecord(dir);
        },
        destroy: async () => {
            const others = leases(dir).filter((l) => l.live && l.slot !== slot);
            if (others.length) throw new Error(`${info.stackName} is in use by ${others.map((l) => l.holder).join(", ")}: not destroyed (stop() releases it)`);
            released = true;
            await trash;
            removeLease(dir, slot);
            await reapByDir(dir);
        },
    };
}

/**
 * startCluster/startPostgres with `reuse: true`: the most recently used healthy kept cluster of the
 * same spec with a free slot, its slot's database reset to the clean template; else a new cluster,
 * kept. An unhealthy kept cluster nobody holds is removed on the way (a held one is left to its holder).
 */
export async function startKept(plan: StartPlan): Promise<Kept> {
    const t0 = Date.now();
    const { log } = plan;
    const spec = reuseSpec(plan, packageVersion(), os.userInfo().uid);
    const key = reuseKey(spec);
    const maxSlots = plan.pooler ? 1 : MAX_SLOTS;
    const candidates = keptClusters(plan.stateRoot, key);
    // With candidates, prune runs beside the health checks (sparing them: they are being judged
    // here); without, launch() runs it beside the stack's creation.
    const pruned = plan.prune && candidates.length
        ? prune({ stateDir: plan.stateRoot, progress: log, spare: candidates.map((c) => c.dir) }).catch((e: Error) => log(`prune failed: ${e.message}`))
        : undefined;
    for (const { dir, record } of candidates) {
        const stack = record.info.stackName;
        // First, so a concurrent prune does not expire it while it is being checked.
        touchRecord(dir, plan.reuseTtl);
        const tHealth = Date.now();
        const problem = await healthProblem(record.info);
        const healthMs = Date.now() - tHealth;
        if (problem) {
            const held = leases(dir).filter((l) => l.live);
            if (held.length) {
                log(`kept cluster ${stack} is unhealthy (${problem}) but held by ${held.map((l) => l.holder).join(", ")}: left alone`);
                continue;
            }
            log(`kept cluster ${stack} is unhealthy (${problem}): removing it`);
            await reapByDir(dir);
            continue;
        }
        const tReset = Date.now();
        const info = await leaseAndReset(dir, record.info, key, maxSlots).catch((e: Error) => {
            // E.g. a failover that started after the health check: try the next one, or start anew.
            log(`kept cluster ${stack}: could not take a database (${e.message.split("\n")[0]})`);
            return null;
        });
        const resetMs = Date.now() - tReset;
        if (info === null) continue;
        if (!info) {
            log(`kept cluster ${stack}: all ${maxSlots} database slots are held by live processes`);
            continue;
        }
        touchRecord(dir, plan.reuseTtl);
        const tPrune = Date.now();
        await pruned;
        log(`reusing ${stack} (database ${info.database}, reset to its clean state) in ${Date.now() - t0} ms ` +
            `(health ${healthMs} ms, lease and reset ${resetMs} ms, then prune ${Date.now() - tPrune} ms)`);
        return handle(dir, info, true);
    }
    await pruned;
    // Loaded here: a reusing start never needs Pulumi, which takes ~0.5 s to load.
    const { launch } = await import("./launch");
    const launched = await launch({ ...plan, prune: plan.prune && !candidates.length }, key);
    const dir = launched.info.stateDir;
    try {
        await saveCleanTemplate(launched.info);
        const info = slotInfo(launched.info, key, 1);
        // The lease before the record: once the record exists, other processes may look for a slot.
        writeLease(dir, 1, currentOwner());
        const now = Date.now();
        writeRecord(dir, { key, spec, uid: os.userInfo().uid, createdAt: now, lastUsed: now, ttl: plan.reuseTtl, info: slotInfo(launched.info, key, 1) });
        log(`keeping ${launched.info.stackName} for reuse (key ${key}, idle TTL ${plan.reuseTtl} s)`);
        return handle(dir, info, false);
    } catch (e) {
        await launched.destroy().catch(() => undefined);
        throw e;
    }
}
