import { checkConnections } from "./connections";
import { checkHistory } from "./history";
import { DoctorFacts } from "./facts";
import { DOCTOR_AREAS, Finding, Severity, problem, worstSeverity } from "./finding";
import { checkPartitions } from "./partitions";
import { checkPooler, poolerUnreachable } from "./pooler";
import { checkReplication } from "./replication";
import { checkTimeouts } from "./timeouts";
import { DEFAULT_THRESHOLDS, DoctorThresholds } from "./thresholds";

export interface DoctorReport {
    /** The worst severity found: a CLI exits non-zero on "critical". */
    status: Severity;
    counts: Record<Severity, number>;
    /** Ordered by the decision tree: connection issues, replication lag, partition not used. */
    findings: Finding[];
}

/**
 * Walks the playbook's troubleshooting tree over the gathered facts: connection issues
 * (PgBouncer pools, max_connections, pg_stat_activity, timeouts), replication lag (WAL sender, network,
 * replica I/O), partition not used (pruning settings, EXPLAIN). Pure: same facts, same report.
 */
export function diagnose(facts: DoctorFacts, thresholds: Partial<DoctorThresholds> = {}): DoctorReport {
    const t = { ...DEFAULT_THRESHOLDS, ...thresholds };
    const pooler = facts.pooler === undefined ? [] : facts.pooler.ok
        ? checkPooler(facts.pooler.value, t)
        : [poolerUnreachable(facts.pooler)];
    const timeouts = checkTimeouts(facts.connections?.ok ? facts.connections.value : undefined, facts.pooler?.ok ? facts.pooler.value.timeouts : undefined);
    const all = [...checkConnections(facts, t), ...pooler, ...(timeouts ? [timeouts] : []), ...checkReplication(facts, t), ...checkPartitions(facts),
        ...(facts.history ? checkHistory(facts.history, t) : []), ...checkBackups(facts.backup)];
    const findings = DOCTOR_AREAS.flatMap((area) => all.filter((f) => f.area === area));
    const counts: Record<Severity, number> = { ok: 0, warning: 0, critical: 0 };
    for (const f of findings) counts[f.severity]++;
    return { status: worstSeverity(findings.map((f) => f.severity)), counts, findings };
}

/** `pgscale backup status`'s findings, under doctor's backups area; or why they could not be read. */
function checkBackups(backup: DoctorFacts["backup"]): Finding[] {
    if (!backup) return [];
    if (!backup.ok) return [problem("warning", "backups", "backup.repository", `the members' backups could not be read: ${backup.error}`,
        "Pass each member's container (--backup-container); doctor reads the repository and the schedulers' status inside them through the Docker engine.")];
    return backup.value.findings.map((f) => ({ ...f, area: "backups" as const }));
}
