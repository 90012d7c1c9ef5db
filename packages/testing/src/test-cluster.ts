import { ClusterInfo, clusterEnv, clusterInfoFromEnv } from "./cluster-info";
import * as chaos from "./chaos";
import { FailoverResult, RejoinOptions, WaitOptions } from "./chaos";
import { MemberStatus, leaderName, memberStatuses } from "./patroni-rest";
import { ProgressLogger, progressLogger } from "./progress";
import { restore, snapshot, snapshotsSettled } from "./snapshots";

/** What startPostgres() and startCluster() both return: endpoints, state resets, teardown. */
export class TestDatabase {
    readonly info: ClusterInfo;
    readonly stackName: string;
    /** Read-write URI as the application owner. */
    readonly primaryUri: string;
    /** The superuser on the `postgres` database (snapshots, inspection). */
    readonly superuserUri: string;
    readonly database: string;
    /** With reuse: true, whether an earlier run's cluster was taken (true) or this start created it (false). */
    readonly reused?: boolean;
    protected readonly log: ProgressLogger;
    private readonly teardown?: () => Promise<void>;
    private readonly detach?: () => Promise<void>;

    constructor(info: ClusterInfo, log: ProgressLogger, teardown?: () => Promise<void>, kept?: { reused: boolean; detach: () => Promise<void> }) {
        this.info = info;
        this.reused = kept?.reused;
        this.detach = kept?.detach;
        this.stackName = info.stackName;
        this.primaryUri = info.primaryUri;
        this.superuserUri = info.superuserUri;
        this.database = info.database;
        this.log = log;
        this.teardown = teardown;
    }

    /** PGSCALE_PRIMARY_URI, PGSCALE_REPLICA_URI, ... and PGSCALE_TESTING_CLUSTER (see clusterFromEnv). */
    env(): Record<string, string> {
        return clusterEnv(this.info);
    }

    /** Saves the application database as template database `pgscale_snapshot_<name>`, and a first copy for restore(). Terminates its sessions. */
    snapshot(name: string): Promise<void> {
        return snapshot(this.info, name);
    }

    /**
     * Puts the application database back to snapshot `name`. Terminates its sessions; waits for
     * replicas. A copy of the snapshot made ahead (by snapshot(), and in the background after each
     * restore()) is renamed into place, so a restore takes two renames, not a copy.
     */
    restore(name: string): Promise<void> {
        return restore(this.info, name);
    }

    /**
     * Ends this process's use of the cluster. A cluster started with reuse: true is kept for later
     * runs (this process's database slot is released; the next start resets it); `{ destroy: true }`
     * removes it instead. Any other cluster is destroyed. Idempotent.
     */
    async stop(opts: { destroy?: boolean } = {}): Promise<void> {
        // The ready copy a snapshot or restore is making (well under a second): no session outlives the test.
        await snapshotsSettled(this.info);
        if (this.detach && !opts.destroy) return this.detach();
        return this.destroy();
    }

    /** Removes the cluster: pulumi destroy (a kept cluster: its objects by label), then its state directory. Idempotent. */
    async destroy(): Promise<void> {
        if (!this.teardown) throw new Error(`${this.stackName} was attached from the environment; the process that started it destroys it`);
        await this.teardown();
    }
}

/** A started HA cluster: TestDatabase plus replicas, pooler and failure injection. */
export class TestCluster extends TestDatabase {
    /** Read-only URI, round-robin over healthy replicas. */
    readonly replicaUri: string;
    /** Through PgBouncer; set with `pooler: true`. */
    readonly poolerUri?: string;
    /** Synchronous standbys only; set with `synchronousMode: true`. */
    readonly syncReplicaUri?: string;
    /** Patroni member names (`node-0`, ...). */
    readonly memberNames: string[];

    constructor(info: ClusterInfo, log: ProgressLogger, teardown?: () => Promise<void>, kept?: { reused: boolean; detach: () => Promise<void> }) {
        super(info, log, teardown, kept);
        this.replicaUri = info.replicaUri!;
        this.poolerUri = info.poolerUri;
        this.syncReplicaUri = info.syncReplicaUri;
        this.memberNames = info.members.map((m) => m.name);
    }

    /** Patroni's view of the members (role, state, lag). */
    members(): Promise<MemberStatus[]> {
        return memberStatuses(this.info);
    }

    async leader(): Promise<string> {
        const l = await leaderName(this.info);
        if (!l) throw new Error(`${this.stackName}: no Patroni leader right now`);
        return l;
    }

    /** Resolves with the member that accepts writes through primaryUri (optionally: once it is not `not`). */
    waitForPrimary(opts: WaitOptions & { not?: string } = {}): Promise<string> {
        return chaos.waitForPrimary(this.info, opts);
    }

    /**
     * Resolves when the cluster is whole again: every member runs on the leader's timeline, and a
     * replica (in synchronous mode: a synchronous standby) could take over.
     */
    waitForHealthy(opts?: WaitOptions): Promise<void> {
        return chaos.waitForHealthy(this.info, opts);
    }

    /** SIGKILL of the primary's container; resolves when a new primary accepts writes through primaryUri. The victim stays down (see rejoin). */
    killPrimary(opts?: WaitOptions): Promise<FailoverResult> {
        return chaos.killPrimary(this.info, this.log, opts);
    }

    /** `docker stop` (SIGTERM) of the primary; resolves when a new primary accepts writes. The victim stays down (see rejoin). */
    stopPrimary(opts?: WaitOptions): Promise<FailoverResult> {
        return chaos.stopPrimary(this.info, this.log, opts);
    }

    /** Planned switchover (Patroni REST), to `candidate` or the most caught-up replica; resolves when it accepts writes. */
    switchover(opts?: WaitOptions & { candidate?: string }): Promise<FailoverResult> {
        return chaos.switchover(this.info, this.log, opts);
    }

    /**
     * Disconnects a PostgreSQL or etcd member (`node-1`, `dcs-0`) from the cluster network: nothing
     * reaches it and it reaches nothing. Resolves at once; see waitForPrimary().
     */
    isolate(member: string): Promise<void> {
        return chaos.isolate(this.info, this.log, member);
    }

    /** Reconnects an isolated member under its DNS name and waits until it runs in the cluster again. */
    heal(member: string, opts?: WaitOptions): Promise<void> {
        return chaos.heal(this.info, this.log, member, opts);
    }

    /** Starts a member killPrimary() or stopPrimary() took down and waits until it runs in the cluster again (`rebuild`: from a fresh base backup). */
    rejoin(member: string, opts?: RejoinOptions): Promise<void> {
        return chaos.rejoin(this.info, this.log, member, opts);
    }
}

/**
 * The cluster a jest globalSetup (or `pgscale-testing start`) published in PGSCALE_TESTING_CLUSTER,
 * for test files in worker processes: every method works except destroy, which stays with the owner.
 */
export function clusterFromEnv(opts: { silent?: boolean; progress?: ProgressLogger } = {}): TestCluster {
    return new TestCluster(clusterInfoFromEnv(), progressLogger(opts));
}
