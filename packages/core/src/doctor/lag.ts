import { ReplicaSideFacts, ReplicaStat } from "./facts";
import { Finding, formatBytes, formatSeconds, ok, problem, Severity } from "./finding";
import { DoctorThresholds } from "./thresholds";

const AREA = "replication";

const SYNC_COMMIT_HINT =
    "If readers need bounded staleness, consider synchronous_commit = remote_apply for the transactions that need it " +
    "(or Patroni synchronous mode to bound data loss), at the cost of write latency.";

function grade(bytes: number | null, seconds: number | null, t: DoctorThresholds): Severity {
    if ((bytes ?? 0) >= t.lagCriticalBytes || (seconds ?? 0) >= t.lagCriticalSeconds) return "critical";
    if ((bytes ?? 0) >= t.lagWarnBytes || (seconds ?? 0) >= t.lagWarnSeconds) return "warning";
    return "ok";
}

/** write_lag is the network round trip plus the replica's write; flush_lag beyond it is the replica's fsync. */
function flushSplit(r: ReplicaStat): string {
    if (r.writeLagSeconds === null || r.flushLagSeconds === null) return " (compare write_lag with flush_lag in pg_stat_replication)";
    const disk = Math.max(0, r.flushLagSeconds - r.writeLagSeconds);
    return ` (write_lag ${formatSeconds(r.writeLagSeconds)}: network and write; flush_lag ${formatSeconds(r.flushLagSeconds)}, ` +
        `of which ${formatSeconds(disk)} is the replica's fsync)`;
}

/**
 * Where the WAL is stuck decides the branch of the playbook's tree: not sent (the WAL sender),
 * sent but not flushed (the network or the replica's WAL disk), flushed but not replayed
 * (disk I/O or conflicts on the replica).
 */
function bottleneckFix(r: ReplicaStat): string {
    const parts: Array<[number, string]> = [
        [r.unsentBytes ?? 0, "Verify the WAL sender is active and keeping up: pg_stat_replication.state on the primary, the primary's CPU and disk."],
        [r.unflushedBytes ?? 0, `Check network latency between primary and replica, and the replica's WAL disk${flushSplit(r)}.`],
        [r.unreplayedBytes ?? 0, "Check disk I/O on the replica: replay is single-threaded; long queries on the replica can hold it back (max_standby_streaming_delay, hot_standby_feedback)."],
    ];
    const [, fix] = parts.reduce((a, b) => (b[0] > a[0] ? b : a));
    return `${fix} ${SYNC_COMMIT_HINT}`;
}

/** Lag of one replica as the primary sees it (pg_stat_replication). */
export function checkReplicaLag(r: ReplicaStat, t: DoctorThresholds): Finding {
    const seconds = r.replayLagSeconds;
    const bytes = r.totalLagBytes;
    const split = [
        r.unsentBytes !== null ? `unsent ${formatBytes(r.unsentBytes)}` : undefined,
        r.unflushedBytes !== null ? `unflushed ${formatBytes(r.unflushedBytes)}` : undefined,
        r.unreplayedBytes !== null ? `unreplayed ${formatBytes(r.unreplayedBytes)}` : undefined,
    ].filter(Boolean).join(", ");
    const time = seconds === null ? "replay_lag n/a (idle)" : `replay_lag ${formatSeconds(seconds)}`;
    const detail = `${r.name} (${r.state}, ${r.syncState}): ${bytes === null ? "?" : formatBytes(bytes)} behind, ${time}` + (split ? ` [${split}]` : "");
    const severity = grade(bytes, seconds, t);
    if (r.state !== "streaming") {
        return problem(severity === "critical" ? "critical" : "warning", AREA, "replication.lag", detail,
            `The replica is in state "${r.state}", not streaming: it is catching up or being rebuilt. Verify the WAL sender is active and watch it reach "streaming". ${SYNC_COMMIT_HINT}`);
    }
    return severity === "ok" ? ok(AREA, "replication.lag", detail) : problem(severity, AREA, "replication.lag", detail, bottleneckFix(r));
}

/** The replica-side view (--replica-uri): received vs replayed, and how old the last replay is. */
export function checkReplicaSide(r: ReplicaSideFacts, t: DoctorThresholds): Finding {
    if (!r.inRecovery) {
        return problem("warning", AREA, "replication.replica_side", "--replica-uri reached a node that is not in recovery (a primary)",
            "Point --replica-uri at a replica (HAProxy's read-only listener); after a failover a former replica is the primary.");
    }
    if (r.receiveLsn === null) {
        return problem("critical", AREA, "replication.replica_side", `replica is not receiving WAL (pg_last_wal_receive_lsn() is null; replayed up to ${r.replayLsn ?? "nothing"})`,
            "Verify the WAL sender/receiver: primary_conninfo and the replication slot on this replica, pg_stat_wal_receiver, and that the primary is reachable from it.");
    }
    const gap = r.replayGapBytes ?? 0;
    // With nothing left to replay the replica is current, however old its last transaction is.
    const ageSeconds = gap > 0 ? r.lastReplayAgeSeconds : 0;
    const age = r.lastReplayAgeSeconds === null ? "no transaction replayed yet" : `last transaction replayed ${formatSeconds(r.lastReplayAgeSeconds)} ago`;
    const detail = `received ${r.receiveLsn}, replayed ${r.replayLsn}: ${formatBytes(gap)} received but not replayed; ${age}`;
    const severity = grade(gap, ageSeconds, t);
    if (severity === "ok") return ok(AREA, "replication.replica_side", detail);
    return problem(severity, AREA, "replication.replica_side", detail,
        `WAL arrives but replay is behind: check disk I/O on the replica and queries that conflict with replay (max_standby_streaming_delay, hot_standby_feedback). ${SYNC_COMMIT_HINT}`);
}
