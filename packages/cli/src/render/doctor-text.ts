import { AREA_TITLES, DOCTOR_AREAS, DoctorReport } from "@pgscale/core";
import { SEVERITY_LABEL, findingLines } from "./findings";

/** The report for a terminal: a verdict line, then each branch of the tree with its findings and fixes. */
export function renderDoctorText(report: DoctorReport): string {
    const { counts } = report;
    const lines = [`pgscale doctor: ${SEVERITY_LABEL[report.status]} (${counts.critical} critical, ${counts.warning} warning, ${counts.ok} ok)`];
    const checkWidth = Math.max(0, ...report.findings.map((f) => f.check.length));
    for (const area of DOCTOR_AREAS) {
        const findings = report.findings.filter((f) => f.area === area);
        if (!findings.length) continue;
        lines.push("", AREA_TITLES[area], ...findingLines(findings, checkWidth));
    }
    return lines.join("\n");
}
