import { Client } from "pg";
import { ArchiveFacts, ConnectionFacts, DoctorFacts, PartitionSettings, PrimaryFacts, ReplicationFacts } from "@pgscale/core";
import { explainQuery } from "./query-plan";
import { errorCode, errorText, gather, withSession } from "./session";

export type PrimaryPart = Pick<DoctorFacts, "primary" | "connections" | "replication" | "partitionSettings" | "query">;

async function identity(c: Client): Promise<PrimaryFacts> {
    // pg_has_role is true for superusers too; pg_monitor includes pg_read_all_stats.
    const { rows: [r] } = await c.query(`SELECT current_setting('server_version') AS version, current_user AS role,
        pg_is_in_recovery() AS in_recovery, pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS privileged`);
    return { serverVersion: r.version, role: r.role, inRecovery: r.in_recovery, privileged: r.privileged };
}

async function connections(c: Client): Promise<ConnectionFacts> {
    // Without privilege backend_type is hidden for other roles' sessions; a session attached
    // to a database (datid) is then the best sign of a client backend.
    const { rows: [r] } = await c.query(`SELECT
        count(*) FILTER (WHERE backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL))::int AS clients,
        current_setting('max_connections')::int AS max_connections,
        current_setting('superuser_reserved_connections')::int AS reserved
        FROM pg_stat_activity`);
    const states = await c.query(`SELECT state, count(*)::int AS n FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND state IS NOT NULL GROUP BY state ORDER BY state`);
    // reset_val: what an application session gets (doctor SETs its own statement_timeout), as a raw
    // number in the setting's unit (ms or s), unlike current_setting's "1min".
    const timeouts = await c.query(`SELECT name, reset_val::float8 / CASE unit WHEN 'ms' THEN 1000 ELSE 1 END AS seconds
        FROM pg_settings WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout', 'idle_session_timeout', 'tcp_keepalives_idle')`);
    const t = Object.fromEntries(timeouts.rows.map((s) => [s.name, Number(s.seconds)]));
    return {
        clientBackends: r.clients,
        maxConnections: r.max_connections,
        superuserReservedConnections: r.reserved,
        states: Object.fromEntries(states.rows.map((s) => [s.state, s.n])),
        timeouts: {
            statement_timeout: t.statement_timeout ?? 0,
            idle_in_transaction_session_timeout: t.idle_in_transaction_session_timeout ?? 0,
            idle_session_timeout: t.idle_session_timeout ?? 0,
            tcp_keepalives_idle: t.tcp_keepalives_idle ?? 0,
        },
    };
}

async function replication(c: Client): Promise<ReplicationFacts> {
    const replicas = await c.query(`SELECT application_name AS name, client_addr::text AS addr, state, sync_state,
        pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn)::float8 AS unsent,
        pg_wal_lsn_diff(sent_lsn, flush_lsn)::float8 AS unflushed,
        pg_wal_lsn_diff(flush_lsn, replay_lsn)::float8 AS unreplayed,
        pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS total,
        extract(epoch FROM write_lag)::float8 AS write_lag,
        extract(epoch FROM flush_lag)::float8 AS flush_lag,
        extract(epoch FROM replay_lag)::float8 AS replay_lag
        FROM pg_stat_replication ORDER BY application_name`);
    const slots = await c.query(`SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS retained
        FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY slot_name`);
    return {
        archive: await archive(c),
        replicas: replicas.rows.map((r) => ({
            name: r.name, clientAddr: r.addr, state: r.state, syncState: r.sync_state,
            unsentBytes: r.unsent, unflushedBytes: r.unflushed, unreplayedBytes: r.unreplayed, totalLagBytes: r.total,
            writeLagSeconds: r.write_lag, flushLagSeconds: r.flush_lag, replayLagSeconds: r.replay_lag,
        })),
        slots: slots.rows.map((s) => ({ name: s.slot_name, active: s.active, retainedBytes: s.retained })),
    };
}

async function archive(c: Client): Promise<ArchiveFacts> {
    const { rows: [a] } = await c.query(`SELECT current_setting('archive_mode') AS mode, archived_count::float8 AS archived, last_archived_wal,
        extract(epoch FROM now() - last_archived_time)::float8 AS archived_age, failed_count::float8 AS failed, last_failed_wal,
        extract(epoch FROM now() - last_failed_time)::float8 AS failed_age, pg_size_bytes(current_setting('wal_segment_size'))::float8 AS segment
        FROM pg_stat_archiver`);
    // Listing archive_status needs pg_monitor (or superuser); without it the backlog is unknown.
    const ready = await c.query(`SELECT count(*)::int AS n FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'`).then((r) => r.rows[0].n as number, () => null);
    return {
        mode: a.mode, archivedCount: a.archived, lastArchivedWal: a.last_archived_wal, lastArchivedAgeSeconds: a.archived_age,
        failedCount: a.failed, lastFailedWal: a.last_failed_wal, lastFailedAgeSeconds: a.failed_age, readySegments: ready, segmentBytes: a.segment,
    };
}

async function partitionSettings(c: Client): Promise<PartitionSettings> {
    const { rows: [r] } = await c.query(`SELECT current_setting('enable_partition_pruning') AS pruning, current_setting('constraint_exclusion') AS ce`);
    return { enablePartitionPruning: r.pruning, constraintExclusion: r.ce };
}

/**
 * Everything doctor reads from the primary, on one connection. Each part that fails is
 * reported as such; a failed connection is the only thing said about the primary then.
 */
export async function gatherFromPrimary(uri: string, sql: string | undefined): Promise<PrimaryPart> {
    try {
        return await withSession(uri, async (c) => {
            const primary = await gather(() => identity(c));
            if (!primary.ok) return { primary };
            const part: PrimaryPart = { primary, connections: await gather(() => connections(c)) };
            // A standby has no WAL senders of its own to judge; replication.role reports the mix-up.
            if (!primary.value.inRecovery) part.replication = await gather(() => replication(c));
            part.partitionSettings = await gather(() => partitionSettings(c));
            if (sql !== undefined) part.query = await gather(() => explainQuery(c, sql));
            return part;
        });
    } catch (err) {
        const code = errorCode(err);
        return { primary: { ok: false, error: errorText(err), ...(code ? { code } : {}) } };
    }
}
