import { checkHistory, historyQueries, HistoryFacts } from "./history";
import { DEFAULT_THRESHOLDS } from "./thresholds";

const base: HistoryFacts = { windowMinutes: 10, lagBytes: [], lagSeconds: [], poolWaiting: [], poolMaxWait: [], targetsDown: [], alerts: [] };
const check = (h: Partial<HistoryFacts>) => checkHistory({ ok: true, value: { ...base, ...h } }, DEFAULT_THRESHOLDS);

describe("doctor's metrics history", () => {
    it("reads each fact over the window, worst value per series", () => {
        const q = historyQueries(15);
        expect(q.lagBytes).toBe('max by (cluster, application_name) (max_over_time(pgscale_replication_lag_bytes{job="postgres"}[15m]))');
        expect(q.targetsDown).toBe("(1 - avg_over_time(up[15m])) * 900 > 0");
    });

    it("judges the worst lag of the window by doctor's own lines, per standby", () => {
        const f = check({
            lagBytes: [{ labels: { cluster: "pg", application_name: "pg-1" }, value: 2 * 1024 * 1024 }, { labels: { cluster: "pg", application_name: "pg-2" }, value: 0 }],
            lagSeconds: [{ labels: { cluster: "pg", application_name: "pg-1" }, value: 400 }],
        }).filter((x) => x.check === "history.lag");
        expect(f.map((x) => [x.severity, x.detail])).toEqual([
            ["critical", "pg pg-1: at most 2.0 MiB and 400.0 s behind in the last 10 min"],
            ["ok", "pg pg-2: at most 0 B and 0 ms behind in the last 10 min"],
        ]);
        expect(f[0].fix).toMatch(/^Playbook, Replication Lag\?/);
    });

    it("a pool that made clients wait is a warning, a wait past poolWaitCriticalSeconds critical", () => {
        const pool = (waiting: number, wait: number) => check({
            poolWaiting: [{ labels: { cluster: "pool", database: "appdb" }, value: waiting }],
            poolMaxWait: [{ labels: { cluster: "pool", database: "appdb" }, value: wait }],
        }).find((x) => x.check === "history.pool")!;
        expect(pool(0, 0).severity).toBe("ok");
        expect(pool(15, 3)).toMatchObject({ severity: "warning", detail: "pool pool appdb: up to 15 client(s) waiting at once, the longest for 3.0 s, in the last 10 min" });
        expect(pool(15, 12).severity).toBe("critical");
    });

    it("names the targets that went down, and each pgscale alert firing with its runbook", () => {
        const f = check({
            targetsDown: [{ labels: { job: "patroni", cluster: "pg", member: "pg-0", instance: "x-pg-0" }, value: 24 }],
            alerts: [{ labels: { alertname: "PgscaleReplicaNotStreaming", severity: "warning" }, annotations: { summary: "Replica pg-1 is not streaming", runbook: "Playbook, Replication Lag?: ..." }, activeAt: "2026-12-04T17:00:00Z" }],
        });
        expect(f.find((x) => x.check === "history.targets")).toMatchObject({ severity: "warning", detail: "down at some scrape in the last 10 min: patroni pg pg-0 (~24.0 s)" });
        expect(f.find((x) => x.check === "history.alert")).toEqual({
            severity: "warning", area: "replication", check: "history.alert",
            detail: "PgscaleReplicaNotStreaming firing since 2026-12-04T17:00:00Z: Replica pg-1 is not streaming", fix: "Playbook, Replication Lag?: ...",
        });
        expect(check({}).find((x) => x.check === "history.targets")!.severity).toBe("ok");
    });

    it("an unreachable Prometheus is a finding, not a failure of doctor", () => {
        expect(checkHistory({ ok: false, error: "ECONNREFUSED", code: "ECONNREFUSED" }, DEFAULT_THRESHOLDS)[0]).toMatchObject({ check: "history", area: "replication", severity: "warning", detail: "the metrics history (--prometheus): ECONNREFUSED" });
    });
});
