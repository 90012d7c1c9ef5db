import { diagnose } from "@pgscale/core";
import { renderDoctorText } from "./doctor-text";

describe("renderDoctorText", () => {
    test("verdict, then each branch with aligned findings and their fixes", () => {
        const report = diagnose({
            primary: { ok: true, value: { serverVersion: "15.8", role: "app", privileged: false, inRecovery: false } },
            connections: { ok: true, value: { clientBackends: 3, states: { active: 1 }, maxConnections: 100, superuserReservedConnections: 3, timeouts: { statement_timeout: 0, idle_in_transaction_session_timeout: 0, idle_session_timeout: 0, tcp_keepalives_idle: 0 } } },
            replication: { ok: true, value: { replicas: [], slots: [] } },
            partitionSettings: { ok: true, value: { enablePartitionPruning: "on", constraintExclusion: "partition" } },
        });
        const text = renderDoctorText(report);
        const lines = text.split("\n");
        expect(lines[0]).toBe("pgscale doctor: WARNING (0 critical, 1 warning, 6 ok)");
        expect(lines).toContain("Connection issues");
        expect(lines).toContain("Replication lag");
        expect(lines).toContain("Partition not used");
        const warning = lines.findIndex((l) => l.startsWith("  WARNING   replication.privilege"));
        expect(warning).toBeGreaterThan(0);
        expect(lines[warning + 1]).toMatch(/^ {2}\s+fix: Run doctor with a superuser URI/);
        // Labels and checks padded: every detail starts in one column.
        const w = Math.max(...report.findings.map((f) => f.check.length));
        const label = { ok: "ok", warning: "WARNING", critical: "CRITICAL" } as const;
        for (const f of report.findings) expect(lines).toContain(`  ${label[f.severity].padEnd(8)}  ${f.check.padEnd(w)}  ${f.detail}`);
    });
});
