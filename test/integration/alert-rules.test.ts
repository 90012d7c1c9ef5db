// pgscale's alert rules under Prometheus's own rule checker and unit-test runner (promtool, in the
// pgscale/prometheus image): the rendered file must load, and every rule must fire on the series
// of the failure it is for, with the labels and annotations it promises, and stay silent on a
// healthy cluster and on the transients of planned operations (a switchover, a member's restart)
// shorter than its `for`. The series are shaped as the scrape configuration delivers them: every
// target's `job`, `cluster`, `member` (postgres and patroni targets) and `instance`; Patroni's own
// scope and name; postgres_exporter's `server` on pgscale's query metrics.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { DEFAULT_IMAGES } from "@pgscale/core";
import { ensureImage } from "@pgscale/docker";
import {
    ALERT_NAMES, AlertName, BACKUP_DRILL_METRICS, BACKUP_SCHEDULER_METRICS, AlertRule, AlertThresholds, PGSCALE_QUERY_METRICS, alertRules, alertmanagerCommand, alertmanagerSpec, parseSpec, renderAlertRules, renderAlertmanagerConfig,
    RULE_EXTERNAL_METRICS,
} from "@pgscale/core";

jest.setTimeout(180_000);

const image = DEFAULT_IMAGES.prometheus;
const INTERVAL_S = 15;

// ---- series -------------------------------------------------------------------------------------

/** One sample per INTERVAL_S from time 0: a number, `_` (no sample) or `stale` (the target stopped reporting it). */
type Sample = number | "_" | "stale";
type Labels = Record<string, string>;
interface InputSeries { series: string; values: string }

/** `n` samples of `v`, for building a series run by run. */
const run = (v: Sample, n: number): Sample[] => Array<Sample>(n).fill(v);
const minutes = (m: number) => (m * 60) / INTERVAL_S;

function series(name: string, labels: Labels, values: Sample[]): InputSeries {
    const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(",");
    return { series: `${name}{${l}}`, values: values.map(String).join(" ") };
}

const CLUSTER = "orders";
/** Labels of a member's Patroni target (`up`), and of Patroni's own series (which add scope and name). */
const patroniTarget = (m: string, cluster = CLUSTER): Labels => ({ job: "patroni", cluster, member: m, instance: `${cluster}-${m}` });
const patroniSeries = (m: string, cluster = CLUSTER): Labels => ({ ...patroniTarget(m, cluster), scope: cluster, name: m });
/** Labels of a member's postgres_exporter target (`up`, pg_up), and of pgscale's query metrics (which add `server`). */
const exporterTarget = (m: string, cluster = CLUSTER): Labels => ({ job: "postgres", cluster, member: m, instance: `${cluster}-${m}-exporter` });
const querySeries = (m: string, cluster = CLUSTER, extra: Labels = {}): Labels => ({ ...exporterTarget(m, cluster), server: "127.0.0.1:5432", ...extra });
const poolTarget = (cluster = "pool"): Labels => ({ job: "pgbouncer", cluster, instance: `${cluster}-pgbouncer` });

const LENGTH = minutes(25);
const steady = (v: Sample) => run(v, LENGTH);

/** Labels of a member's backup scheduler target (job `backup`). */
const backupTarget = (m: string, cluster = CLUSTER): Labels => ({ job: "backup", cluster, member: m, instance: `${cluster}-${m}` });
/** Incremental backups every 2 minutes, a full every hour. */
const BACKUP_INTERVALS = { incr: 120, full: 3600 };

/**
 * A member's backup scheduler: the schedule, the repository's newest backups (`newestIncr`, one
 * value per sample, stop times in promtool's clock, which starts at 0) and whether its attempts fail.
 */
function backupScheduler(m: string, newestIncr: Sample[], failing: Sample[] | Sample = 0, cluster = CLUSTER): InputSeries[] {
    return [
        ...Object.entries(BACKUP_INTERVALS).map(([kind, s]) => series("pgscale_backup_schedule_interval_seconds", { ...backupTarget(m, cluster), kind }, steady(s))),
        series("pgscale_backup_last_completed_timestamp_seconds", { ...backupTarget(m, cluster), kind: "full" }, steady(0)),
        series("pgscale_backup_last_completed_timestamp_seconds", { ...backupTarget(m, cluster), kind: "incr" }, newestIncr),
        series("pgscale_backup_failing", backupTarget(m, cluster), Array.isArray(failing) ? failing : steady(failing)),
    ];
}
/**
 * A member's report of the cluster's last drill (the record the acting member keeps in the DCS):
 * `failing` (1/0) and, per objective label, whether the last drill that restored exceeded it.
 */
function drillRecord(m: string, failing: Sample[] | Sample, exceeded: Record<string, Sample[] | Sample>, cluster = CLUSTER): InputSeries[] {
    const full = (v: Sample[] | Sample) => (Array.isArray(v) ? v : steady(v));
    return [
        series("pgscale_backup_drill_failing", backupTarget(m, cluster), full(failing)),
        ...Object.entries(exceeded).map(([objective, v]) => series("pgscale_backup_drill_objective_exceeded", { ...backupTarget(m, cluster), objective }, full(v))),
    ];
}
/** A member's report of when the cluster's last drill ended (`lastRun`, promtool's clock) on a drill every `every` seconds. */
function drillClock(m: string, lastRun: Sample[], every = 120, cluster = CLUSTER): InputSeries[] {
    return [
        series("pgscale_backup_drill_interval_seconds", backupTarget(m, cluster), steady(every)),
        series("pgscale_backup_drill_last_run_timestamp_seconds", backupTarget(m, cluster), lastRun),
    ];
}
/** Newest incremental backup as it is when the schedule is kept: one every 2 minutes, the newest at most that old. */
const backupsOnTime = (): Sample[] => Array.from({ length: LENGTH }, (_, i) => Math.floor((i * INTERVAL_S) / 120) * 120);

/** A Patroni member reporting `primary` (1/0) and `running` (1/0) for its whole life. */
function patroniMember(m: string, primary: Sample[] | Sample, running: Sample[] | Sample = 1, cluster = CLUSTER): InputSeries[] {
    const full = (v: Sample[] | Sample) => (Array.isArray(v) ? v : steady(v));
    return [
        series("up", patroniTarget(m, cluster), steady(1)),
        series("patroni_primary", patroniSeries(m, cluster), full(primary)),
        series("patroni_postgres_running", patroniSeries(m, cluster), full(running)),
    ];
}

/** A three-member cluster whose members are all up, m-0 primary. */
const healthyPatroni = (cluster = CLUSTER) => [
    ...patroniMember("m-0", 1, 1, cluster), ...patroniMember("m-1", 0, 1, cluster), ...patroniMember("m-2", 0, 1, cluster),
];

function healthyExporter(m: string, primary: boolean, cluster = CLUSTER): InputSeries[] {
    return [
        series("up", exporterTarget(m, cluster), steady(1)),
        series("pg_up", exporterTarget(m, cluster), steady(1)),
        series("pgscale_recovery_in_recovery", querySeries(m, cluster), steady(primary ? 0 : 1)),
    ];
}

// ---- expectations -------------------------------------------------------------------------------

interface Expected { labels: Labels; value: number }
interface Check { alert: AlertName; at: string; fires: Expected[] }
interface Scenario { name: string; series: InputSeries[]; checks: Check[] }

const silent = (alert: AlertName, at: string): Check => ({ alert, at, fires: [] });

// Go's formatting as Prometheus's template functions use it, for the values these tests use.
/** fmt's %.4g for numbers whose exponent stays within -4..3 (as humanize leaves them). */
function g4(v: number): string {
    if (v === 0) return "0";
    const exp = Math.floor(Math.log10(Math.abs(v)));
    if (exp < -4 || exp >= 4) throw new Error(`g4: ${v} needs an exponent; choose another test value`);
    return String(Number(v.toPrecision(4)));
}
/** fmt's %v of a float64, for values Go prints without an exponent (shortest form, exponent within -4..5). */
function goFloat(v: number): string {
    if (v !== 0 && (Math.abs(v) >= 1e6 || Math.abs(v) < 1e-4)) throw new Error(`goFloat: Go prints ${v} with an exponent; use a humanize function in the template`);
    return String(v);
}
const TEMPLATE_FUNCS: Record<string, (v: number) => string> = {
    humanize(v) {
        const prefixes = ["k", "M", "G", "T", "P", "E", "Z", "Y"];
        if (Math.abs(v) < 1) throw new Error("humanize: only values >= 1 in these tests");
        let p = "";
        for (const x of prefixes) { if (Math.abs(v) < 1000) break; p = x; v /= 1000; }
        return g4(v) + p;
    },
    humanize1024(v) {
        if (Math.abs(v) <= 1) return g4(v);
        let p = "";
        for (const x of ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"]) { if (Math.abs(v) < 1024) break; p = x; v /= 1024; }
        return g4(v) + p;
    },
    humanizeDuration(v) {
        if (v === 0) return "0s";
        if (Math.abs(v) < 1) throw new Error("humanizeDuration: only whole seconds in these tests");
        const sign = v < 0 ? "-" : "";
        const a = Math.abs(v);
        const whole = Math.trunc(a);
        const [s, m, h, d] = [whole % 60, Math.trunc(whole / 60) % 60, Math.trunc(whole / 3600) % 24, Math.trunc(whole / 86400)];
        if (d) return `${sign}${d}d ${h}h ${m}m ${s}s`;
        if (h) return `${sign}${h}h ${m}m ${s}s`;
        if (m) return `${sign}${m}m ${s}s`;
        return `${sign}${g4(a)}s`;
    },
    humanizePercentage: (v) => `${g4(v * 100)}%`,
    humanizeTimestamp(v) {
        if (!Number.isInteger(v)) throw new Error("humanizeTimestamp: only whole seconds in these tests");
        return new Date(v * 1000).toISOString().replace("T", " ").replace(/\.000Z$/, " +0000 UTC");
    },
};

/** Expands the `{{ $labels.x }}`, `{{ $value }}` and `{{ $value | f }}` of an annotation as Prometheus would. */
function expand(template: string, labels: Labels, value: number): string {
    return template.replace(/\{\{ *([^}]*?) *\}\}/g, (_, expr: string) => {
        const label = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/.exec(expr);
        if (label) {
            if (!(label[1] in labels)) throw new Error(`template uses $labels.${label[1]}, which the alert does not carry: ${template}`);
            return labels[label[1]];
        }
        if (expr === "$value") return goFloat(value);
        const fn = /^\$value \| ([a-zA-Z0-9]+)$/.exec(expr);
        if (fn && TEMPLATE_FUNCS[fn[1]]) return TEMPLATE_FUNCS[fn[1]](value);
        throw new Error(`no expansion for {{ ${expr} }} in ${template}`);
    });
}

/** promtool's test file for `scenarios` against `rulesFile`, expected annotations expanded from `rules`' templates. */
function promtoolTests(rulesFile: string, rules: AlertRule[], scenarios: Scenario[]): string {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    return stringify({
        rule_files: [rulesFile],
        evaluation_interval: `${INTERVAL_S}s`,
        tests: scenarios.map((s) => ({
            name: s.name,
            interval: `${INTERVAL_S}s`,
            input_series: s.series,
            alert_rule_test: s.checks.map((c) => ({
                eval_time: c.at,
                alertname: c.alert,
                exp_alerts: c.fires.map((e) => {
                    const r = byName.get(c.alert)!;
                    return {
                        exp_labels: e.labels,
                        exp_annotations: Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, expand(v, e.labels, e.value)])),
                    };
                }),
            })),
        })),
    }, { lineWidth: 0 });
}

// ---- scenarios ----------------------------------------------------------------------------------

const critical = { severity: "critical" };
const warning = { severity: "warning" };

/** Every rule silent on healthy clusters, pools and frontends. */
const healthy: Scenario = {
    name: "healthy: nothing fires",
    series: [
        ...healthyPatroni(), ...healthyExporter("m-0", true), ...healthyExporter("m-1", false), ...healthyExporter("m-2", false),
        series("pgscale_wal_receiver_streaming", querySeries("m-1", CLUSTER, { status: "streaming" }), steady(1)),
        series("pgscale_wal_receiver_streaming", querySeries("m-2", CLUSTER, { status: "streaming" }), steady(1)),
        ...["m-1", "m-2"].flatMap((r) => [
            series("pgscale_replication_lag_bytes", querySeries("m-0", CLUSTER, { application_name: r, client_addr: "10.0.0.2", state: "streaming", sync_state: "async" }), steady(4096)),
            series("pgscale_replication_replay_lag_seconds", querySeries("m-0", CLUSTER, { application_name: r, client_addr: "10.0.0.2", state: "streaming", sync_state: "async" }), steady(0.002)),
            series("pgscale_replication_slot_retained_bytes", querySeries("m-0", CLUSTER, { slot_name: r.replace("-", "_"), slot_type: "physical", active: "true" }), steady(8192)),
        ]),
        series("pgscale_archiver_last_archived_time_seconds", querySeries("m-0"), steady(1_700_000_600)),
        series("pgscale_archiver_last_failed_time_seconds", querySeries("m-0"), steady(1_700_000_000)),
        series("pgscale_connections_count", querySeries("m-0", CLUSTER, { state: "active" }), steady(20)),
        series("pgscale_connections_count", querySeries("m-0", CLUSTER, { state: "idle" }), steady(30)),
        series("pgscale_settings_max_connections", querySeries("m-0"), steady(100)),
        series("up", poolTarget(), steady(1)),
        series("pgbouncer_up", poolTarget(), steady(1)),
        series("pgbouncer_pools_client_waiting_connections", { ...poolTarget(), database: "app", user: "app" }, steady(0)),
        series("pgbouncer_pools_client_maxwait_seconds", { ...poolTarget(), database: "app", user: "app" }, steady(0)),
        series("up", { job: "haproxy", cluster: "front", instance: "front-haproxy" }, steady(1)),
        ...backupScheduler("m-0", backupsOnTime()), ...backupScheduler("m-1", backupsOnTime()),
        ...drillRecord("m-0", 0, { restore: 0, rpo: 0 }), ...drillRecord("m-1", 0, { restore: 0, rpo: 0 }),
        ...["m-0", "m-1"].flatMap((m) => [
            series("pgscale_partition_ahead_seconds", querySeries(m, CLUSTER, { schema: "public", table: "events" }), steady(90 * 86400)),
            series("pgscale_partition_interval_seconds", querySeries(m, CLUSTER, { schema: "public", table: "events" }), steady(30 * 86400)),
            series("pgscale_partition_default_rows", querySeries(m, CLUSTER, { schema: "public", table: "events" }), steady(0)),
            // Not ranged by time: the bound gauges are NaN.
            series("pgscale_partition_ahead_seconds", querySeries(m, CLUSTER, { schema: "public", table: "nums" }), steady(NaN)),
            series("pgscale_partition_interval_seconds", querySeries(m, CLUSTER, { schema: "public", table: "nums" }), steady(NaN)),
        ]),
    ],
    checks: ALERT_NAMES.flatMap((a) => [silent(a, "1m"), silent(a, "20m")]),
};

/** The cluster's write path: no primary, two primaries, and the switchovers that must not page. */
const primaries: Scenario[] = [
    {
        name: "NoPrimary: every Patroni of the cluster unreachable",
        series: [
            ...["m-0", "m-1", "m-2"].map((m) => series("up", patroniTarget(m), steady(0))),
            ...healthyPatroni("billing"),
        ],
        checks: [
            silent("PgscaleNoPrimary", "15s"),
            { alert: "PgscaleNoPrimary", at: "1m", fires: [{ labels: { cluster: CLUSTER, ...critical }, value: 3 }] },
            { alert: "PgscaleMemberDown", at: "2m", fires: ["m-0", "m-1", "m-2"].map((m) => ({ labels: { cluster: CLUSTER, member: m, ...warning }, value: 1 })) },
        ],
    },
    {
        name: "NoPrimary: the primary's PostgreSQL crashed and no replica took over",
        series: [...patroniMember("m-0", 1, [...run(1, 4), ...run(0, LENGTH - 4)]), ...patroniMember("m-1", 0), ...patroniMember("m-2", 0)],
        checks: [
            silent("PgscaleNoPrimary", "1m"),
            { alert: "PgscaleNoPrimary", at: "2m", fires: [{ labels: { cluster: CLUSTER, ...critical }, value: 3 }] },
            silent("PgscaleMultiplePrimaries", "2m"),
        ],
    },
    {
        // m-0 hands over at 1m; the scrapes see no primary at 75 s and 90 s, m-1 as primary from 105 s.
        name: "NoPrimary: a planned switchover is no outage",
        series: [
            ...patroniMember("m-0", [...run(1, 5), ...run(0, LENGTH - 5)]),
            ...patroniMember("m-1", [...run(0, 7), ...run(1, LENGTH - 7)]),
            ...patroniMember("m-2", 0),
        ],
        checks: ["75s", "90s", "105s", "3m"].flatMap((at) => [silent("PgscaleNoPrimary", at), silent("PgscaleMultiplePrimaries", at)]),
    },
    {
        name: "MultiplePrimaries: two running primaries",
        series: [...patroniMember("m-0", 1), ...patroniMember("m-1", [...run(0, 4), ...run(1, LENGTH - 4)]), ...patroniMember("m-2", 0), ...healthyPatroni("billing")],
        checks: [
            silent("PgscaleMultiplePrimaries", "75s"),
            { alert: "PgscaleMultiplePrimaries", at: "2m", fires: [{ labels: { cluster: CLUSTER, ...critical }, value: 2 }] },
            silent("PgscaleNoPrimary", "2m"),
        ],
    },
    {
        // The old primary's last sample (primary) stands until its next scrape, 15 s after the new one reports primary.
        name: "MultiplePrimaries: a switchover seen half-done for one scrape",
        series: [
            ...patroniMember("m-0", [...run(1, 6), ...run(0, LENGTH - 6)]),
            ...patroniMember("m-1", [...run(0, 5), ...run(1, LENGTH - 5)]),
            ...patroniMember("m-2", 0),
        ],
        checks: ["75s", "90s", "2m", "5m"].map((at) => silent("PgscaleMultiplePrimaries", at)),
    },
];

/** Members, poolers and frontends down. */
const down: Scenario[] = [
    {
        name: "MemberDown: a member's containers gone, another's PostgreSQL stopped, a third's exporter cut off",
        series: [
            ...patroniMember("m-0", 1),
            ...patroniMember("m-1", 0, [...run(1, 2), ...run(0, LENGTH - 2)]),
            ...healthyExporter("m-0", true),
            series("up", exporterTarget("m-1"), steady(1)),
            series("pg_up", exporterTarget("m-1"), [...run(1, 2), ...run(0, LENGTH - 2)]),
            series("up", patroniTarget("m-2"), [...run(1, 2), ...run(0, LENGTH - 2)]),
            series("up", exporterTarget("m-2"), [...run(1, 2), ...run(0, LENGTH - 2)]),
            ...patroniMember("b-0", 1, 1, "billing"),
            series("up", exporterTarget("b-0", "billing"), steady(1)),
            series("pg_up", exporterTarget("b-0", "billing"), [...run(1, 2), ...run(0, LENGTH - 2)]),
        ],
        checks: [
            silent("PgscaleMemberDown", "75s"),
            {
                alert: "PgscaleMemberDown", at: "3m", fires: [
                    { labels: { cluster: CLUSTER, member: "m-1", ...warning }, value: 2 },
                    { labels: { cluster: CLUSTER, member: "m-2", ...warning }, value: 2 },
                    { labels: { cluster: "billing", member: "b-0", ...warning }, value: 1 },
                ],
            },
        ],
    },
    {
        name: "MemberDown: a member restarted in 30 s (a rolling change)",
        series: [
            ...patroniMember("m-0", 1),
            series("up", patroniTarget("m-1"), [...run(1, 4), ...run(0, 2), ...run(1, LENGTH - 6)]),
            series("up", exporterTarget("m-1"), [...run(1, 4), ...run(0, 2), ...run(1, LENGTH - 6)]),
            series("pg_up", exporterTarget("m-1"), [...run(1, 4), ...run("stale", 1), "_", ...run(1, LENGTH - 6)]),
        ],
        checks: ["75s", "90s", "2m", "5m"].map((at) => silent("PgscaleMemberDown", at)),
    },
    {
        name: "PoolerDown: PgBouncer stopped under its exporter; another pool's exporter gone",
        series: [
            series("up", poolTarget(), steady(1)),
            series("pgbouncer_up", poolTarget(), [...run(1, 4), ...run(0, LENGTH - 4)]),
            series("up", poolTarget("pool2"), [...run(1, 4), ...run(0, LENGTH - 4)]),
            series("pgbouncer_up", poolTarget("pool2"), [...run(1, 4), "stale"]),
            series("up", poolTarget("pool3"), [...run(1, 4), ...run(0, 2), ...run(1, LENGTH - 6)]),
            series("pgbouncer_up", poolTarget("pool3"), [...run(1, 4), "stale", "_", ...run(1, LENGTH - 6)]),
        ],
        checks: [
            silent("PgscalePoolerDown", "90s"),
            {
                alert: "PgscalePoolerDown", at: "3m", fires: [
                    { labels: { ...poolTarget(), ...critical }, value: 0 },
                    { labels: { ...poolTarget("pool2"), ...critical }, value: 0 },
                ],
            },
        ],
    },
    {
        name: "HaproxyDown: a frontend down for minutes, another restarted in 30 s",
        series: [
            series("up", { job: "haproxy", cluster: "front", instance: "front-haproxy" }, [...run(1, 4), ...run(0, LENGTH - 4)]),
            series("up", { job: "haproxy", cluster: "front2", instance: "front2-haproxy" }, [...run(1, 4), ...run(0, 2), ...run(1, LENGTH - 6)]),
        ],
        checks: [
            silent("PgscaleHaproxyDown", "90s"),
            { alert: "PgscaleHaproxyDown", at: "3m", fires: [{ labels: { job: "haproxy", cluster: "front", instance: "front-haproxy", ...critical }, value: 0 }] },
        ],
    },
];

const lagLabels = (replica: string, state = "streaming"): Labels => ({ application_name: replica, client_addr: `10.0.0.${replica.slice(-1)}`, state, sync_state: "async" });
/** What remains of a primary's per-standby series in the lag alerts (the sender's details aggregated away). */
const lagAlert = (replica: string): Labels => ({ ...querySeries("m-0"), application_name: replica });

const replication: Scenario[] = [
    {
        // m-2's receiver stops at 1m (its series goes stale, a `none` one appears); m-1's flaps for 30 s.
        name: "ReplicaNotStreaming: a replica cut off, another reconnecting",
        series: [
            series("pgscale_wal_receiver_streaming", querySeries("m-2", CLUSTER, { status: "streaming" }), [...run(1, 4), "stale"]),
            series("pgscale_wal_receiver_streaming", querySeries("m-2", CLUSTER, { status: "none" }), [...run("_", 4), ...run(0, LENGTH - 4)]),
            series("pgscale_wal_receiver_streaming", querySeries("m-1", CLUSTER, { status: "streaming" }), [...run(1, 4), "stale", "_", ...run(1, LENGTH - 6)]),
            series("pgscale_wal_receiver_streaming", querySeries("m-1", CLUSTER, { status: "waiting" }), [...run("_", 4), 0, 0, "stale"]),
        ],
        checks: [
            silent("PgscaleReplicaNotStreaming", "90s"),
            { alert: "PgscaleReplicaNotStreaming", at: "3m", fires: [{ labels: { ...querySeries("m-2"), ...warning }, value: 0 }] },
        ],
    },
    {
        name: "ReplicationLagBytes: one replica 32 MiB behind; a burst, and a small steady lag",
        series: [
            // The sender's state changes while it lags: the alert keeps its identity.
            series("pgscale_replication_lag_bytes", { ...querySeries("m-0"), ...lagLabels("m-1") }, [...run(33554432, 4), "stale"]),
            series("pgscale_replication_lag_bytes", { ...querySeries("m-0"), ...lagLabels("m-1", "catchup") }, [...run("_", 4), ...run(33554432, LENGTH - 4)]),
            series("pgscale_replication_lag_bytes", { ...querySeries("m-0"), ...lagLabels("m-2") }, [...run(67108864, 2), ...run(0, LENGTH - 2)]),
            series("pgscale_replication_lag_bytes", { ...querySeries("m-0"), ...lagLabels("m-3") }, steady(8388608)),
        ],
        checks: [
            silent("PgscaleReplicationLagBytes", "45s"),
            { alert: "PgscaleReplicationLagBytes", at: "2m", fires: [{ labels: { ...lagAlert("m-1"), ...warning }, value: 33554432 }] },
        ],
    },
    {
        name: "ReplicationLagSeconds: one replica 45 s behind; a burst, and a small steady lag",
        series: [
            series("pgscale_replication_replay_lag_seconds", { ...querySeries("m-0"), ...lagLabels("m-1") }, steady(45)),
            series("pgscale_replication_replay_lag_seconds", { ...querySeries("m-0"), ...lagLabels("m-2") }, [...run(120, 2), ...run(0.5, LENGTH - 2)]),
            series("pgscale_replication_replay_lag_seconds", { ...querySeries("m-0"), ...lagLabels("m-3") }, steady(10)),
        ],
        checks: [
            silent("PgscaleReplicationLagSeconds", "45s"),
            { alert: "PgscaleReplicationLagSeconds", at: "2m", fires: [{ labels: { ...lagAlert("m-1"), ...warning }, value: 45 }] },
        ],
    },
    {
        name: "SlotRetainingWal: a departed replica's slot keeps 2 GiB; another drains",
        series: [
            series("pgscale_replication_slot_retained_bytes", querySeries("m-0", CLUSTER, { slot_name: "m_3", slot_type: "physical", active: "false" }), steady(2147483648)),
            series("pgscale_replication_slot_retained_bytes", querySeries("m-0", CLUSTER, { slot_name: "m_1", slot_type: "physical", active: "true" }), [...run(2147483648, minutes(2)), ...run(0, LENGTH - minutes(2))]),
            series("pgscale_replication_slot_retained_bytes", querySeries("m-0", CLUSTER, { slot_name: "m_2", slot_type: "physical", active: "true" }), steady(536870912)),
        ],
        checks: [
            silent("PgscaleSlotRetainingWal", "4m"),
            {
                alert: "PgscaleSlotRetainingWal", at: "6m",
                fires: [{ labels: { ...querySeries("m-0", CLUSTER, { slot_name: "m_3", slot_type: "physical" }), ...warning }, value: 2147483648 }],
            },
        ],
    },
    {
        name: "ArchivingFailing: the primary's archiving fails; a standby's stale counters and a passing hiccup do not count",
        series: [
            ...healthyExporter("m-0", true), ...healthyExporter("m-1", false),
            series("pgscale_archiver_last_archived_time_seconds", querySeries("m-0"), steady(1_700_000_000)),
            series("pgscale_archiver_last_failed_time_seconds", querySeries("m-0"), steady(1_700_000_600)),
            // A demoted primary's counters from before its demotion.
            series("pgscale_archiver_last_archived_time_seconds", querySeries("m-1"), steady(1_600_000_000)),
            series("pgscale_archiver_last_failed_time_seconds", querySeries("m-1"), steady(1_600_000_600)),
            // Failed once, archived again 2 minutes later.
            ...healthyExporter("b-0", true, "billing"),
            series("pgscale_archiver_last_archived_time_seconds", querySeries("b-0", "billing"), [...run(1_700_000_000, minutes(2)), ...run(1_700_000_900, LENGTH - minutes(2))]),
            series("pgscale_archiver_last_failed_time_seconds", querySeries("b-0", "billing"), steady(1_700_000_600)),
        ],
        checks: [
            silent("PgscaleArchivingFailing", "4m"),
            { alert: "PgscaleArchivingFailing", at: "6m", fires: [{ labels: { ...querySeries("m-0"), ...warning }, value: 1_700_000_600 }] },
            { alert: "PgscaleArchivingFailing", at: "15m", fires: [{ labels: { ...querySeries("m-0"), ...warning }, value: 1_700_000_600 }] },
        ],
    },
];

const connections: Scenario[] = [
    {
        name: "ConnectionsHigh: 85 of 100 slots in use; 60 elsewhere; a burst to 95",
        series: [
            series("pgscale_connections_count", querySeries("m-0", CLUSTER, { state: "active" }), steady(70)),
            series("pgscale_connections_count", querySeries("m-0", CLUSTER, { state: "idle" }), steady(15)),
            series("pgscale_settings_max_connections", querySeries("m-0"), steady(100)),
            series("pgscale_connections_count", querySeries("m-1", CLUSTER, { state: "active" }), steady(50)),
            series("pgscale_connections_count", querySeries("m-1", CLUSTER, { state: "idle" }), steady(10)),
            series("pgscale_settings_max_connections", querySeries("m-1"), steady(100)),
            series("pgscale_connections_count", querySeries("m-2", CLUSTER, { state: "active" }), [...run(95, minutes(2)), ...run(5, LENGTH - minutes(2))]),
            series("pgscale_settings_max_connections", querySeries("m-2"), steady(100)),
        ],
        checks: [
            silent("PgscaleConnectionsHigh", "4m"),
            { alert: "PgscaleConnectionsHigh", at: "6m", fires: [{ labels: { ...querySeries("m-0"), ...warning }, value: 0.85 }] },
        ],
    },
    {
        name: "PoolClientsWaiting: clients queued for minutes; a short queue",
        series: [
            series("pgbouncer_pools_client_waiting_connections", { ...poolTarget(), database: "app", user: "app" }, steady(3)),
            series("pgbouncer_pools_client_waiting_connections", { ...poolTarget(), database: "app", user: "report" }, [...run(2, 3), ...run(0, LENGTH - 3)]),
            series("pgbouncer_pools_client_waiting_connections", { ...poolTarget(), database: "pgbouncer", user: "pgbouncer" }, steady(0)),
        ],
        checks: [
            silent("PgscalePoolClientsWaiting", "45s"),
            { alert: "PgscalePoolClientsWaiting", at: "2m", fires: [{ labels: { ...poolTarget(), database: "app", user: "app", ...warning }, value: 3 }] },
        ],
    },
    {
        // A switchover holds clients about 16 s: maxwait climbs past 5 s for a scrape or two.
        name: "PoolMaxWait: a client waiting 12 s and more; a switchover's wait",
        series: [
            series("pgbouncer_pools_client_maxwait_seconds", { ...poolTarget(), database: "app", user: "app" }, [...run(0, 4), 12, 27, 42, 57, 72, ...run(0, LENGTH - 9)]),
            series("pgbouncer_pools_client_maxwait_seconds", { ...poolTarget(), database: "app", user: "report" }, [...run(0, 4), 3, 16, ...run(0, LENGTH - 6)]),
        ],
        checks: [
            silent("PgscalePoolMaxWait", "75s"),
            { alert: "PgscalePoolMaxWait", at: "90s", fires: [{ labels: { ...poolTarget(), database: "app", user: "app", ...critical }, value: 42 }] },
            silent("PgscalePoolMaxWait", "3m"),
        ],
    },
];

const partitions: Scenario[] = [
    {
        name: "PartitionRunwayShort: partitions ending in 10 days (monthly) and an hour ago (daily); 90 days ahead is fine",
        series: [
            ...(["m-0", "m-1"] as const).flatMap((m) => [
                // A lagging replica's catalog may trail the primary's: the alert takes the primary's figure.
                series("pgscale_partition_ahead_seconds", querySeries(m, CLUSTER, { schema: "public", table: "events" }), steady(m === "m-0" ? 10 * 86400 : 10 * 86400 - 600)),
                series("pgscale_partition_interval_seconds", querySeries(m, CLUSTER, { schema: "public", table: "events" }), steady(30 * 86400)),
                series("pgscale_partition_ahead_seconds", querySeries(m, CLUSTER, { schema: "app", table: "daily" }), steady(-3600)),
                series("pgscale_partition_interval_seconds", querySeries(m, CLUSTER, { schema: "app", table: "daily" }), steady(86400)),
                series("pgscale_partition_ahead_seconds", querySeries(m, CLUSTER, { schema: "public", table: "metrics" }), steady(90 * 86400)),
                series("pgscale_partition_interval_seconds", querySeries(m, CLUSTER, { schema: "public", table: "metrics" }), steady(30 * 86400)),
                series("pgscale_partition_ahead_seconds", querySeries(m, CLUSTER, { schema: "public", table: "nums" }), steady(NaN)),
                series("pgscale_partition_interval_seconds", querySeries(m, CLUSTER, { schema: "public", table: "nums" }), steady(NaN)),
            ]),
        ],
        checks: [
            silent("PgscalePartitionRunwayShort", "14m"),
            {
                alert: "PgscalePartitionRunwayShort", at: "16m", fires: [
                    { labels: { cluster: CLUSTER, schema: "public", table: "events", ...warning }, value: 10 * 86400 },
                    { labels: { cluster: CLUSTER, schema: "app", table: "daily", ...warning }, value: -3600 },
                ],
            },
        ],
    },
    {
        name: "RowsInDefaultPartition: rows in a default partition (counted on the primary only); rows moved out in time",
        series: [
            series("pgscale_partition_default_rows", querySeries("m-0", CLUSTER, { schema: "public", table: "events" }), steady(1500)),
            series("pgscale_partition_default_rows", querySeries("m-1", CLUSTER, { schema: "public", table: "events" }), steady(0)),
            series("pgscale_partition_default_rows", querySeries("m-0", CLUSTER, { schema: "public", table: "metrics" }), [...run(40, minutes(2)), ...run(0, LENGTH - minutes(2))]),
            series("pgscale_partition_default_rows", querySeries("m-0", CLUSTER, { schema: "public", table: "orders" }), steady(0)),
        ],
        checks: [
            silent("PgscaleRowsInDefaultPartition", "4m"),
            { alert: "PgscaleRowsInDefaultPartition", at: "6m", fires: [{ labels: { cluster: CLUSTER, schema: "public", table: "events", ...warning }, value: 1500 }] },
        ],
    },
];

const backups: Scenario[] = [
    {
        // The newest backup finished at 60 s and none since; a cluster keeping its schedule does not count.
        name: "BackupTooOld: no backup for twice the shortest interval (every member reports the repository); a schedule kept",
        series: [
            ...backupScheduler("m-0", steady(60)), ...backupScheduler("m-1", steady(60)),
            ...backupScheduler("b-0", backupsOnTime(), 0, "billing"),
        ],
        checks: [
            // Overdue from 300 s (60 + 2 x 120), for 15 m.
            silent("PgscaleBackupTooOld", "19m"),
            { alert: "PgscaleBackupTooOld", at: "21m", fires: [{ labels: { cluster: CLUSTER, ...warning }, value: 1200 }] },
        ],
    },
    {
        name: "BackupFailing: the acting scheduler fails at every attempt; one failure then a success does not count",
        series: [
            ...backupScheduler("m-0", backupsOnTime(), 1), ...backupScheduler("m-1", backupsOnTime(), 0),
            ...backupScheduler("b-0", backupsOnTime(), [...run(1, minutes(2)), ...run(0, LENGTH - minutes(2))], "billing"),
        ],
        checks: [
            silent("PgscaleBackupFailing", "4m"),
            { alert: "PgscaleBackupFailing", at: "6m", fires: [{ labels: { cluster: CLUSTER, ...warning }, value: 1 }] },
            { alert: "PgscaleBackupFailing", at: "15m", fires: [{ labels: { cluster: CLUSTER, ...warning }, value: 1 }] },
        ],
    },
    {
        // Every member reports the cluster's record; a member that has not read it yet (m-2, no
        // series) does not hide it. billing's drill failed once, then the next one restored.
        name: "RestoreDrillFailing: the cluster's last drill failed; a failed drill followed by one that restored does not",
        series: [
            ...drillRecord("m-0", 1, { restore: 0 }), ...drillRecord("m-1", 1, { restore: 0 }),
            ...drillRecord("b-0", [...run(1, minutes(2)), ...run(0, LENGTH - minutes(2))], { restore: 0 }, "billing"),
        ],
        checks: [
            silent("PgscaleRestoreDrillFailing", "4m"),
            { alert: "PgscaleRestoreDrillFailing", at: "6m", fires: [{ labels: { cluster: CLUSTER, ...warning }, value: 1 }] },
        ],
    },
    {
        name: "RestoreDrillOverObjective: the last drill that restored missed one objective (named); objectives met do not",
        series: [
            ...drillRecord("m-0", 0, { restore: 1, rpo: 0 }), ...drillRecord("m-1", 0, { restore: 1, rpo: 0 }),
            ...drillRecord("b-0", 0, { restore: 0, rpo: 0 }, "billing"),
        ],
        checks: [
            silent("PgscaleRestoreDrillOverObjective", "4m"),
            { alert: "PgscaleRestoreDrillOverObjective", at: "6m", fires: [{ labels: { cluster: CLUSTER, objective: "restore", ...warning }, value: 1 }] },
        ],
    },
    {
        // The last drill ended at 60 s and none since (every member reports the record); billing's
        // drills keep their 2-minute schedule.
        name: "RestoreDrillOverdue: no drill for twice the drill interval; a schedule kept does not",
        series: [
            ...drillClock("m-0", steady(60)), ...drillClock("m-1", steady(60)),
            ...drillClock("b-0", backupsOnTime(), 120, "billing"),
        ],
        checks: [
            // Overdue from 300 s (60 + 2 x 120), for 15 m.
            silent("PgscaleRestoreDrillOverdue", "19m"),
            { alert: "PgscaleRestoreDrillOverdue", at: "21m", fires: [{ labels: { cluster: CLUSTER, ...warning }, value: 1200 }] },
        ],
    },
];

const DEFAULT_SCENARIOS: Scenario[] = [healthy, ...primaries, ...down, ...replication, ...connections, ...partitions, ...backups];

/** Thresholds other than the defaults take effect: each case below behaves otherwise with the defaults. */
const CUSTOM: Partial<AlertThresholds> = {
    noPrimaryFor: "0s",
    memberDownFor: "15s",
    maxReplicaLagBytes: 4 * 1024 * 1024,
    connectionsRatio: 0.5,
    maxPoolWaitSeconds: 60,
    partitionRunwayIntervals: 4,
    backupOverdueFactor: 10,
    drillOverdueFactor: 10,
};
const CUSTOM_SCENARIOS: Scenario[] = [
    { ...backups[0], name: "backupOverdueFactor 10: 20 minutes without a backup, on a 2-minute schedule, does not", checks: [silent("PgscaleBackupTooOld", "21m")] },
    { ...backups[4], name: "drillOverdueFactor 10: 20 minutes without a drill, on a 2-minute schedule, does not", checks: [silent("PgscaleRestoreDrillOverdue", "21m")] },
    { ...primaries[2], name: "noPrimaryFor 0s: even a switchover's gap fires", checks: [
        { alert: "PgscaleNoPrimary", at: "75s", fires: [{ labels: { cluster: CLUSTER, ...critical }, value: 3 }] },
        silent("PgscaleNoPrimary", "105s"),
    ] },
    { ...down[1], name: "memberDownFor 15s: a 30 s restart fires", checks: [
        { alert: "PgscaleMemberDown", at: "75s", fires: [{ labels: { cluster: CLUSTER, member: "m-1", ...warning }, value: 2 }] },
        silent("PgscaleMemberDown", "2m"),
    ] },
    { ...replication[1], name: "maxReplicaLagBytes 4 MiB: 8 MiB of steady lag fires", checks: [
        { alert: "PgscaleReplicationLagBytes", at: "2m", fires: [
            { labels: { ...lagAlert("m-1"), ...warning }, value: 33554432 },
            { labels: { ...lagAlert("m-3"), ...warning }, value: 8388608 },
        ] },
    ] },
    { ...connections[0], name: "connectionsRatio 0.5: 60% fires", checks: [
        { alert: "PgscaleConnectionsHigh", at: "6m", fires: [
            { labels: { ...querySeries("m-0"), ...warning }, value: 0.85 },
            { labels: { ...querySeries("m-1"), ...warning }, value: 0.6 },
        ] },
    ] },
    { ...connections[2], name: "maxPoolWaitSeconds 60: 42 s of waiting does not", checks: [silent("PgscalePoolMaxWait", "90s")] },
    { ...partitions[0], name: "partitionRunwayIntervals 4: 3 intervals ahead fires", checks: [
        { alert: "PgscalePartitionRunwayShort", at: "16m", fires: [
            { labels: { cluster: CLUSTER, schema: "public", table: "events", ...warning }, value: 10 * 86400 },
            { labels: { cluster: CLUSTER, schema: "app", table: "daily", ...warning }, value: -3600 },
            { labels: { cluster: CLUSTER, schema: "public", table: "metrics", ...warning }, value: 90 * 86400 },
        ] },
    ] },
];

// ---- running promtool ---------------------------------------------------------------------------

let dir: string;

/** promtool in the image, in the directory of the files (read-only); its exit status and output. */
function promtool(...args: string[]): { status: number; output: string } {
    const r = spawnSync("docker", ["run", "--rm", "-v", `${dir}:/work:ro`, "-w", "/work", image, "promtool", ...args], { encoding: "utf8" });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** amtool (Alertmanager's checker, same image) on a file of the directory. */
function amtool(...args: string[]): { status: number; output: string } {
    const r = spawnSync("docker", ["run", "--rm", "-v", `${dir}:/work:ro`, "-w", "/work", image, "amtool", ...args], { encoding: "utf8" });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

function write(name: string, text: string): void {
    // The image runs as its own user (uid 100): the files must be readable by anyone.
    fs.writeFileSync(path.join(dir, name), text, { mode: 0o644 });
}

beforeAll(async () => {
    await ensureImage({ name: "prometheus" });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-alert-rules-"));
    fs.chmodSync(dir, 0o755);
    write("rules.yml", renderAlertRules());
    write("rules-custom.yml", renderAlertRules(CUSTOM));
    write("tests.yml", promtoolTests("rules.yml", alertRules(), DEFAULT_SCENARIOS));
    write("tests-custom.yml", promtoolTests("rules-custom.yml", alertRules(CUSTOM), CUSTOM_SCENARIOS));
    // Every rule broken (an expression that never fires): the tests above must notice each one.
    const broken = renderAlertRules().replace(/^( +expr: ).*$/gm, "$1vector(1) < 0");
    write("rules-broken.yml", broken);
    write("tests-broken.yml", promtoolTests("rules-broken.yml", alertRules(), DEFAULT_SCENARIOS));
});
afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it("renders Alertmanager configurations amtool accepts, and amtool refuses a broken one", () => {
    const am = (input: object) => renderAlertmanagerConfig(parseSpec(alertmanagerSpec, input, "Alertmanager"));
    write("am-default.yml", am({}));
    write("am-hooks.yml", am({ webhookUrls: ["http://hook:8080/alerts", "https://pager.example.com/x"], groupWaitSeconds: 0 }));
    write("am-broken.yml", am({}).replace("receiver: pgscale", "receiver: nobody"));
    for (const f of ["am-default.yml", "am-hooks.yml"]) {
        const r = amtool("check-config", f);
        expect({ f, status: r.status, ok: r.output.includes("SUCCESS") }).toEqual({ f, status: 0, ok: true });
    }
    expect(amtool("check-config", "am-broken.yml").status).not.toBe(0);
});

it("starts Alertmanager on the command line alertmanagerCommand gives, with a rendered configuration", () => {
    // amtool checks the file only; the binary parses every flag (its durations are Go's, hours at most).
    write("am-start.yml", renderAlertmanagerConfig(parseSpec(alertmanagerSpec, {}, "Alertmanager")));
    const cmd = alertmanagerCommand(parseSpec(alertmanagerSpec, { retentionTime: "2w" }, "Alertmanager"), "/work/am-start.yml", "/tmp/alertmanager");
    const r = spawnSync("docker", ["run", "--rm", "-v", `${dir}:/work:ro`, image, "timeout", "-s", "TERM", "5", ...cmd], { encoding: "utf8" });
    if (r.error) throw r.error;
    const output = `${r.stdout}${r.stderr}`;
    expect(output).not.toMatch(/error:/);
    expect(output).toMatch(/msg="Listening on" address=\[::\]:9093/);
});

it("renders rule files promtool accepts, defaults and custom thresholds", () => {
    const r = promtool("check", "rules", "rules.yml", "rules-custom.yml");
    expect(r.output).toContain(`SUCCESS: ${ALERT_NAMES.length} rules found`);
    expect(r.status).toBe(0);
});

it("fires every rule on its failure, with its labels and annotations, and on nothing else (default thresholds)", () => {
    // Each rule has a case that fires and one that must not, beyond the healthy scenario.
    for (const a of ALERT_NAMES) {
        const checks = DEFAULT_SCENARIOS.filter((s) => s !== healthy).flatMap((s) => s.checks).filter((c) => c.alert === a);
        expect({ alert: a, fires: checks.some((c) => c.fires.length > 0), silent: checks.some((c) => c.fires.length === 0) }).toEqual({ alert: a, fires: true, silent: true });
    }
    const r = promtool("test", "rules", "tests.yml");
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
    expect(r.output).toContain("SUCCESS");
});

it("applies custom thresholds", () => {
    const r = promtool("test", "rules", "tests-custom.yml");
    if (r.status !== 0) throw new Error(`promtool test rules failed:\n${r.output}`);
    expect(r.output).toContain("SUCCESS");
});

it("notices a broken rule: with every expression replaced by one that never fires, every alert's tests fail", () => {
    const r = promtool("test", "rules", "tests-broken.yml");
    expect(r.status).not.toBe(0);
    const failing = new Set([...r.output.matchAll(/alertname: (\w+),/g)].map((m) => m[1]));
    expect([...failing].sort()).toEqual([...ALERT_NAMES].sort());
});

it("reads only metrics that exist: Patroni's, pgbouncer_exporter's, postgres_exporter's pg_up, up, pgscale's queries and its backup scheduler's", () => {
    const known = new Set<string>([...Object.values(RULE_EXTERNAL_METRICS).flat(), ...PGSCALE_QUERY_METRICS, ...BACKUP_SCHEDULER_METRICS, ...BACKUP_DRILL_METRICS]);
    const used = new Set(alertRules().flatMap((r) => metricNames(r.expr)));
    expect([...used].filter((m) => !known.has(m))).toEqual([]);
    // Each source's names are read by some rule (a name left in the list would vouch for nothing).
    expect([...Object.values(RULE_EXTERNAL_METRICS).flat()].filter((m) => !used.has(m))).toEqual([]);
});

/**
 * The metric names in a PromQL expression, roughly: identifiers once strings, label matchers,
 * grouping clauses and ranges are removed, less keywords and function calls.
 */
function metricNames(expr: string): string[] {
    const keywords = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"]);
    const stripped = expr
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/\{[^}]*\}/g, " ")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
        .replace(/\[[^\]]*\]/g, " ");
    return [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
        .filter((m) => !m[2] && !keywords.has(m[1]) && !/^(e|inf|nan)$/i.test(m[1]))
        .map((m) => m[1]);
}
