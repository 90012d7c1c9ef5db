import { ConnectionFacts, POOLER_TIMEOUTS, PoolerTimeouts } from "./facts";
import { Finding, ok, problem } from "./finding";

const AREA = "connections";

/** A timeout as configured: whole seconds as such, 0 as "none" (or what 0 means for it). */
function setting(seconds: number, zero = "none"): string {
    if (seconds === 0) return zero;
    return Number.isInteger(seconds) ? `${seconds} s` : `${Math.round(seconds * 1000)} ms`;
}

/**
 * The playbook's "Review connection timeout settings": lists the server's and PgBouncer's
 * timeouts, and warns where a missing one is hurting now (sessions idle in transaction with
 * nothing to end them) or would under load (clients queueing forever on a saturated pool).
 */
export function checkTimeouts(connections: ConnectionFacts | undefined, pooler: PoolerTimeouts | undefined): Finding | undefined {
    if (!connections && !pooler) return undefined;
    const parts: string[] = [];
    if (connections) {
        const s = connections.timeouts;
        parts.push(`PostgreSQL: statement_timeout ${setting(s.statement_timeout)}, ` +
            `idle_in_transaction_session_timeout ${setting(s.idle_in_transaction_session_timeout)}, ` +
            `idle_session_timeout ${setting(s.idle_session_timeout)}, tcp_keepalives_idle ${setting(s.tcp_keepalives_idle, "system default")}`);
    }
    if (pooler) {
        const known = POOLER_TIMEOUTS.filter((k) => pooler[k] !== undefined);
        parts.push(`PgBouncer: ${known.map((k) => `${k} ${setting(pooler[k]!)}`).join(", ") || "no timeouts in SHOW CONFIG"}`);
    }
    const detail = parts.join("; ");
    const problems: string[] = [];
    const fixes: string[] = [];
    const idleInTx = connections ? (connections.states["idle in transaction"] ?? 0) + (connections.states["idle in transaction (aborted)"] ?? 0) : 0;
    if (idleInTx > 0 && connections!.timeouts.idle_in_transaction_session_timeout === 0 && !pooler?.idle_transaction_timeout) {
        problems.push(`${idleInTx} session(s) idle in transaction and no timeout ends them`);
        fixes.push("Set idle_in_transaction_session_timeout (PatroniCluster parameters, e.g. \"60s\"): an open transaction keeps its locks, " +
            "its server connection (behind PgBouncer in transaction mode, a pool slot) and holds back vacuum.");
    }
    if (pooler?.query_wait_timeout === 0) {
        problems.push("PgBouncer's query_wait_timeout is 0: clients queue forever on a saturated pool");
        fixes.push("Set PgBouncerPool queryWaitTimeout (default 120 s) so a saturated pool answers with an error the application can retry.");
    }
    return problems.length
        ? problem("warning", AREA, "connections.timeouts", `${problems.join("; ")} (${detail})`, fixes.join(" "))
        : ok(AREA, "connections.timeouts", detail);
}
