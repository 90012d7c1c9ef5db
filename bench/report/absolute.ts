// Sections for results that are bounds on absolute figures rather than ratios: failover and
// pooler runs (legacy files of the earlier HA script) and chaos runs. Verdicts are computed here.
import type { ChaosFile, Legacy, Results } from "./load";
import { fmt, max, median, min } from "./stats";

const list = (xs: number[]) => xs.map(fmt).join(", ");

export function failoverTable(results: Results): string {
    const files = results.legacy.filter((l) => l.data.failover);
    if (!files.length) return "No failover results.";
    const out = ["| raw file | timings | SIGKILL outage (s) | bound | verdict | SIGTERM outage (s) | bound | verdict |", "|---|---|---|---|---|---|---|---|"];
    for (const l of files) {
        for (const [name, v] of Object.entries<any>(l.data.failover)) {
            const kill = Number(v.ttl) + 5;
            const ok = (xs: number[], bound: number) => (max(xs) <= bound ? "met (every round)" : "not met");
            out.push(`| \`${l.file}\` | ${name}: ttl ${v.ttl}, loop_wait ${v.loopWait}, retry_timeout ${v.retryTimeout}; HAProxy inter ${v.checkInterMs} ms, fall ${v.checkFall}, rise ${v.checkRise} | ` +
                `${list(v.sigkillS)} | ≤ ttl + 5 = ${kill} | ${ok(v.sigkillS, kill)} | ${list(v.sigtermS)} | ≤ 8 | ${ok(v.sigtermS, 8)} |`);
        }
    }
    return out.join("\n");
}

export function poolTable(results: Results): string {
    const files = results.legacy.filter((l: Legacy) => l.data.pool);
    if (!files.length) return "No PgBouncer results.";
    const out = ["| raw file | measure | result | bound | verdict |", "|---|---|---|---|---|"];
    for (const l of files) {
        const p = l.data.pool;
        const b = p.pgbenchSelectOnly40;
        const ratio = median(b.pooledTps) / median(b.directTps);
        out.push(`| \`${l.file}\` | \`pgbench -S -c 40 -j 2 -T 15\` through PgBouncer against HAProxy directly, ${b.directTps.length} rounds | ` +
            `pooled ${list(b.pooledTps.map(Math.round))} tps, direct ${list(b.directTps.map(Math.round))} tps: ratio of medians **${fmt(ratio)}** | ≥ 0.8 | ${ratio >= 0.8 ? "met" : "not met"} |`);
        const t = p.thousandClientsThroughPooler;
        const errors = Object.values<number>(t.errors).reduce((a, x) => a + x, 0);
        out.push(`| | 1000 concurrent clients through PgBouncer (\`pg_sleep(1)\` each) | ${t.ok} ok, ${errors} errors | 0 errors | ${errors === 0 ? "met" : "not met"} |`);
        const d = p.clientsBeyondMaxConnectionsDirect;
        const codes = Object.keys(d.errors);
        out.push(`| | 260 concurrent clients directly, max_connections 200 | ${d.ok} ok, failures: ${Object.entries(d.errors).map(([k, n]) => `${n} × ${k}`).join(", ") || "none"} | ` +
            `failures beyond max_connections are SQLSTATE 53300 | ${codes.every((c) => c === "53300") ? "met" : "not met"} |`);
    }
    return out.join("\n");
}

const CHECKED = ["missingAcknowledged", "duplicated", "overlappingPrimaries", "failedOperations"] as const;
const SHOWN = new Set(["scenario", "mode", "startedAt", "durationMs", "acknowledgedWrites", "retries", "injected", ...CHECKED]);

/** Green only when every scenario begun ended, lost, doubled or failed nothing and never had two primaries. */
export function chaosProblems(c: ChaosFile): string[] {
    const problems: string[] = (c.data.incomplete ?? []).map((s) => `${s}: did not complete`);
    for (const s of c.data.scenarios) for (const k of CHECKED) if (Number(s[k] ?? 0) !== 0) problems.push(`${s.scenario}: ${k} ${s[k]}`);
    return problems;
}

export function chaosSummary(results: Results): string {
    const out = ["| raw file | command | finished | scenarios | acknowledged writes | missing | duplicated | overlapping primaries | failed operations | verdict |", "|---|---|---|---|---|---|---|---|---|---|"];
    for (const c of results.chaos) {
        const sum = (k: string) => c.data.scenarios.reduce((a, s) => a + Number(s[k] ?? 0), 0);
        const problems = chaosProblems(c);
        out.push(`| \`${c.file}\` | \`${c.data.command}\` | ${c.data.finishedAt.slice(0, 16).replace("T", " ")} UTC | ${c.data.scenarios.length} | ${sum("acknowledgedWrites")} | ` +
            `${sum("missingAcknowledged")} | ${sum("duplicated")} | ${sum("overlappingPrimaries")} | ${sum("failedOperations")} | ${problems.length ? `**not green**: ${problems.join("; ")}` : "green"} |`);
    }
    return out.join("\n");
}

/** The other figures a scenario recorded, each as `name value`, numbers summarised. */
function extras(s: Record<string, any>): string {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(s)) {
        if (SHOWN.has(k)) continue;
        // Strings too (synchronousMode "quorum"), but not the long ones the table already shows.
        if (typeof v === "number" || typeof v === "boolean" || (typeof v === "string" && v.length <= 20)) parts.push(`${k} ${v}`);
        else if (Array.isArray(v) && v.every((x) => typeof x === "number")) {
            parts.push(v.length > 5 ? `${k} min ${min(v)}, median ${median(v)}, max ${max(v)} (${v.length})` : `${k} ${v.join(", ")}`);
        } else if (v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "number")) {
            parts.push(`${k} ${Object.entries(v).map(([a, b]) => `${a} ${b}`).join(" / ")}`);
        }
    }
    return parts.join("; ");
}

/** Per-scenario table of the latest chaos file whose name starts with `prefix`. */
export function chaosDetail(results: Results, prefix: string): string {
    const c = results.chaos.filter((x) => x.file.startsWith(`bench/results/${prefix}`)).pop();
    if (!c) return `No ${prefix} results.`;
    const out = [`Raw: \`${c.file}\` (\`${c.data.command}\`, ${c.data.machine}, finished ${c.data.finishedAt.slice(0, 16).replace("T", " ")} UTC).`, "",
        "| scenario | injected | acknowledged | missing | dup | overlaps | failed ops (retries) | other figures (ms unless named) |", "|---|---|---|---|---|---|---|---|"];
    for (const s of c.data.scenarios) {
        out.push(`| ${s.scenario} | \`${String(s.injected).replace(/\|/g, "\\|")}\` | ${s.acknowledgedWrites} | ${s.missingAcknowledged} | ${s.duplicated} | ${s.overlappingPrimaries} | ` +
            `${s.failedOperations} (${s.retries}) | ${extras(s).replace(/\|/g, "\\|")} |`);
    }
    return out.join("\n");
}
