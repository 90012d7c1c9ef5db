import { CONNECTION_ERRNOS, CONNECTION_LOST_MESSAGES } from "./node-errors";
import { CONNECTION_EXCEPTION_RULE, PgErrorAction, SQLSTATE_PATTERN, SQLSTATE_RULES } from "./sqlstate";

export interface PgErrorClassification {
    action: PgErrorAction;
    /** Snake-case name of the condition, e.g. `serialization_failure`, `connection_refused`. */
    condition: string;
    /** The SQLSTATE or Node error code that decided it, when there was one. */
    code?: string;
    /** True when `withRetry` may run the work again (`retry-transaction` or `reconnect`). */
    retryable: boolean;
    /** What happened and what to do, for logs and error messages. */
    advice: string;
}

function result(action: PgErrorAction, condition: string, advice: string, code?: string): PgErrorClassification {
    return { action, condition, advice, retryable: action === "retry-transaction" || action === "reconnect", ...(code ? { code } : {}) };
}

function stringProp(err: unknown, key: string): string | undefined {
    if (typeof err !== "object" || err === null) return undefined;
    const v = (err as Record<string, unknown>)[key];
    return typeof v === "string" ? v : undefined;
}

function classifyOne(err: unknown): PgErrorClassification | undefined {
    const code = stringProp(err, "code");
    // Node errnos first: "EPIPE" has the shape of a SQLSTATE.
    if (code && CONNECTION_ERRNOS.has(code)) {
        const condition = code === "ECONNREFUSED" ? "connection_refused" : "connection_lost";
        return result("reconnect", condition, `socket error ${code}; reconnect with backoff (the server may be restarting or failing over)`, code);
    }
    if (code && SQLSTATE_PATTERN.test(code)) {
        const rule = SQLSTATE_RULES[code];
        if (rule) return result(rule.action, rule.condition, rule.advice, code);
        if (code.startsWith("08")) return result(CONNECTION_EXCEPTION_RULE.action, CONNECTION_EXCEPTION_RULE.condition, CONNECTION_EXCEPTION_RULE.advice, code);
    }
    const message = stringProp(err, "message");
    if (message && CONNECTION_LOST_MESSAGES.some((re) => re.test(message))) {
        return result("reconnect", "connection_lost", `${message}; reconnect with backoff (the server may be restarting or failing over)`);
    }
    return undefined;
}

/** Errors wrap errors: AggregateError (dual-stack connect), `cause` chains. */
function candidates(err: unknown, depth = 0): unknown[] {
    if (depth > 4 || typeof err !== "object" || err === null) return [err];
    const out: unknown[] = [err];
    const nested = (err as { errors?: unknown }).errors;
    if (Array.isArray(nested)) for (const e of nested) out.push(...candidates(e, depth + 1));
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined) out.push(...candidates(cause, depth + 1));
    return out;
}

/**
 * Says what a client should do about an error from PostgreSQL or node-postgres:
 * retry the transaction, reconnect, put a pooler in front, or give up.
 * Works on plain objects too (anything with `code` / `message`), so it needs no pg import.
 */
export function classifyPgError(err: unknown): PgErrorClassification {
    for (const c of candidates(err)) {
        const found = classifyOne(c);
        if (found) return found;
    }
    const code = stringProp(err, "code");
    const message = stringProp(err, "message") ?? String(err);
    return result("fail", "not_transient", `not a transient database condition: ${message}`, code);
}
