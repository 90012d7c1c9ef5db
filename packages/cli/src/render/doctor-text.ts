import { AREA_TITLES, DOCTOR_AREAS, DoctorReport, Severity } from "@pgscale/core";

const LABEL: Readonly<Record<Severity, string>> = { ok: "ok", warning: "WARNING", critical: "CRITICAL" };

/** The report for a terminal: a verdict line, then each branch of the tree with its findings and fixes. */
export function renderDoctorText(report: DoctorReport): string {
    const { counts } = report;
    const lines = [`pgscale doctor: ${LABEL[report.status]} (${counts.critical} critical, ${counts.warning} warning, ${counts.ok} ok)`];
    const labelWidth = Math.max(...Object.values(LABEL).map((l) => l.length));
    const checkWidth = Math.max(0, ...report.findings.map((f) => f.check.length));
    const indent = " ".repeat(2 + labelWidth + 2 + checkWidth + 2);
    for (const area of DOCTOR_AREAS) {
        const findings = report.findings.filter((f) => f.area === area);
        if (!findings.length) continue;
        lines.push("", AREA_TITLES[area]);
        for (const f of findings) {
            lines.push(`  ${LABEL[f.severity].padEnd(labelWidth)}  ${f.check.padEnd(checkWidth)}  ${f.detail}`);
            if (f.fix) lines.push(`${indent}fix: ${f.fix}`);
        }
    }
    return lines.join("\n");
}
