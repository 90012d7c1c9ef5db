import { Severity } from "@pgscale/core";

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = { ok: "ok", warning: "WARNING", critical: "CRITICAL" };

interface Judged {
    severity: Severity;
    check: string;
    detail: string;
    fix?: string;
}

/** One line per finding (severity, check, detail), its fix indented under the detail; `checkWidth` aligns several groups. */
export function findingLines(findings: readonly Judged[], checkWidth = Math.max(0, ...findings.map((f) => f.check.length))): string[] {
    const labelWidth = Math.max(...Object.values(SEVERITY_LABEL).map((l) => l.length));
    const indent = " ".repeat(2 + labelWidth + 2 + checkWidth + 2);
    return findings.flatMap((f) => [
        `  ${SEVERITY_LABEL[f.severity].padEnd(labelWidth)}  ${f.check.padEnd(checkWidth)}  ${f.detail}`,
        ...(f.fix ? [`${indent}fix: ${f.fix}`] : []),
    ]);
}
