import { stringify } from "yaml";

// pgscale's custom queries for postgres_exporter (its `--extend.query-path` file). The exporter
// runs beside every member, primary and replicas alike, connected to the application database as
// a role holding only pg_monitor; it does not know which role its member has, and a member changes
// role under it at every failover. So every query here must answer on a primary and on a hot
// standby (PostgreSQL 15 and 17), must not error on a database without partitioned tables, and
// must read nothing pg_monitor cannot (catalogs and pg_stat_* views only, no table data): an
// erroring query costs its metrics on every scrape, silently as far as the alerts are concerned.

/** How postgres_exporter treats a column: a label of the row's series, or a sample. */
export type ExporterColumnUsage = "LABEL" | "GAUGE" | "COUNTER";

/** One column of a custom query, as the exporter's file declares it. */
export interface ExporterColumn {
    column: string;
    usage: ExporterColumnUsage;
    description: string;
}

/** One custom query: its samples are named `<name>_<column>`. */
export interface ExporterQuery {
    /** The exporter's namespace for the query, the prefix of its metric names. */
    name: string;
    /** Why the query exists and what its rows are, for readers of this module (not rendered). */
    purpose: string;
    /** The statement, one line: the exporter logs a failing query whole. */
    sql: string;
    /**
     * Seconds the exporter reuses the query's last result for (its `cache_seconds`) instead of
     * running it on every scrape. Default: run every scrape.
     */
    cacheSeconds?: number;
    /**
     * Every column the query returns, in order. The exporter reports a column it has no entry for
     * as an untyped sample, so a missing entry would not fail but would publish a label as a metric.
     */
    columns: readonly ExporterColumn[];
}

const label = (column: string, description: string): ExporterColumn => ({ column, usage: "LABEL", description });
const gauge = (column: string, description: string): ExporterColumn => ({ column, usage: "GAUGE", description });
const counter = (column: string, description: string): ExporterColumn => ({ column, usage: "COUNTER", description });

/** Collapses the SQL below to one line (no literal in it holds a run of spaces). */
const sql = (text: string) => text.replace(/\s+/g, " ").trim();

/**
 * pg_get_expr(relpartbound) of a one-column RANGE partition: FROM and TO each a quoted literal, or
 * MINVALUE / MAXVALUE. Group 1 is the lower literal (NULL for MINVALUE), group 2 the upper (NULL
 * for MAXVALUE). A partition of a multi-column key, a LIST or HASH partition and DEFAULT do not match.
 * Literals of date and timestamp types never contain a quote, so `[^']*` reads them whole. An
 * E'' literal: its backslashes mean the same whatever standard_conforming_strings is set to.
 */
const RANGE_BOUND_RE = String.raw`E'^FOR VALUES FROM \\((?:\'([^\']*)\'|MINVALUE)\\) TO \\((?:\'([^\']*)\'|MAXVALUE)\\)$'`;

/** The queries, in the order the file lists them. */
export const PGSCALE_QUERIES: readonly ExporterQuery[] = [
    {
        name: "pgscale_replication",
        purpose:
            "The primary's view of each standby it sends WAL to. Rows on a primary only: a cascading " +
            "standby's own walsenders are left out (the guard in WHERE), and pg_current_wal_lsn(), which " +
            "errors during recovery, is guarded by CASE as well in case a planner ever evaluates the " +
            "select list first. Grouped by the labels so two senders alike (two pg_basebackup runs " +
            "from one host) cannot emit the same series twice, which would fail the whole scrape.",
        sql: sql(`
            SELECT coalesce(application_name, '') AS application_name,
                   coalesce(host(client_addr), '') AS client_addr,
                   coalesce(state, '') AS state,
                   coalesce(sync_state, '') AS sync_state,
                   max(CASE WHEN pg_is_in_recovery() THEN NULL
                            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) END)::float8 AS lag_bytes,
                   max(coalesce(extract(epoch FROM replay_lag), 0))::float8 AS replay_lag_seconds
            FROM pg_stat_replication
            WHERE NOT pg_is_in_recovery()
            GROUP BY 1, 2, 3, 4`),
        columns: [
            label("application_name", "The standby's application_name: its Patroni member name."),
            label("client_addr", "The standby's address (empty over a Unix socket)."),
            label("state", "The walsender's state: streaming, catchup, startup, backup or stopping."),
            label("sync_state", "async, potential, sync or quorum."),
            gauge("lag_bytes", "Bytes of WAL the primary has written that the standby has not replayed; NaN before the standby reports a replay position (e.g. a base backup)."),
            gauge("replay_lag_seconds", "pg_stat_replication.replay_lag in seconds; 0 when PostgreSQL reports none (an idle, caught-up standby)."),
        ],
    },
    {
        name: "pgscale_wal_receiver",
        purpose:
            "A standby's WAL receiver. Exactly one row on a standby, none on a primary: a standby " +
            "with no receiver process at all (its primary unreachable, replaying from the archive) " +
            "still reports streaming 0, so 'not streaming' is a sample and not an absence.",
        sql: sql(`
            SELECT coalesce(w.status, 'none') AS status,
                   CASE WHEN w.status = 'streaming' THEN 1 ELSE 0 END::float8 AS streaming,
                   extract(epoch FROM now() - w.last_msg_receipt_time)::float8 AS last_msg_age_seconds
            FROM (SELECT pg_is_in_recovery() AS in_recovery) r
            LEFT JOIN pg_stat_wal_receiver w ON true
            WHERE r.in_recovery`),
        columns: [
            label("status", "The receiver's status (streaming, starting, waiting, restarting, stopping, stopped), or none without a receiver."),
            gauge("streaming", "1 while the standby streams WAL from its upstream, else 0."),
            gauge("last_msg_age_seconds", "Seconds since the receiver last heard from its upstream; NaN without a receiver."),
        ],
    },
    {
        name: "pgscale_recovery",
        purpose: "Whether the member is a standby, so rules can single out the primary's samples.",
        sql: sql(`SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END::float8 AS in_recovery`),
        columns: [gauge("in_recovery", "1 on a standby (in recovery), 0 on a primary.")],
    },
    {
        name: "pgscale_replication_slot",
        purpose:
            "WAL each replication slot keeps on this member's disk. On a standby (Patroni keeps copies " +
            "of slots there) the reference point is the last replayed position, since " +
            "pg_current_wal_lsn() errors during recovery.",
        sql: sql(`
            SELECT slot_name::text AS slot_name, slot_type::text AS slot_type, active::text AS active,
                   coalesce(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                                                 ELSE pg_current_wal_lsn() END, restart_lsn), 0)::float8 AS retained_bytes
            FROM pg_replication_slots`),
        columns: [
            label("slot_name", "The slot's name (Patroni names a member's slot after the member)."),
            label("slot_type", "physical or logical."),
            label("active", "true while a client consumes the slot."),
            gauge("retained_bytes", "Bytes of WAL from the slot's restart_lsn to this member's current (or, on a standby, last replayed) position; 0 for a slot that reserves none."),
        ],
    },
    {
        name: "pgscale_connections",
        purpose:
            "Client connections by state, server-wide (every database counts against max_connections); " +
            "background workers and walsenders are left out, as they do not take client slots.",
        sql: sql(`
            SELECT coalesce(state, 'unknown') AS state, count(*)::float8 AS count
            FROM pg_stat_activity
            WHERE backend_type = 'client backend'
            GROUP BY 1`),
        columns: [
            label("state", "active, idle, idle in transaction, ..., or unknown when PostgreSQL tracks none."),
            gauge("count", "Client backends in this state."),
        ],
    },
    {
        name: "pgscale_settings",
        purpose: "Settings the rules compare samples with.",
        sql: sql(`SELECT current_setting('max_connections')::float8 AS max_connections`),
        columns: [gauge("max_connections", "The server's max_connections.")],
    },
    {
        name: "pgscale_archiver",
        purpose:
            "WAL archiving (pg_stat_archiver). Only a primary's figures mean anything: a standby that " +
            "does not archive reports its own, possibly stale, counters.",
        sql: sql(`
            SELECT failed_count::float8 AS failed_count,
                   archived_count::float8 AS archived_count,
                   coalesce(extract(epoch FROM last_archived_time), 0)::float8 AS last_archived_time_seconds,
                   coalesce(extract(epoch FROM last_failed_time), 0)::float8 AS last_failed_time_seconds
            FROM pg_stat_archiver`),
        columns: [
            counter("failed_count", "Failed attempts to archive a WAL file since the statistics were last reset."),
            counter("archived_count", "WAL files archived since the statistics were last reset."),
            gauge("last_archived_time_seconds", "Unix time of the last successful archive; 0 if none."),
            gauge("last_failed_time_seconds", "Unix time of the last failed archive attempt; 0 if none."),
        ],
    },
    {
        name: "pgscale_partition",
        purpose:
            "One row per partitioned table of the database: for a RANGE partitioning on one date/timestamp/timestamptz key (column or expression, " +
            "recognised by its operator class's input type) how far ahead its newest partition " +
            "reaches. Bounds are read from pg_get_expr(relpartbound) with a regular expression, and " +
            "only a time key's literals are cast (the CASE guards the cast, whatever order the planner " +
            "picks), so integer, text or multi-column keys and MINVALUE/MAXVALUE never raise. The " +
            "literals are printed and cast back in the same session, so DateStyle does not matter; a " +
            "date or timestamp (without time zone) bound is read in the session's TimeZone. A table " +
            "with a partition up to MAXVALUE (or 'infinity') has no runway to run out of: its bound " +
            "gauges are NULL, which the exporter reports as NaN, as for a table that is not " +
            "time-ranged or has no partitions yet. Cached: pg_get_expr costs about 0.1 ms a partition " +
            "(100 ms for 1,000 on PostgreSQL 17), and partitions change at the pace of maintenance, " +
            "not of scrapes (rows in DEFAULT are pgscale_partition_default's, uncached).",
        cacheSeconds: 60,
        sql: sql(`
            WITH parted AS (
                SELECT pt.partrelid AS parent,
                       pt.partstrat = 'r' AND pt.partnatts = 1
                       AND oc.opcintype IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) AS time_range
                FROM pg_partitioned_table pt
                JOIN pg_opclass oc ON oc.oid = pt.partclass[0]
            ), parts AS (
                SELECT i.inhparent AS parent, c.oid AS part, pg_get_expr(c.relpartbound, c.oid) AS bound
                FROM pg_inherits i
                JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent IN (SELECT parent FROM parted)
            ), matched AS (
                SELECT p.parent, k.time_range,
                       regexp_match(p.bound, ${RANGE_BOUND_RE}) AS m
                FROM parts p JOIN parted k ON k.parent = p.parent
            ), ranges AS (
                SELECT parent, m IS NOT NULL AND m[2] IS NULL AS to_maxvalue,
                       CASE WHEN time_range AND m[1] IS NOT NULL THEN extract(epoch FROM m[1]::timestamptz)::float8 END AS lower,
                       CASE WHEN time_range AND m[2] IS NOT NULL THEN extract(epoch FROM m[2]::timestamptz)::float8 END AS upper
                FROM matched
            ), newest AS (
                SELECT DISTINCT ON (parent) parent, lower, upper
                FROM ranges WHERE upper IS NOT NULL
                ORDER BY parent, upper DESC
            ), unbounded AS (
                SELECT parent FROM ranges
                GROUP BY parent HAVING bool_or(to_maxvalue OR upper = 'Infinity'::float8)
            )
            SELECT n.nspname::text AS schema, c.relname::text AS "table",
                   w.upper AS newest_upper_bound_seconds,
                   w.upper - w.lower AS interval_seconds,
                   w.upper - extract(epoch FROM now())::float8 AS ahead_seconds
            FROM parted k
            JOIN pg_class c ON c.oid = k.parent
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN newest w ON w.parent = k.parent AND k.parent NOT IN (SELECT parent FROM unbounded)
            WHERE c.relpersistence <> 't'`),
        columns: [
            label("schema", "The partitioned table's schema."),
            label("table", "The partitioned table's name."),
            gauge("newest_upper_bound_seconds", "Unix time the newest partition ends at (its exclusive upper bound); NaN unless ranged on one time key and bounded."),
            gauge("interval_seconds", "The newest partition's span (upper minus lower bound) in seconds; NaN when its lower bound is MINVALUE or as above."),
            gauge("ahead_seconds", "Seconds from now until the newest partition ends: negative once rows have no partition but DEFAULT; NaN as above."),
        ],
    },
    {
        name: "pgscale_partition_default",
        purpose:
            "Rows landing in each partitioned table's DEFAULT partition (pg_partitioned_table.partdefid, " +
            "no bound parsing, so uncached: a row there means a partition is missing now). n_live_tup " +
            "is maintained on the primary as rows come and go; a standby's statistics do not follow " +
            "replay, so it reports 0 there, and a newly promoted primary undercounts until ANALYZE or " +
            "autovacuum.",
        sql: sql(`
            SELECT n.nspname::text AS schema, c.relname::text AS "table", coalesce(s.n_live_tup, 0)::float8 AS rows
            FROM pg_partitioned_table pt
            JOIN pg_class c ON c.oid = pt.partrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_stat_user_tables s ON s.relid = pt.partdefid
            WHERE c.relpersistence <> 't'`),
        columns: [
            label("schema", "The partitioned table's schema."),
            label("table", "The partitioned table's name."),
            gauge("rows", "Live rows (n_live_tup) in the table's DEFAULT partition; 0 without one."),
        ],
    },
];

/** Every metric name the queries produce (`<query>_<column>` of each non-label column). */
export const PGSCALE_QUERY_METRICS: readonly string[] = Object.freeze(
    PGSCALE_QUERIES.flatMap((q) => q.columns.filter((c) => c.usage !== "LABEL").map((c) => `${q.name}_${c.column}`)),
);

/**
 * The file postgres_exporter reads with `--extend.query-path` (0.17's format: query name ->
 * `query`, `master`, `metrics` of `{column: {usage, description}}`). Every query is `master: true`,
 * run on the database of the exporter's connection string only: should the exporter ever be
 * started with `--auto-discover-databases`, the server-wide queries would otherwise be answered
 * once per database, with identical series.
 */
export function renderPostgresExporterQueries(): string {
    const doc: Record<string, unknown> = {};
    for (const q of PGSCALE_QUERIES) {
        doc[q.name] = {
            query: q.sql,
            master: true,
            ...(q.cacheSeconds !== undefined ? { cache_seconds: q.cacheSeconds } : {}),
            metrics: q.columns.map((c) => ({ [c.column]: { usage: c.usage, description: c.description } })),
        };
    }
    // lineWidth 0: a folded query would still be correct YAML, but one line greps and diffs better.
    return stringify(doc, { lineWidth: 0 });
}
