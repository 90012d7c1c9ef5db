import { alertRules } from "./rules";
import { DEFAULT_ALERT_THRESHOLDS } from "./alert-thresholds";

// The alert rules as the table docs/monitoring.md shows (between `<!-- rules:alert-rules -->`
// markers), made from the rules themselves so the page cannot drift from what Prometheus loads;
// a unit test compares the committed page with it.

/** Markers around the generated table in docs/monitoring.md. */
export const ALERT_RULES_MARKERS = { begin: "<!-- rules:alert-rules -->", end: "<!-- /rules:alert-rules -->" } as const;

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** A markdown table of every alert at the default thresholds: name, severity, expression, `for`, runbook. */
export function alertRulesTable(): string {
    const rows = alertRules().map((r) => `| ${r.alert} | ${r.labels.severity} | \`${cell(r.expr)}\` | ${r.for} | ${cell(r.annotations.runbook)} |`);
    return ["| Alert | Severity | Fires when (default thresholds) | `for` (default) | Runbook |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** A markdown table of the `alerts` option: every threshold and its default. */
export function alertThresholdsTable(): string {
    const rows = Object.entries(DEFAULT_ALERT_THRESHOLDS).map(([k, v]) => `| \`${k}\` | \`${JSON.stringify(v)}\` |`);
    return ["| `alerts` field | Default |", "|---|---|", ...rows].join("\n");
}

/** `markdown` with the text between the markers replaced by the current table. */
export function fillAlertRulesTable(markdown: string): string {
    const b = markdown.indexOf(ALERT_RULES_MARKERS.begin);
    const e = markdown.indexOf(ALERT_RULES_MARKERS.end);
    if (b < 0 || e < b) throw new Error(`no ${ALERT_RULES_MARKERS.begin} ... ${ALERT_RULES_MARKERS.end} section`);
    return `${markdown.slice(0, b + ALERT_RULES_MARKERS.begin.length)}\n${alertRulesTable()}\n\n${alertThresholdsTable()}\n${markdown.slice(e)}`;
}
