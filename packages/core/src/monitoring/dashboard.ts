// pgscale's Grafana dashboard (cluster, replication, pooler, partitions, backups), as code: the same metric
// names and labels as the alert rules, one `cluster` variable, and a Prometheus data source chosen
// at import. Every panel's query is run against a live Prometheus in the end-to-end suite.

/** One panel: a title, the unit of its values, its PromQL queries and how each series is named. */
export interface DashboardPanel {
    title: string;
    /** Grafana's unit id (`bytes`, `s`, `short`, `percentunit`). */
    unit: string;
    /** `timeseries` for history, `stat` for a current figure per series. */
    type: "timeseries" | "stat";
    targets: { expr: string; legend: string }[];
    description: string;
}

const sel = 'cluster=~"$cluster"';

/** The dashboard's rows and panels. */
export const DASHBOARD_ROWS: ReadonlyArray<{ title: string; panels: DashboardPanel[] }> = [
    {
        title: "Cluster",
        panels: [
            { title: "Primary", unit: "short", type: "stat", description: "1 for the member that is a running primary (Patroni).",
                targets: [{ expr: `max by (cluster, member) (patroni_primary{job="patroni",${sel}})`, legend: "{{cluster}} {{member}}" }] },
            { title: "Targets up", unit: "short", type: "stat", description: "Every scrape target of the cluster: 0 is down.",
                targets: [{ expr: `up{${sel}}`, legend: "{{job}} {{instance}}" }] },
            { title: "PostgreSQL running", unit: "short", type: "timeseries", description: "Patroni's view of each member's PostgreSQL.",
                targets: [{ expr: `patroni_postgres_running{job="patroni",${sel}}`, legend: "{{member}}" }] },
            { title: "Connections by state", unit: "short", type: "timeseries", description: "Client backends by state, against max_connections.",
                targets: [
                    { expr: `sum by (member, state) (pgscale_connections_count{job="postgres",${sel}})`, legend: "{{member}} {{state}}" },
                    { expr: `max by (member) (pgscale_settings_max_connections{job="postgres",${sel}})`, legend: "{{member}} max_connections" },
                ] },
        ],
    },
    {
        title: "Replication",
        panels: [
            { title: "Replication lag", unit: "bytes", type: "timeseries", description: "WAL each standby has not replayed, as its primary sees it.",
                targets: [{ expr: `max by (cluster, application_name) (pgscale_replication_lag_bytes{job="postgres",${sel}})`, legend: "{{application_name}}" }] },
            { title: "Replay lag", unit: "s", type: "timeseries", description: "replay_lag of each standby (pg_stat_replication).",
                targets: [{ expr: `max by (cluster, application_name) (pgscale_replication_replay_lag_seconds{job="postgres",${sel}})`, legend: "{{application_name}}" }] },
            { title: "WAL receiver streaming", unit: "short", type: "timeseries", description: "1 while a standby streams from its primary.",
                targets: [{ expr: `max by (cluster, member) (pgscale_wal_receiver_streaming{job="postgres",${sel}})`, legend: "{{member}}" }] },
            { title: "WAL held by slots", unit: "bytes", type: "timeseries", description: "WAL each replication slot keeps from being removed.",
                targets: [{ expr: `max by (cluster, slot_name) (pgscale_replication_slot_retained_bytes{job="postgres",${sel}})`, legend: "{{slot_name}}" }] },
            { title: "Archive failures", unit: "short", type: "timeseries", description: "Failed WAL archive attempts in the last 5 minutes.",
                targets: [{ expr: `increase(pgscale_archiver_failed_count{job="postgres",${sel}}[5m])`, legend: "{{member}}" }] },
        ],
    },
    {
        title: "Pooler and router",
        panels: [
            { title: "Pool clients", unit: "short", type: "timeseries", description: "Clients with a server connection and clients waiting for one, per pool.",
                targets: [
                    { expr: `sum by (cluster, database) (pgbouncer_pools_client_active_connections{job="pgbouncer"})`, legend: "{{cluster}} {{database}} active" },
                    { expr: `sum by (cluster, database) (pgbouncer_pools_client_waiting_connections{job="pgbouncer"})`, legend: "{{cluster}} {{database}} waiting" },
                ] },
            { title: "Pool longest wait", unit: "s", type: "timeseries", description: "How long the oldest waiting client has waited (maxwait).",
                targets: [{ expr: `max by (cluster, database) (pgbouncer_pools_client_maxwait_seconds{job="pgbouncer"})`, legend: "{{cluster}} {{database}}" }] },
            { title: "Router servers up", unit: "short", type: "timeseries", description: "Members each HAProxy listener routes to (primary: 1).",
                targets: [{ expr: `sum by (cluster, proxy) (haproxy_server_status{job="haproxy",state="UP"})`, legend: "{{cluster}} {{proxy}}" }] },
        ],
    },
    {
        title: "Partitions",
        panels: [
            { title: "Rows in DEFAULT partitions", unit: "short", type: "timeseries", description: "Rows that found no partition: one is missing.",
                targets: [{ expr: `max by (cluster, schema, table) (pgscale_partition_default_rows{job="postgres",${sel}})`, legend: "{{schema}}.{{table}}" }] },
            { title: "Partition runway", unit: "s", type: "timeseries", description: "How far ahead the newest partition reaches.",
                targets: [{ expr: `max by (cluster, schema, table) (pgscale_partition_ahead_seconds{job="postgres",${sel}})`, legend: "{{schema}}.{{table}}" }] },
        ],
    },
    {
        title: "Backups",
        panels: [
            { title: "Newest backup age", unit: "s", type: "timeseries", description: "Time since the newest backup of each kind in the repository finished (clusters with backup).",
                targets: [{ expr: `time() - max by (cluster, kind) (pgscale_backup_last_completed_timestamp_seconds{job="backup",${sel}})`, legend: "{{cluster}} {{kind}}" }] },
            { title: "Backup attempts failing", unit: "short", type: "stat", description: "1 while the primary's backup scheduler fails at every attempt.",
                targets: [{ expr: `max by (cluster) (pgscale_backup_failing{job="backup",${sel}})`, legend: "{{cluster}}" }] },
            { title: "Restore drill", unit: "s", type: "timeseries", description: "The last scheduled restore drill that restored (clusters with backup.drill): its restore time and data-loss window, against their objectives.",
                targets: [
                    { expr: `max by (cluster) (pgscale_backup_drill_restore_seconds{job="backup",${sel}})`, legend: "{{cluster}} restore" },
                    { expr: `max by (cluster) (pgscale_backup_drill_loss_window_seconds{job="backup",${sel}})`, legend: "{{cluster}} loss window" },
                    { expr: `max by (cluster, objective) (pgscale_backup_drill_objective_seconds{job="backup",${sel}})`, legend: "{{cluster}} {{objective}} objective" },
                ] },
            { title: "Restore drill failing or over objective", unit: "short", type: "stat", description: "1 while the last scheduled drill failed, or the last that restored missed an objective.",
                targets: [
                    { expr: `max by (cluster) (pgscale_backup_drill_failing{job="backup",${sel}})`, legend: "{{cluster}} failing" },
                    { expr: `max by (cluster, objective) (pgscale_backup_drill_objective_exceeded{job="backup",${sel}})`, legend: "{{cluster}} over {{objective}}" },
                ] },
        ],
    },
];

/** Every PromQL query of the dashboard. */
export function dashboardQueries(): string[] {
    return DASHBOARD_ROWS.flatMap((r) => r.panels.flatMap((p) => p.targets.map((t) => t.expr)));
}

/** The dashboard as Grafana imports it (JSON model, schema 39), asking for a Prometheus data source at import. */
export function grafanaDashboard(): Record<string, unknown> {
    const ds = { type: "prometheus", uid: "${DS_PROMETHEUS}" };
    const panels: unknown[] = [];
    let id = 1;
    let y = 0;
    for (const row of DASHBOARD_ROWS) {
        panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { x: 0, y: y++, w: 24, h: 1 }, panels: [] });
        row.panels.forEach((p, i) => {
            panels.push({
                id: id++, type: p.type, title: p.title, description: p.description, datasource: ds,
                gridPos: { x: (i % 3) * 8, y: y + Math.floor(i / 3) * 8, w: 8, h: 8 },
                fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
                targets: p.targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), datasource: ds, expr: t.expr, legendFormat: t.legend })),
            });
        });
        y += Math.ceil(row.panels.length / 3) * 8;
    }
    return {
        __inputs: [{ name: "DS_PROMETHEUS", label: "Prometheus", type: "datasource", pluginId: "prometheus" }],
        title: "pgscale", uid: "pgscale", tags: ["pgscale", "postgresql"], schemaVersion: 39, refresh: "30s",
        time: { from: "now-1h", to: "now" },
        templating: { list: [{
            name: "cluster", label: "Cluster", type: "query", datasource: ds, includeAll: true, multi: true, current: {},
            query: { query: 'label_values(patroni_primary{job="patroni"}, cluster)', refId: "cluster" }, refresh: 2,
        }] },
        panels,
    };
}
