import { classifyPgError } from "../errors";
import { ConnectionFacts, DoctorFacts } from "./facts";
import { Finding, notGathered, ok, problem } from "./finding";
import { DoctorThresholds } from "./thresholds";

const AREA = "connections";

/** Could doctor connect to the primary at all? The error table says what the failure means. */
export function checkPrimaryConnection(primary: DoctorFacts["primary"]): Finding {
    if (!primary.ok) {
        const c = classifyPgError({ code: primary.code, message: primary.error });
        const fix = c.action === "use-pooler"
            ? c.advice
            : c.action === "fail"
                ? "Check the URI's role and password, and that the role may connect to that database (CONNECT privilege, pg_hba.conf)."
                : "Check that the primary (or HAProxy's read-write listener) is up and the URI's host and port are right; during a failover, retry in a few seconds.";
        return problem("critical", AREA, "connections.primary", `cannot connect to the primary: ${primary.error}`, fix);
    }
    const p = primary.value;
    return ok(AREA, "connections.primary", `connected as ${p.role} to PostgreSQL ${p.serverVersion}`);
}

function describeStates(states: Record<string, number>): string {
    const parts = Object.entries(states).filter(([, n]) => n > 0).map(([s, n]) => `${s} ${n}`);
    return parts.length ? `; sessions: ${parts.join(", ")}` : "";
}

/** Client backends against the slots left after superuser_reserved_connections. */
export function checkConnectionUsage(facts: ConnectionFacts, privileged: boolean, t: DoctorThresholds): Finding {
    const usable = Math.max(1, facts.maxConnections - facts.superuserReservedConnections);
    const ratio = facts.clientBackends / usable;
    const estimate = privileged ? "" : "; estimated: the role cannot see other sessions' details";
    const detail = `${facts.clientBackends} of ${usable} usable connections in use ` +
        `(max_connections ${facts.maxConnections} less ${facts.superuserReservedConnections} reserved for superusers)` +
        `${describeStates(facts.states)}${estimate}`;
    const idleInTx = facts.states["idle in transaction"] ?? 0;
    const fix =
        "Put PgBouncer in front in transaction mode (PgBouncerPool) and keep application pools below max_connections; " +
        "monitor pg_stat_activity for idle and idle-in-transaction sessions" +
        (idleInTx ? ` (${idleInTx} idle in transaction now: set idle_in_transaction_session_timeout)` : "") +
        "; raise max_connections only with the memory for it.";
    if (ratio >= t.connectionsCriticalRatio) return problem("critical", AREA, "connections.usage", detail, fix);
    if (ratio >= t.connectionsWarnRatio) return problem("warning", AREA, "connections.usage", detail, fix);
    return ok(AREA, "connections.usage", detail);
}

export function checkConnections(facts: DoctorFacts, t: DoctorThresholds): Finding[] {
    const findings = [checkPrimaryConnection(facts.primary)];
    if (facts.connections) {
        const privileged = facts.primary.ok && facts.primary.value.privileged;
        findings.push(facts.connections.ok
            ? checkConnectionUsage(facts.connections.value, privileged, t)
            : notGathered(AREA, "connections.usage", "could not read pg_stat_activity", facts.connections));
    }
    return findings;
}
