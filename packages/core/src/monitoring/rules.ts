import { stringify } from "yaml";
import { parseSpec } from "../validation";
import { AlertThresholds, alertThresholdsSpec } from "./alert-thresholds";

// pgscale's Prometheus alert rules, as code: one rule file for every cluster, pool and frontend of
// a stack. Rules select targets by the labels the scrape configuration guarantees on every series:
// `job` (postgres, patroni, pgbouncer, haproxy), `cluster` (the pgscale construct the target
// belongs to), `member` (the Patroni member, on postgres and patroni targets) and `instance`. They
// group by `cluster` (and `member`), never by `instance`, so one problem is one alert whatever the
// container is called. Each rule's `runbook` annotation is the playbook's own advice for it
// (PLAYBOOK.md: the decision tree, the error table, the sections the configuration came from).
//
// Timing: Prometheus marks a target's series stale at its first failed scrape, but a healthy
// target's sample stands until its next scrape, so what the rules see lags the cluster by up to
// one scrape interval (15 s by default). A `for` shorter than that lag can catch transients a
// planned operation makes (a switchover seen half-done); the defaults below are chosen against it.


/**
 * Metrics the rules read that pgscale's own queries (PGSCALE_QUERY_METRICS) do not produce, by
 * source, as verified against the versions pgscale's images ship:
 * - `patroni`: Patroni's /metrics (patroni/api.py do_GET_metrics) in Patroni 4.0.7
 *   (pgscale/patroni-17) and 3.0.2 (pgscale/patroni, PostgreSQL 15); only names both serve.
 *   Patroni's `patroni_primary` is 1 when PostgreSQL is out of recovery (pg_is_in_recovery() false), whatever the DCS says.
 * - `pgbouncer`: pgbouncer_exporter 0.10.2 against PgBouncer 1.24 (labels database, user).
 * - `postgres`: postgres_exporter 0.17's own pg_up (0 when it cannot reach PostgreSQL).
 * - `prometheus`: `up`, which Prometheus records for every target.
 * The `backup` job's metrics (pgscale_backup_*) are the backup scheduler's own, in the
 * patroni-17 image (BACKUP_SCHEDULER_METRICS, and BACKUP_DRILL_METRICS with `backup.drill`).
 */
export const RULE_EXTERNAL_METRICS = {
    patroni: ["patroni_primary", "patroni_postgres_running"],
    pgbouncer: ["pgbouncer_up", "pgbouncer_pools_client_waiting_connections", "pgbouncer_pools_client_maxwait_seconds"],
    postgres: ["pg_up"],
    prometheus: ["up"],
} as const;

/** The alerts renderAlertRules writes, in the order of the file. */
export const ALERT_NAMES = [
    "PgscaleNoPrimary",
    "PgscaleMultiplePrimaries",
    "PgscaleMemberDown",
    "PgscalePoolerDown",
    "PgscaleHaproxyDown",
    "PgscaleReplicaNotStreaming",
    "PgscaleReplicationLagBytes",
    "PgscaleReplicationLagSeconds",
    "PgscaleSlotRetainingWal",
    "PgscaleArchivingFailing",
    "PgscaleConnectionsHigh",
    "PgscalePoolClientsWaiting",
    "PgscalePoolMaxWait",
    "PgscalePartitionRunwayShort",
    "PgscaleRowsInDefaultPartition",
    "PgscaleBackupTooOld",
    "PgscaleBackupFailing",
    "PgscaleRestoreDrillFailing",
    "PgscaleRestoreDrillOverObjective",
    "PgscaleRestoreDrillOverdue",
] as const;
/** The name (`alertname` label) of one of pgscale's alerts. */
export type AlertName = (typeof ALERT_NAMES)[number];

/** critical: writes or connections fail now, or data is at risk; warning: degraded, act within hours. */
export type AlertSeverity = "critical" | "warning";

/** One alerting rule, in Prometheus's rule-file shape. */
export interface AlertRule {
    alert: AlertName;
    expr: string;
    for: string;
    labels: { severity: AlertSeverity };
    annotations: { summary: string; description: string; runbook: string };
}

/** The rule groups of the file: Prometheus evaluates groups concurrently, rules within one in order. */
export const ALERT_GROUPS: Readonly<Record<string, readonly AlertName[]>> = {
    "pgscale.availability": ["PgscaleNoPrimary", "PgscaleMultiplePrimaries", "PgscaleMemberDown", "PgscalePoolerDown", "PgscaleHaproxyDown"],
    "pgscale.replication": ["PgscaleReplicaNotStreaming", "PgscaleReplicationLagBytes", "PgscaleReplicationLagSeconds", "PgscaleSlotRetainingWal", "PgscaleArchivingFailing"],
    "pgscale.connections": ["PgscaleConnectionsHigh", "PgscalePoolClientsWaiting", "PgscalePoolMaxWait"],
    "pgscale.partitions": ["PgscalePartitionRunwayShort", "PgscaleRowsInDefaultPartition"],
    "pgscale.backups": ["PgscaleBackupTooOld", "PgscaleBackupFailing", "PgscaleRestoreDrillFailing", "PgscaleRestoreDrillOverObjective", "PgscaleRestoreDrillOverdue"],
};

/**
 * What the backup scheduler of a member with `backup` serves (job `backup`): every member reads
 * the repository, the acting one (the first streaming replica, else the primary) also takes the
 * backups, each under the backup lease in the DCS.
 */
export const BACKUP_SCHEDULER_METRICS = [
    "pgscale_backup_scheduler_acting", "pgscale_backup_schedule_interval_seconds", "pgscale_backup_repository_readable",
    "pgscale_backup_last_completed_timestamp_seconds", "pgscale_backup_sets", "pgscale_backup_running", "pgscale_backup_failing",
    "pgscale_backup_lease_refusals_total",
] as const;

/**
 * What the backup scheduler also serves with `backup.drill`: the cluster's last scheduled drill,
 * which the acting member records in the DCS and every member reports. The figures of the last
 * drill that restored (last success, restore seconds, restorable point, loss window, objectives
 * exceeded) appear once one has.
 */
export const BACKUP_DRILL_METRICS = [
    "pgscale_backup_drill_interval_seconds", "pgscale_backup_drill_objective_seconds", "pgscale_backup_drill_failing",
    "pgscale_backup_drill_last_run_timestamp_seconds", "pgscale_backup_drill_last_success_timestamp_seconds",
    "pgscale_backup_drill_restore_seconds", "pgscale_backup_drill_restorable_timestamp_seconds",
    "pgscale_backup_drill_loss_window_seconds", "pgscale_backup_drill_objective_exceeded",
] as const;

/** A member that is a running primary, by Patroni: out of recovery, and PostgreSQL running. */
const RUNNING_PRIMARY = `(patroni_primary{job="patroni"} == 1 and patroni_postgres_running{job="patroni"} == 1)`;

type Rule = Omit<AlertRule, "alert">;

/** Every rule's definition; a Record so that a name in ALERT_NAMES without a rule does not compile. */
const RULES: Record<AlertName, (t: AlertThresholds) => Rule> = {
    // `up` of the cluster's Patroni targets stands in for the cluster, so the alert also fires when
    // every member's Patroni is unreachable (their patroni_* series are stale then, not 0).
    PgscaleNoPrimary: (t) => ({
        expr: `count by (cluster) (up{job="patroni"}) unless on (cluster) ${RUNNING_PRIMARY}`,
        for: t.noPrimaryFor,
        labels: { severity: "critical" },
        annotations: {
            summary: "Cluster {{ $labels.cluster }} has no primary",
            description: "None of the {{ $value }} Patroni members of cluster {{ $labels.cluster }} is a running primary: writes fail.",
            runbook: "Playbook, Error Handling: 08006 Connection failure -> Failover to replica. Patroni promotes a replica within maximum_lag_on_failover once the leader key expires (ttl); if none is promoted, check `patronictl list`, the etcd3 hosts and each member's Patroni log.",
        },
    }),
    PgscaleMultiplePrimaries: (t) => ({
        expr: `count by (cluster) ${RUNNING_PRIMARY} > 1`,
        for: t.multiplePrimariesFor,
        labels: { severity: "critical" },
        annotations: {
            summary: "Cluster {{ $labels.cluster }} has {{ $value }} primaries",
            description: "{{ $value }} members of cluster {{ $labels.cluster }} run as primary at once (split brain): writes to all but the leader are lost.",
            runbook: "Playbook, HAProxy for Load Balancing: writes must go only to the member answering `option httpchk GET /primary`; find the leader key's holder with `patronictl list` and stop PostgreSQL on the other primary (with use_pg_rewind it rejoins as a replica).",
        },
    }),
    // Every failing signal of a member counts once: its Patroni target, its exporter target, its
    // PostgreSQL as Patroni sees it, and the exporter's own connection. `or` keeps series whose
    // labels differ, and `up` and pg_up of one exporter target share theirs, so the count is the
    // number of distinct failing checks, and one member is one alert.
    PgscaleMemberDown: (t) => ({
        expr:
            `count by (cluster, member) (up{job=~"patroni|postgres"} == 0 or patroni_postgres_running{job="patroni"} == 0 ` +
            `or pg_up{job="postgres"} == 0)`,
        for: t.memberDownFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Member {{ $labels.member }} of cluster {{ $labels.cluster }} is down",
            description:
                "{{ $value }} health check(s) of member {{ $labels.member }} of cluster {{ $labels.cluster }} fail " +
                "(its Patroni or postgres_exporter unreachable, PostgreSQL not running, or the exporter unable to connect): the cluster runs with one member less.",
            runbook: "Playbook, Error Handling: 57P01 Admin shutdown -> Reconnect with backoff; 08006 Connection failure -> Failover to replica. Check the member's Patroni and PostgreSQL logs and `patronictl list`; a replica rejoins by itself once PostgreSQL runs again.",
        },
    }),
    // `status` is aggregated away: it changes as the receiver retries (waiting, starting, ...) and
    // would restart the `for` timer with every change.
    PgscaleReplicaNotStreaming: (t) => ({
        expr: `max without (status) (pgscale_wal_receiver_streaming{job="postgres"}) == 0`,
        for: t.replicaNotStreamingFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Replica {{ $labels.member }} of cluster {{ $labels.cluster }} is not streaming",
            description: "Replica {{ $labels.member }} of cluster {{ $labels.cluster }} receives no WAL from its primary: it falls behind and is no failover candidate.",
            runbook: "Playbook, Replication Lag?: Verify WAL sender active (SELECT * FROM pg_stat_replication on the primary) and Check network latency; then the replica's log for why its walreceiver stopped (primary_conninfo, the replication role, WAL already removed).",
        },
    }),
    // The primary reports each standby; sender details that change (state, sync_state, address)
    // are aggregated away so the alert keeps its identity, application_name (the member) stays.
    PgscaleReplicationLagBytes: (t) => ({
        expr: `max without (client_addr, state, sync_state) (pgscale_replication_lag_bytes{job="postgres"}) > ${t.maxReplicaLagBytes}`,
        for: t.replicationLagBytesFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Replica {{ $labels.application_name }} of cluster {{ $labels.cluster }} lags {{ $value | humanize1024 }}B",
            description: `Replica {{ $labels.application_name }} of cluster {{ $labels.cluster }} has not replayed {{ $value | humanize1024 }}B of WAL the primary ({{ $labels.member }}) wrote (threshold ${t.maxReplicaLagBytes} bytes).`,
            runbook: "Playbook, Replication Lag?: Check network latency, Verify WAL sender active, Check disk I/O on replica, Consider synchronous_commit; a replica behind by more than maximum_lag_on_failover is no failover candidate.",
        },
    }),
    PgscaleReplicationLagSeconds: (t) => ({
        expr: `max without (client_addr, state, sync_state) (pgscale_replication_replay_lag_seconds{job="postgres"}) > ${t.maxReplicaLagSeconds}`,
        for: t.replicationLagSecondsFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Replica {{ $labels.application_name }} of cluster {{ $labels.cluster }} replays {{ $value | humanizeDuration }} late",
            description: `Replica {{ $labels.application_name }} of cluster {{ $labels.cluster }} replays commits of the primary ({{ $labels.member }}) {{ $value | humanizeDuration }} after they happen (threshold ${t.maxReplicaLagSeconds} s): reads from it are that stale.`,
            runbook: "Playbook, Replication Lag?: Check network latency, Verify WAL sender active, Check disk I/O on replica, Consider synchronous_commit; long queries on the replica also hold replay back (max_standby_streaming_delay).",
        },
    }),
    // `active` is aggregated away for the same reason as status above.
    PgscaleSlotRetainingWal: (t) => ({
        expr: `max without (active) (pgscale_replication_slot_retained_bytes{job="postgres"}) > ${t.maxSlotRetainedBytes}`,
        for: t.slotRetainingWalFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Slot {{ $labels.slot_name }} keeps {{ $value | humanize1024 }}B of WAL on {{ $labels.member }}",
            description: `Replication slot {{ $labels.slot_name }} ({{ $labels.slot_type }}) keeps {{ $value | humanize1024 }}B of WAL on member {{ $labels.member }} of cluster {{ $labels.cluster }} (threshold ${t.maxSlotRetainedBytes} bytes); it grows until the slot's consumer catches up or the disk is full.`,
            runbook: "Playbook, Debug Checklist: Replica lag: SELECT * FROM pg_stat_replication; a slot with no active replica keeps WAL until its replica returns: bring the replica back, or drop the slot (pg_drop_replication_slot) if it is gone for good, before the disk fills.",
        },
    }),
    // On the primary only: a standby does not archive, and a demoted primary keeps its old counters.
    PgscaleArchivingFailing: (t) => ({
        expr:
            `pgscale_archiver_last_failed_time_seconds{job="postgres"} > pgscale_archiver_last_archived_time_seconds{job="postgres"} ` +
            `and on (cluster, member) pgscale_recovery_in_recovery{job="postgres"} == 0`,
        for: t.archivingFailingFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "WAL archiving fails on {{ $labels.member }} of cluster {{ $labels.cluster }}",
            description: "The primary {{ $labels.member }} of cluster {{ $labels.cluster }} last failed to archive WAL at {{ $value | humanizeTimestamp }}, after its last success: WAL piles up on its disk and point-in-time recovery stops at the last archived segment.",
            runbook: "Not in the playbook (as `pgscale doctor` advises): read archive_command's message in the primary's log; with pgscale's backup run `pgbackrest --stanza=<scope> check` (repository volume full or unreadable, passphrase, stanza).",
        },
    }),
    // Client backends of every database against the server's max_connections; both samples come
    // from the same exporter, with the same labels once `state` is summed away.
    PgscaleConnectionsHigh: (t) => ({
        expr: `sum without (state) (pgscale_connections_count{job="postgres"}) / pgscale_settings_max_connections{job="postgres"} >= ${t.connectionsRatio}`,
        for: t.connectionsHighFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "{{ $labels.member }} of cluster {{ $labels.cluster }} uses {{ $value | humanizePercentage }} of max_connections",
            description: `Client connections on member {{ $labels.member }} of cluster {{ $labels.cluster }} take {{ $value | humanizePercentage }} of max_connections (threshold ${t.connectionsRatio}): new ones soon fail with 53300 too many connections.`,
            runbook: "Playbook, Connection Issues?: Check PgBouncer: SHOW POOLS; Check max_connections; Monitor pg_stat_activity; Review connection timeout settings. 53300 Too many connections -> Use connection pooler.",
        },
    }),
    PgscalePoolClientsWaiting: (t) => ({
        expr: `pgbouncer_pools_client_waiting_connections{job="pgbouncer"} > 0`,
        for: t.poolClientsWaitingFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Clients wait in pool {{ $labels.database }}/{{ $labels.user }} of {{ $labels.cluster }}",
            description: "{{ $value }} client(s) of pool {{ $labels.database }}/{{ $labels.user }} in PgBouncer {{ $labels.cluster }} have been waiting for a server connection without a break: the pool is too small for its load, or transactions hold connections too long.",
            runbook: "Playbook, Connection Issues?: Check PgBouncer: SHOW POOLS; (cl_waiting, sv_active): raise default_pool_size within max_connections or find the long transactions; Review connection timeout settings.",
        },
    }),
    PgscalePoolMaxWait: (t) => ({
        expr: `pgbouncer_pools_client_maxwait_seconds{job="pgbouncer"} > ${t.maxPoolWaitSeconds}`,
        for: t.poolMaxWaitFor,
        labels: { severity: "critical" },
        annotations: {
            summary: "A client has waited {{ $value | humanizeDuration }} in pool {{ $labels.database }}/{{ $labels.user }} of {{ $labels.cluster }}",
            description: `The oldest waiting client of pool {{ $labels.database }}/{{ $labels.user }} in PgBouncer {{ $labels.cluster }} has waited {{ $value | humanizeDuration }} for a server connection (threshold ${t.maxPoolWaitSeconds} s): queries stall.`,
            runbook: "Playbook, Debug Checklist: PgBouncer stats: SHOW STATS; SHOW POOLS; (maxwait, sv_active against default_pool_size, reserve_pool_size): a pool saturated, or unable to reach PostgreSQL through HAProxy's primary listener.",
        },
    }),
    // Either the exporter is unreachable, or it is and PgBouncer is not; same target, same labels,
    // so `or` keeps one series.
    PgscalePoolerDown: (t) => ({
        expr: `up{job="pgbouncer"} == 0 or pgbouncer_up{job="pgbouncer"} == 0`,
        for: t.poolerDownFor,
        labels: { severity: "critical" },
        annotations: {
            summary: "PgBouncer {{ $labels.cluster }} is down",
            description: "PgBouncer {{ $labels.cluster }} ({{ $labels.instance }}) or its exporter does not answer: clients of the pool cannot connect.",
            runbook: "Playbook, Connection Issues?: Check PgBouncer: SHOW POOLS; is its container running and listening (its log)? Clients see 08006 Connection failure -> Reconnect with backoff until it is back.",
        },
    }),
    PgscaleHaproxyDown: (t) => ({
        expr: `up{job="haproxy"} == 0`,
        for: t.haproxyDownFor,
        labels: { severity: "critical" },
        annotations: {
            summary: "HAProxy {{ $labels.cluster }} is down",
            description: "HAProxy frontend {{ $labels.cluster }} ({{ $labels.instance }}) does not answer its metrics scrape: clients that connect through it may not reach PostgreSQL.",
            runbook: "Playbook, HAProxy for Load Balancing: clients reach the primary only through its listener (option httpchk GET /primary); check the container and its log, then the stats page for servers UP on the primary listener.",
        },
    }),
    // Catalog figures, the same on every member (a lagging replica may trail): the largest
    // member's view is the primary's, and one table is one alert.
    PgscalePartitionRunwayShort: (t) => ({
        expr:
            `max by (cluster, schema, table) (pgscale_partition_ahead_seconds{job="postgres"}) ` +
            `< ${t.partitionRunwayIntervals} * max by (cluster, schema, table) (pgscale_partition_interval_seconds{job="postgres"})`,
        for: t.partitionRunwayFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Partitions of {{ $labels.schema }}.{{ $labels.table }} end in {{ $value | humanizeDuration }}",
            description: `The newest partition of {{ $labels.schema }}.{{ $labels.table }} in cluster {{ $labels.cluster }} ends {{ $value | humanizeDuration }} from now, less than ${t.partitionRunwayIntervals} partition interval(s) ahead: after that, new rows go to the default partition, or fail without one.`,
            runbook: "Playbook, Range Partitioning (Time-Series): create the next partitions ahead (pg_partman's create_parent(..., 'monthly') premakes them): run the table's maintenance now (`pulumi up` for a PartitionedTable with `rolling`, pg_partman's run_maintenance otherwise) and check why it did not.",
        },
    }),
    // n_live_tup is kept on the primary only (a standby reports 0): the largest member's figure is the primary's.
    PgscaleRowsInDefaultPartition: (t) => ({
        expr: `max by (cluster, schema, table) (pgscale_partition_default_rows{job="postgres"}) > 0`,
        for: t.defaultPartitionRowsFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "{{ $value | humanize }} rows in the default partition of {{ $labels.schema }}.{{ $labels.table }}",
            description: "About {{ $value | humanize }} rows of {{ $labels.schema }}.{{ $labels.table }} in cluster {{ $labels.cluster }} sit in its default partition: no partition covers their key, and a partition for that range cannot be created while they are there.",
            runbook: "Playbook, Range Partitioning: the default partition is for overflow (\"Create default partition for overflow\"); find the keys there, move those rows out, create the partitions that cover them, and put the rows back (Partition Not Used? then Check EXPLAIN for partition scans).",
        },
    }),
    // Every member reports the repository's newest backups, so the figure survives the acting
    // scheduler (a primary whose scheduler died still has replicas reading the same repository).
    PgscaleBackupTooOld: (t) => ({
        expr:
            `time() - max by (cluster) (pgscale_backup_last_completed_timestamp_seconds{job="backup"}) ` +
            `> ${t.backupOverdueFactor} * min by (cluster) (pgscale_backup_schedule_interval_seconds{job="backup"})`,
        for: t.backupTooOldFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "The newest backup of cluster {{ $labels.cluster }} is {{ $value | humanizeDuration }} old",
            description: `The newest backup in the repository of cluster {{ $labels.cluster }} finished {{ $value | humanizeDuration }} ago, more than ${t.backupOverdueFactor} times its shortest scheduled interval: a restore would replay that much WAL, and every scheduled backup since was missed.`,
            runbook: "Not in the playbook: `pgscale backup status` names the last failure (pgBackRest's own message); `pgscale backup run` takes one now on the member that takes them (the first streaming replica, else the primary). Check that its scheduler runs (its log lines start with pgscale-backup:; `pgscale_backup_scheduler_acting` is 1 there) and that the repository volume has room.",
        },
    }),
    PgscaleBackupFailing: (t) => ({
        expr: `max by (cluster) (pgscale_backup_failing{job="backup"}) == 1`,
        for: t.backupFailingFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "Backups of cluster {{ $labels.cluster }} fail",
            description: "The acting backup scheduler of cluster {{ $labels.cluster }} (the first streaming replica, else the primary) has failed at every attempt (stanza-create, reading the repository, or the backup) for a while; it retries each minute.",
            runbook: "Not in the playbook: `pgscale backup status` shows pgBackRest's error; `pgbackrest --stanza=<scope> check` on the primary tests archiving and the repository (volume full or unreadable, passphrase, stanza).",
        },
    }),
    // Every member reports the drill record the acting member keeps in the DCS: max by cluster is
    // the cluster's last drill, whichever member's scrape is up.
    PgscaleRestoreDrillFailing: (t) => ({
        expr: `max by (cluster) (pgscale_backup_drill_failing{job="backup"}) == 1`,
        for: t.drillFailingFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "The last restore drill of cluster {{ $labels.cluster }} failed",
            description: "The last scheduled restore drill of cluster {{ $labels.cluster }} (backup.drill) could not restore the newest backup, start PostgreSQL on it or run its check query: a restore now may fail the same way.",
            runbook: "Not in the playbook: `pgscale backup status` shows the drill's error (pgBackRest's or PostgreSQL's message); `pgscale backup drill` (its `--container` option once per member) runs one now in a throwaway container. The acting member's log lines start with pgscale-backup: (docker logs).",
        },
    }),
    PgscaleRestoreDrillOverObjective: (t) => ({
        expr: `max by (cluster, objective) (pgscale_backup_drill_objective_exceeded{job="backup"}) == 1`,
        for: t.drillOverObjectiveFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "The last restore drill of cluster {{ $labels.cluster }} missed its {{ $labels.objective }} objective",
            description: "The last scheduled restore drill of cluster {{ $labels.cluster }} that restored missed backup.drill's {{ $labels.objective }} objective (restore: its restore time; rpo: its data-loss window, from its newest restored commit to its end): a real restore would miss it too.",
            runbook: "Not in the playbook: `pgscale backup status` names the figures. A slow restore: faster repository storage, or more frequent full/differential backups (less WAL to replay); a wide loss window: a smaller rpoSeconds (archive_timeout), or archiving that fails (PgscaleArchivingFailing).",
        },
    }),
    // A drill that stopped running (the acting member's scheduler down, drills stuck) leaves the
    // last record standing, failed or not, so neither alert above would say so. The record lives in
    // the DCS and every member reports it: its age is the cluster's, whichever member acts.
    PgscaleRestoreDrillOverdue: (t) => ({
        expr:
            `time() - max by (cluster) (pgscale_backup_drill_last_run_timestamp_seconds{job="backup"}) ` +
            `> ${t.drillOverdueFactor} * min by (cluster) (pgscale_backup_drill_interval_seconds{job="backup"})`,
        for: t.drillOverdueFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "The last restore drill of cluster {{ $labels.cluster }} ended {{ $value | humanizeDuration }} ago",
            description: `No scheduled restore drill of cluster {{ $labels.cluster }} has ended for {{ $value | humanizeDuration }}, more than ${t.drillOverdueFactor} times backup.drill's interval: the repository has not been proven restorable since.`,
            runbook: "Not in the playbook: the acting member (the first streaming replica, else the primary; `pgscale_backup_scheduler_acting` is 1 there) runs the drills; check that its scheduler runs (log lines start with pgscale-backup:) and its log for the last drill it started (a drill waits behind a running backup). `pgscale backup drill` runs one now in a throwaway container.",
        },
    }),
};

/**
 * The alert rules for thresholds merged over DEFAULT_ALERT_THRESHOLDS, in ALERT_NAMES order.
 * Throws a PgscaleValidationError naming each bad threshold.
 */
export function alertRules(thresholds: Partial<AlertThresholds> = {}): AlertRule[] {
    const t = parseSpec(alertThresholdsSpec, thresholds, "alert thresholds");
    return ALERT_NAMES.map((alert) => ({ alert, ...RULES[alert](t) }));
}

/**
 * The Prometheus rule file (`rule_files`) of pgscale's alerts: the groups of ALERT_GROUPS, each
 * rule with `alert`, `expr`, `for`, `labels.severity` and the annotations summary, description
 * and runbook. Thresholds not given take DEFAULT_ALERT_THRESHOLDS; bad ones throw a
 * PgscaleValidationError naming them.
 */
export function renderAlertRules(thresholds?: Partial<AlertThresholds>): string {
    const rules = new Map(alertRules(thresholds).map((r) => [r.alert, r]));
    const groups = Object.entries(ALERT_GROUPS).map(([name, alerts]) => ({ name, rules: alerts.map((a) => rules.get(a)!) }));
    return "# pgscale alert rules (renderAlertRules of @pgscale/core); regenerate rather than edit.\n" + stringify({ groups }, { lineWidth: 0 });
}
