import { z } from "zod";

// Where pgscale's alert rules (rules.ts) draw their lines and how long each condition must hold,
// with every default documented: the Prometheus construct's `alerts` option.

/** A Prometheus duration: units from years down to milliseconds, largest first ("1h30m", "45s"). */
const durationRe = /^(?!$)([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$/;

/** Where the alert rules draw their lines, and how long a condition must hold (`for`) before an alert fires. */
export interface AlertThresholds {
    /**
     * No member of a cluster is a running primary for this long. Default "30s": two scrape
     * intervals. A planned switchover leaves no primary for a few seconds (the old leader releases
     * its key, a replica promotes at once), seen as at most one scrape interval more, so it never
     * pages; a cluster that cannot elect a primary pages 30 s in, and so does a hard failure whose
     * failover takes longer than that (with Patroni's defaults it does: the leader key lives up to
     * ttl 30 s, then loop_wait and promotion, about 42 s) — an outage of writes, even one that heals.
     */
    noPrimaryFor: string;
    /**
     * More than one running primary in a cluster for this long. Default "30s": during a
     * switchover the old primary's last sample (still primary) stands until its next scrape while
     * the new one already reports primary, for up to one scrape interval; two intervals rule that
     * out, and a real split brain is still reported within a minute.
     */
    multiplePrimariesFor: string;
    /**
     * A member's Patroni or postgres_exporter target down, or its PostgreSQL not running, for this
     * long. Default "1m": longer than a member's restart in a rolling change.
     */
    memberDownFor: string;
    /**
     * A replica (in recovery) not streaming WAL for this long. Default "1m": a switchover makes
     * replicas reconnect to the new primary within a few seconds, a hard failover within about
     * ttl + loop_wait (40 s with Patroni's defaults), and NoPrimary pages for that already.
     */
    replicaNotStreamingFor: string;
    /**
     * Bytes of WAL a replica may be behind the primary's current position (replay). Default
     * 16 MiB: one WAL segment. The playbook's maximum_lag_on_failover (1 MiB) is already missed by
     * a burst of writes; a segment's worth held for a minute is a replica that does not keep up.
     */
    maxReplicaLagBytes: number;
    /** How long lag over maxReplicaLagBytes must last. Default "1m": bulk writes make short bursts of lag. */
    replicationLagBytesFor: string;
    /** Seconds a replica's replay may lag (pg_stat_replication.replay_lag). Default 30. */
    maxReplicaLagSeconds: number;
    /** How long lag over maxReplicaLagSeconds must last. Default "1m". */
    replicationLagSecondsFor: string;
    /**
     * Bytes of WAL a replication slot may keep on a member's disk. Default 1 GiB: the playbook's
     * wal_keep_size; a slot keeping more is a replica gone or far behind, and the primary's disk
     * is what runs out.
     */
    maxSlotRetainedBytes: number;
    /** How long a slot may keep more than maxSlotRetainedBytes. Default "5m": a replica catching up after a restart drains it. */
    slotRetainingWalFor: string;
    /**
     * Share of max_connections in use by client backends, in (0, 1]. Default 0.8, as `pgscale
     * doctor`'s warning line: past it a burst meets `53300 too many connections`.
     */
    connectionsRatio: number;
    /** How long connections must stay at or above connectionsRatio. Default "5m": pools fill and drain in bursts. */
    connectionsHighFor: string;
    /**
     * How long any client must keep waiting in a PgBouncer pool (cl_waiting > 0). Default "1m":
     * an instant of queueing is what a pool is for; a queue that never empties for a minute is
     * a pool too small or transactions too long.
     */
    poolClientsWaitingFor: string;
    /** Seconds the oldest waiting client of a pool may have waited (maxwait). Default 5. */
    maxPoolWaitSeconds: number;
    /**
     * How long maxwait must stay over maxPoolWaitSeconds. Default "30s": a switchover holds
     * clients for its duration (up to about 16 s with pgscale's defaults: loop_wait, promotion,
     * HAProxy's rise checks), which should not page; a failover or a stuck pool lasting longer does.
     */
    poolMaxWaitFor: string;
    /**
     * How long the primary's last archiving failure must stay newer than its last success.
     * Default "5m": archive_command is retried (three times, then again after a minute), and one
     * failure followed by a success is no problem.
     */
    archivingFailingFor: string;
    /**
     * Alert when a time-range partitioned table's newest partition ends less than this many
     * partition intervals from now (its interval being that partition's span). Default 1: at most
     * one interval before rows start landing in the default partition (or failing without one).
     */
    partitionRunwayIntervals: number;
    /** How long the runway must stay short. Default "15m": partition maintenance replaces partitions in steps. */
    partitionRunwayFor: string;
    /** How long rows may sit in a default partition. Default "5m": a maintenance run may be moving them out. */
    defaultPartitionRowsFor: string;
    /** How long a PgBouncer (or its exporter) may be unreachable. Default "1m": longer than a container restart. */
    poolerDownFor: string;
    /** How long an HAProxy frontend's metrics target may be down. Default "1m": longer than a container restart. */
    haproxyDownFor: string;
    /**
     * A cluster's newest backup (of any kind) may be this many times its shortest scheduled
     * interval old. Default 2: one scheduled backup missed. A backup that itself takes longer than
     * the shortest interval (a large full, with hourly incrementals) needs a larger factor.
     */
    backupOverdueFactor: number;
    /** How long the newest backup must stay overdue. Default "15m". */
    backupTooOldFor: string;
    /**
     * How long the acting backup scheduler's attempts (stanza-create, reading the repository, a
     * backup) must keep failing. Default "5m": it retries a minute after a failure, so one
     * failure followed by a success never fires.
     */
    backupFailingFor: string;
    /**
     * How long the cluster's last scheduled restore drill must stay failed. Default "5m": the
     * record stands until the next drill (backup.drill's schedule); the delay only rides out
     * scrapes of a member that has not read the record yet.
     */
    drillFailingFor: string;
    /** How long the last drill that restored must stay over an objective of backup.drill. Default "5m", as drillFailingFor. */
    drillOverObjectiveFor: string;
    /**
     * The cluster's last scheduled drill may have ended this many times backup.drill's interval
     * ago. Default 2: one scheduled drill missed. A drill that itself takes longer than its
     * interval needs a larger factor.
     */
    drillOverdueFactor: number;
    /** How long the last drill must stay overdue. Default "15m", as backupTooOldFor. */
    drillOverdueFor: string;
}

/** The thresholds used for every option not given (see each field of AlertThresholds for why). */
export const DEFAULT_ALERT_THRESHOLDS: Readonly<AlertThresholds> = Object.freeze({
    noPrimaryFor: "30s",
    multiplePrimariesFor: "30s",
    memberDownFor: "1m",
    replicaNotStreamingFor: "1m",
    maxReplicaLagBytes: 16 * 1024 * 1024,
    replicationLagBytesFor: "1m",
    maxReplicaLagSeconds: 30,
    replicationLagSecondsFor: "1m",
    maxSlotRetainedBytes: 1024 * 1024 * 1024,
    slotRetainingWalFor: "5m",
    connectionsRatio: 0.8,
    connectionsHighFor: "5m",
    poolClientsWaitingFor: "1m",
    maxPoolWaitSeconds: 5,
    poolMaxWaitFor: "30s",
    archivingFailingFor: "5m",
    partitionRunwayIntervals: 1,
    partitionRunwayFor: "15m",
    defaultPartitionRowsFor: "5m",
    poolerDownFor: "1m",
    haproxyDownFor: "1m",
    backupOverdueFactor: 2,
    backupTooOldFor: "15m",
    backupFailingFor: "5m",
    drillFailingFor: "5m",
    drillOverObjectiveFor: "5m",
    drillOverdueFactor: 2,
    drillOverdueFor: "15m",
});

const d = DEFAULT_ALERT_THRESHOLDS;
const duration = (dflt: string) =>
    z.string().regex(durationRe, 'must be a Prometheus duration such as "0s", "30s", "5m" or "1h30m"').default(dflt);
const bytes = (dflt: number) => z.number().int().positive().default(dflt);
const positive = (dflt: number) => z.number().positive().default(dflt);

/**
 * The thresholds as a spec, every field optional with its default: for a construct's `alerts`
 * option, where a misspelt threshold is an error naming it (as every pgscale spec).
 */
export const alertThresholdsSpec = z.strictObject({
    noPrimaryFor: duration(d.noPrimaryFor),
    multiplePrimariesFor: duration(d.multiplePrimariesFor),
    memberDownFor: duration(d.memberDownFor),
    replicaNotStreamingFor: duration(d.replicaNotStreamingFor),
    maxReplicaLagBytes: bytes(d.maxReplicaLagBytes),
    replicationLagBytesFor: duration(d.replicationLagBytesFor),
    maxReplicaLagSeconds: positive(d.maxReplicaLagSeconds),
    replicationLagSecondsFor: duration(d.replicationLagSecondsFor),
    maxSlotRetainedBytes: bytes(d.maxSlotRetainedBytes),
    slotRetainingWalFor: duration(d.slotRetainingWalFor),
    connectionsRatio: z.number().gt(0, "must be more than 0").max(1, "must be at most 1 (a share of max_connections)").default(d.connectionsRatio),
    connectionsHighFor: duration(d.connectionsHighFor),
    poolClientsWaitingFor: duration(d.poolClientsWaitingFor),
    maxPoolWaitSeconds: positive(d.maxPoolWaitSeconds),
    poolMaxWaitFor: duration(d.poolMaxWaitFor),
    archivingFailingFor: duration(d.archivingFailingFor),
    partitionRunwayIntervals: positive(d.partitionRunwayIntervals),
    partitionRunwayFor: duration(d.partitionRunwayFor),
    defaultPartitionRowsFor: duration(d.defaultPartitionRowsFor),
    poolerDownFor: duration(d.poolerDownFor),
    haproxyDownFor: duration(d.haproxyDownFor),
    backupOverdueFactor: z.number().min(1, "must be at least 1 (a multiple of the shortest scheduled interval)").default(d.backupOverdueFactor),
    backupTooOldFor: duration(d.backupTooOldFor),
    backupFailingFor: duration(d.backupFailingFor),
    drillFailingFor: duration(d.drillFailingFor),
    drillOverObjectiveFor: duration(d.drillOverObjectiveFor),
    drillOverdueFactor: z.number().min(1, "must be at least 1 (a multiple of backup.drill's interval)").default(d.drillOverdueFactor),
    drillOverdueFor: duration(d.drillOverdueFor),
}) satisfies z.ZodType<AlertThresholds, Partial<AlertThresholds>>;
/** The thresholds as a user gives them: any subset of AlertThresholds. */
export type AlertThresholdsInput = z.input<typeof alertThresholdsSpec>;
