import { DoctorArea, Finding, formatBytes, formatSeconds, ok, problem } from "./finding";
import { Gathered } from "./facts";
import { DoctorThresholds } from "./thresholds";

// `pgscale doctor --prometheus URL`: the same lines as the live checks, drawn over the metrics of the
// last minutes (the worst value each series reached), so a problem that came and went between two
// runs of doctor is still seen, and the alerts Prometheus has firing now, with their runbooks.

/** One series' worst value over the window, with the labels that name it. */
export interface HistoryPoint {
    labels: Record<string, string>;
    value: number;
}

/** An alert of pgscale's rules that Prometheus has firing. */
export interface FiringAlert {
    labels: Record<string, string>;
    annotations: Record<string, string>;
    activeAt: string;
}

export interface HistoryFacts {
    /** The window the `*_over_time` queries cover, in minutes. */
    windowMinutes: number;
    /** Largest replay lag per standby (`pgscale_replication_lag_bytes`): labels cluster, application_name. */
    lagBytes: HistoryPoint[];
    /** Largest replay lag in seconds per standby. */
    lagSeconds: HistoryPoint[];
    /** Most clients waiting at once per pool (labels cluster, database). */
    poolWaiting: HistoryPoint[];
    /** Longest wait per pool, seconds. */
    poolMaxWait: HistoryPoint[];
    /** Targets that were down at some scrape of the window (labels job, cluster, member, instance); value: seconds down. */
    targetsDown: HistoryPoint[];
    alerts: FiringAlert[];
}

/** The PromQL doctor runs for each fact, over a window of `m` minutes. */
export function historyQueries(m: number): Record<Exclude<keyof HistoryFacts, "windowMinutes" | "alerts">, string> {
    const w = `[${m}m]`;
    return {
        lagBytes: `max by (cluster, application_name) (max_over_time(pgscale_replication_lag_bytes{job="postgres"}${w}))`,
        lagSeconds: `max by (cluster, application_name) (max_over_time(pgscale_replication_replay_lag_seconds{job="postgres"}${w}))`,
        poolWaiting: `max by (cluster, database) (max_over_time(pgbouncer_pools_client_waiting_connections{job="pgbouncer"}${w}))`,
        poolMaxWait: `max by (cluster, database) (max_over_time(pgbouncer_pools_client_maxwait_seconds{job="pgbouncer"}${w}))`,
        // Seconds down: the share of scrapes that failed, times the window.
        targetsDown: `(1 - avg_over_time(up${w})) * ${m * 60} > 0`,
    };
}

const where = (l: Record<string, string>, ...keys: string[]) => keys.map((k) => l[k]).filter(Boolean).join(" ");

function level(value: number, warn: number, critical: number): "ok" | "warning" | "critical" {
    return value >= critical ? "critical" : value >= warn ? "warning" : "ok";
}

/** Findings from the metrics history: lag and pool waits at their worst in the window, targets that went down, alerts firing. */
export function checkHistory(history: Gathered<HistoryFacts>, t: DoctorThresholds): Finding[] {
    if (!history.ok) return [problem("warning", "replication", "history", `the metrics history (--prometheus): ${history.error}`, "Check the URL and that Prometheus runs: the Prometheus construct's `url`, its /-/ready.")];
    const h = history.value;
    const span = `in the last ${h.windowMinutes} min`;
    const out: Finding[] = [];
    const fixLag = "Playbook, Replication Lag?: check network latency, verify the WAL sender is active (pg_stat_replication), check disk I/O on the replica, consider synchronous_commit.";
    const lagByStandby = new Map<string, { bytes?: number; seconds?: number; labels: Record<string, string> }>();
    for (const p of h.lagBytes) lagByStandby.set(where(p.labels, "cluster", "application_name"), { ...lagByStandby.get(where(p.labels, "cluster", "application_name")), bytes: p.value, labels: p.labels });
    for (const p of h.lagSeconds) lagByStandby.set(where(p.labels, "cluster", "application_name"), { ...lagByStandby.get(where(p.labels, "cluster", "application_name")), seconds: p.value, labels: p.labels });
    for (const [name, l] of [...lagByStandby].sort(([a], [b]) => a.localeCompare(b))) {
        const s = [level(l.bytes ?? 0, t.lagWarnBytes, t.lagCriticalBytes), level(l.seconds ?? 0, t.lagWarnSeconds, t.lagCriticalSeconds)];
        const severity = s.includes("critical") ? "critical" : s.includes("warning") ? "warning" : "ok";
        const detail = `${name}: at most ${formatBytes(l.bytes ?? 0)} and ${formatSeconds(l.seconds ?? 0)} behind ${span}`;
        out.push(severity === "ok" ? ok("replication", "history.lag", detail) : problem(severity, "replication", "history.lag", detail, fixLag));
    }
    const waits = new Map(h.poolMaxWait.map((p) => [where(p.labels, "cluster", "database"), p.value]));
    for (const p of [...h.poolWaiting].sort((a, b) => where(a.labels, "cluster", "database").localeCompare(where(b.labels, "cluster", "database")))) {
        const name = where(p.labels, "cluster", "database");
        const wait = waits.get(name) ?? 0;
        const detail = `pool ${name}: up to ${p.value} client(s) waiting at once, the longest for ${formatSeconds(wait)}, ${span}`;
        const fix = "Playbook, Connection Issues?: Check PgBouncer: SHOW POOLS; raise default_pool_size if PostgreSQL has room (max_connections), or find what holds server connections (long transactions).";
        out.push(wait >= t.poolWaitCriticalSeconds ? problem("critical", "connections", "history.pool", detail, fix)
            : p.value > 0 ? problem("warning", "connections", "history.pool", detail, fix) : ok("connections", "history.pool", detail));
    }
    const down = [...h.targetsDown].sort((a, b) => where(a.labels, "job", "instance").localeCompare(where(b.labels, "job", "instance")));
    out.push(down.length
        ? problem("warning", "connections", "history.targets", `down at some scrape ${span}: ${down.map((p) => `${where(p.labels, "job", "cluster", "member") || p.labels.instance} (~${formatSeconds(p.value)})`).join(", ")}`,
            "Look at each one's container and log (docker ps -a, docker logs); a member that restarted rejoins by itself, see `pgscale status`.")
        : ok("connections", "history.targets", `every scrape target answered every scrape ${span}`));
    const area = (name: string): DoctorArea => (/Replica|Replication|Slot|Archiving/.test(name) ? "replication" : /Partition/.test(name) ? "partitions" : "connections");
    for (const a of [...h.alerts].sort((x, y) => (x.labels.alertname ?? "").localeCompare(y.labels.alertname ?? ""))) {
        const severity = a.labels.severity === "critical" ? "critical" : "warning";
        out.push(problem(severity, area(a.labels.alertname ?? ""), "history.alert", `${a.labels.alertname} firing since ${a.activeAt}: ${a.annotations.summary ?? ""}`.trim(), a.annotations.runbook ?? "See docs/monitoring.md."));
    }
    return out;
}
