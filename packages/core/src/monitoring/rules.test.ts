import { parse } from "yaml";
import { PgscaleValidationError } from "../validation";
import { PGSCALE_QUERY_METRICS } from "./queries";
import { ALERT_GROUPS, ALERT_NAMES, AlertRule, BACKUP_DRILL_METRICS, BACKUP_SCHEDULER_METRICS, alertRules, renderAlertRules } from "./rules";
import { alertThresholdsSpec, DEFAULT_ALERT_THRESHOLDS } from "./alert-thresholds";

// Structure and thresholds only; what each rule fires on is tested with promtool against series
// (test/integration/alert-rules.test.ts).

type Group = { name: string; rules: AlertRule[] };
const groups = (t?: Parameters<typeof renderAlertRules>[0]) => (parse(renderAlertRules(t)) as { groups: Group[] }).groups;
const rule = (name: string, t?: Parameters<typeof renderAlertRules>[0]) => groups(t).flatMap((g) => g.rules).find((r) => r.alert === name)!;

function issues(f: () => unknown): Array<{ field: string; message: string }> {
    try {
        f();
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues;
        throw e;
    }
    throw new Error("no PgscaleValidationError");
}

describe("renderAlertRules", () => {
    it("writes every alert once, in ALERT_NAMES order, in its group", () => {
        const g = groups();
        expect(g.map((x) => x.name)).toEqual(Object.keys(ALERT_GROUPS));
        expect(g.flatMap((x) => x.rules.map((r) => r.alert))).toEqual([...ALERT_NAMES]);
        expect(new Set(ALERT_NAMES).size).toBe(ALERT_NAMES.length);
        for (const name of ALERT_NAMES) expect(name).toMatch(/^Pgscale[A-Z][A-Za-z]+$/);
    });

    it("gives each rule alert, expr, for, a severity and the summary, description and runbook annotations", () => {
        for (const r of groups().flatMap((x) => x.rules)) {
            expect(Object.keys(r)).toEqual(["alert", "expr", "for", "labels", "annotations"]);
            expect(r.labels).toEqual({ severity: expect.stringMatching(/^(critical|warning)$/) });
            expect(Object.keys(r.annotations)).toEqual(["summary", "description", "runbook"]);
            expect(r.for).toMatch(/^([0-9]+[a-z]+)+$/);
            // Descriptions say which cluster (and member, table, pool) the alert is about.
            expect(r.annotations.description).toMatch(/\{\{ \$labels\.(cluster|member|application_name|database|schema) \}\}/);
            expect(r.annotations.summary).toMatch(/\{\{ \$labels\.[a-z_]+ \}\}/);
            // One line of advice, the playbook's where it has any.
            expect(r.annotations.runbook).not.toMatch(/\n/);
            expect(r.annotations.runbook).toMatch(/^(Playbook, |Not in the playbook)/);
        }
    });

    it("selects targets by job, and groups by cluster rather than instance", () => {
        for (const r of alertRules()) {
            for (const m of r.expr.matchAll(/([a-z_]+)\{([^}]*)\}/g)) expect(m[2]).toMatch(/^job=~?"[a-z|]+"$/);
            expect(r.expr).not.toMatch(/by \([^)]*instance/);
        }
        expect(rule("PgscaleNoPrimary").expr).toMatch(/^count by \(cluster\) \(up\{job="patroni"\}\) unless on \(cluster\)/);
    });

    it("reads only pgscale_ metrics that the exporter's queries or the backup scheduler produce", () => {
        const used = new Set(alertRules().flatMap((r) => [...r.expr.matchAll(/\bpgscale_[a-z_]+/g)].map((m) => m[0])));
        expect(used.size).toBeGreaterThan(8);
        for (const m of used) expect([...PGSCALE_QUERY_METRICS, ...BACKUP_SCHEDULER_METRICS, ...BACKUP_DRILL_METRICS]).toContain(m);
    });

    it("puts the documented defaults into the expressions and durations", () => {
        expect(rule("PgscaleReplicationLagBytes").expr).toMatch(/ > 16777216$/);
        expect(rule("PgscaleReplicationLagSeconds").expr).toMatch(/ > 30$/);
        expect(rule("PgscaleSlotRetainingWal").expr).toMatch(/ > 1073741824$/);
        expect(rule("PgscaleConnectionsHigh").expr).toMatch(/ >= 0\.8$/);
        expect(rule("PgscalePoolMaxWait").expr).toMatch(/ > 5$/);
        expect(rule("PgscalePartitionRunwayShort").expr).toMatch(/ < 1 \* max by/);
        expect(rule("PgscalePoolClientsWaiting").for).toBe("1m");
        expect(rule("PgscaleNoPrimary").for).toBe(DEFAULT_ALERT_THRESHOLDS.noPrimaryFor);
        expect(rule("PgscaleReplicaNotStreaming").for).toBe("1m");
        expect(alertThresholdsSpec.parse({})).toEqual(DEFAULT_ALERT_THRESHOLDS);
        expect(renderAlertRules()).toBe(renderAlertRules({}));
    });

    it("takes each threshold given, the defaults for the rest", () => {
        const t = { maxReplicaLagBytes: 1048576, noPrimaryFor: "0s", connectionsRatio: 0.9, partitionRunwayIntervals: 3, poolMaxWaitFor: "2m" };
        expect(rule("PgscaleReplicationLagBytes", t).expr).toMatch(/ > 1048576$/);
        expect(rule("PgscaleReplicationLagBytes", t).annotations.description).toContain("threshold 1048576 bytes");
        expect(rule("PgscaleNoPrimary", t).for).toBe("0s");
        expect(rule("PgscaleConnectionsHigh", t).expr).toMatch(/ >= 0\.9$/);
        expect(rule("PgscalePartitionRunwayShort", t).expr).toMatch(/ < 3 \* max by/);
        expect(rule("PgscalePoolMaxWait", t).for).toBe("2m");
        expect(rule("PgscaleReplicationLagSeconds", t).expr).toMatch(/ > 30$/);
    });

    it("refuses bad thresholds, naming each", () => {
        const bad = issues(() => renderAlertRules({ maxReplicaLagBytes: -1, noPrimaryFor: "5 minutes", connectionsRatio: 1.5, maxSlotRetainedBytes: 1.5 }));
        expect(bad.map((i) => i.field).sort()).toEqual(["connectionsRatio", "maxReplicaLagBytes", "maxSlotRetainedBytes", "noPrimaryFor"]);
        expect(bad.find((i) => i.field === "noPrimaryFor")!.message).toMatch(/Prometheus duration/);
        expect(bad.find((i) => i.field === "connectionsRatio")!.message).toMatch(/at most 1/);
        expect(issues(() => renderAlertRules({ maxReplicaLagSecs: 5 } as never))).toEqual([{ field: "maxReplicaLagSecs", message: "is not a known option" }]);
        expect(issues(() => renderAlertRules({ partitionRunwayIntervals: 0 }))[0].field).toBe("partitionRunwayIntervals");
        expect(() => renderAlertRules({ noPrimaryFor: "" })).toThrow(/noPrimaryFor/);
        // Prometheus wants units largest first.
        expect(() => renderAlertRules({ memberDownFor: "30s1m" })).toThrow(/memberDownFor/);
        expect(() => renderAlertRules({ memberDownFor: "1h30m" })).not.toThrow();
        expect(() => renderAlertRules({ memberDownFor: "1m" })).not.toThrow();
    });
});
