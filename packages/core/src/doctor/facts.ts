/**
 * What `pgscale doctor` gathers from a live deployment, as plain data. The CLI does the I/O;
 * everything here is decided from these facts alone, so every branch is testable without servers.
 */

import type { HistoryFacts } from "./history";
import type { BackupReport } from "../backup/findings";

/** A fact doctor tried to gather: its value, or why it could not (the error's message and code). */
export type Gathered<T> = { ok: true; value: T } | { ok: false; error: string; code?: string };

/** The primary as reached through --primary-uri. */
export interface PrimaryFacts {
    /** e.g. "15.8"; `server_version`. */
    serverVersion: string;
    /** The role doctor connected as. */
    role: string;
    /**
     * Superuser or member of pg_read_all_stats (pg_monitor includes it). Without it PostgreSQL
     * hides other sessions' state and every column of pg_stat_replication but the pid.
     */
    privileged: boolean;
    /** pg_is_in_recovery(): true when --primary-uri reached a standby. */
    inRecovery: boolean;
}

/** pg_stat_activity against max_connections. */
export interface ConnectionFacts {
    /** Client backends; without privilege estimated from sessions attached to a database. */
    clientBackends: number;
    /** Visible client sessions per state ("active", "idle", "idle in transaction", ...). */
    states: Record<string, number>;
    maxConnections: number;
    superuserReservedConnections: number;
    /** The server's own timeouts (pg_settings), in seconds; 0 means none (system default for keepalives). */
    timeouts: ServerTimeouts;
}

export interface ServerTimeouts {
    statement_timeout: number;
    idle_in_transaction_session_timeout: number;
    idle_session_timeout: number;
    tcp_keepalives_idle: number;
}

/** PgBouncer's timeouts doctor reads from SHOW CONFIG, in seconds (0: none). */
export const POOLER_TIMEOUTS = [
    "query_timeout", "query_wait_timeout", "idle_transaction_timeout", "client_idle_timeout",
    "server_idle_timeout", "server_lifetime", "server_connect_timeout",
] as const;
export type PoolerTimeouts = Partial<Record<(typeof POOLER_TIMEOUTS)[number], number>>;

/** One row of pg_stat_replication, with the LSN differences computed by the server. */
export interface ReplicaStat {
    /** application_name: Patroni sets it to the member name. */
    name: string;
    clientAddr: string | null;
    /** streaming, catchup, startup, backup; null when the role lacks privilege. */
    state: string | null;
    syncState: string | null;
    /** WAL written on the primary but not yet sent (the WAL sender is behind). */
    unsentBytes: number | null;
    /** Sent but not yet flushed by the replica (network, or the replica's WAL disk). */
    unflushedBytes: number | null;
    /** Flushed but not yet replayed (the replica's apply: disk I/O, CPU, query conflicts). */
    unreplayedBytes: number | null;
    /** pg_current_wal_lsn() - replay_lsn. */
    totalLagBytes: number | null;
    /** write_lag / flush_lag / replay_lag in seconds; null when the replica is idle or hidden. */
    writeLagSeconds: number | null;
    flushLagSeconds: number | null;
    replayLagSeconds: number | null;
}

/** A physical replication slot on the primary. */
export interface SlotStat {
    name: string;
    active: boolean;
    /** WAL the slot keeps on the primary's disk (current LSN - restart_lsn). */
    retainedBytes: number | null;
}

export interface ReplicationFacts {
    replicas: ReplicaStat[];
    slots: SlotStat[];
    /** WAL archiving on the primary; absent from facts gathered before doctor read it. */
    archive?: ArchiveFacts;
}

/** pg_stat_archiver and the WAL waiting to be archived. */
export interface ArchiveFacts {
    /** archive_mode: "off", "on" or "always". */
    mode: string;
    archivedCount: number;
    lastArchivedWal: string | null;
    /** Seconds since the last segment was archived; null when none was. */
    lastArchivedAgeSeconds: number | null;
    failedCount: number;
    lastFailedWal: string | null;
    lastFailedAgeSeconds: number | null;
    /** Segments whose archiving is pending (archive_status/*.ready); null without the privilege to list them. */
    readySegments: number | null;
    /** wal_segment_size in bytes. */
    segmentBytes: number;
}

/** The replica-side view through --replica-uri. */
export interface ReplicaSideFacts {
    inRecovery: boolean;
    receiveLsn: string | null;
    replayLsn: string | null;
    /** pg_last_wal_receive_lsn() - pg_last_wal_replay_lsn(). */
    replayGapBytes: number | null;
    /** now() - pg_last_xact_replay_timestamp(), seconds; null before the first replayed transaction. */
    lastReplayAgeSeconds: number | null;
}

/** A row of PgBouncer's SHOW POOLS. */
export interface PoolerPool {
    database: string;
    user: string;
    clientsActive: number;
    clientsWaiting: number;
    serversActive: number;
    serversIdle: number;
    serversUsed: number;
    serversTested: number;
    serversLogin: number;
    /** How long the oldest waiting client has waited (maxwait + maxwait_us). */
    maxWaitSeconds: number;
    poolMode: string;
}

/** A row of SHOW DATABASES: the effective pool limits. */
export interface PoolerDatabase {
    name: string;
    poolSize: number;
    reservePool: number;
    paused: boolean;
    disabled: boolean;
}

/** A row of SHOW STATS (averages over the last stats period). */
export interface PoolerStats {
    database: string;
    /** avg_wait_time: time clients spent waiting for a server connection, microseconds. */
    avgWaitMicros: number;
    avgQueryMicros: number;
    totalXactCount: number;
}

export interface PoolerFacts {
    pools: PoolerPool[];
    databases: PoolerDatabase[];
    stats: PoolerStats[];
    /** From SHOW CONFIG; query_wait_timeout: a client waiting this long gets an error. */
    timeouts: PoolerTimeouts;
}

/** A member as Patroni's GET /cluster lists it. */
export interface PatroniMember {
    name: string;
    /** leader, replica, sync_standby, standby_leader. */
    role: string;
    /** running, streaming, stopped, starting, ... */
    state: string;
    host?: string;
    timeline?: number;
    /** Bytes behind the leader, or "unknown". */
    lag?: number | string;
}

export interface PatroniFacts {
    /** Every REST URL doctor was given, and whether it answered. */
    endpoints: Array<{ url: string; reachable: boolean; error?: string }>;
    /** GET /cluster from the first endpoint that answered; null when none did. */
    members: PatroniMember[] | null;
}

export interface PartitionSettings {
    enablePartitionPruning: string;
    constraintExclusion: string;
}

/** A partitioned table the checked query reads. */
export interface PartitionedTable {
    /** schema.name */
    name: string;
    /** pg_get_partkeydef(), e.g. "RANGE (created_at)". */
    key: string;
    /** Leaf partitions, schema.name. */
    leaves: string[];
    /** Leaves that are postgres_fdw foreign tables (a sharded table's slices): leaf -> the server it reads. */
    shards?: Record<string, string>;
}

export interface QueryPlanFacts {
    sql: string;
    /** Output of EXPLAIN (FORMAT JSON, VERBOSE) with the session's pruning settings. */
    plan: unknown;
    /** The partitioned tables the query reads (found by planning it with pruning off). */
    partitionedTables: PartitionedTable[];
}

/**
 * Everything one doctor run gathered. An absent optional field was not asked for
 * (no --pooler-admin-uri, no --query, ...); a failed one carries its error.
 */
export interface DoctorFacts {
    primary: Gathered<PrimaryFacts>;
    /** Gathered only when the primary answered. */
    connections?: Gathered<ConnectionFacts>;
    replication?: Gathered<ReplicationFacts>;
    partitionSettings?: Gathered<PartitionSettings>;
    query?: Gathered<QueryPlanFacts>;
    pooler?: Gathered<PoolerFacts>;
    replica?: Gathered<ReplicaSideFacts>;
    patroni?: PatroniFacts;
    /** With `--prometheus`: the worst of each metric over the window, and the alerts firing. */
    history?: Gathered<HistoryFacts>;
    /** With `--backup-container`: `pgscale backup status`'s report (repository, schedule, scheduler, drills). */
    backup?: Gathered<BackupReport>;
}
