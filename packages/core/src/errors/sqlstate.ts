/**
 * The SQLSTATEs the failover-aware client acts on, from PostgreSQL's
 * Appendix A "PostgreSQL Error Codes". Kept as data so the classifier, the
 * docs and `pgscale doctor` agree on one table.
 */
export type PgErrorAction =
    /** Run the whole transaction again on a healthy connection. */
    | "retry-transaction"
    /** Drop the connection, wait (backoff + jitter), connect again and re-run. */
    | "reconnect"
    /** Do not retry: more connections make it worse. Put a pooler in front. */
    | "use-pooler"
    /** Not a transient condition: surface it. */
    | "fail";

export interface SqlstateRule {
    condition: string;
    action: PgErrorAction;
    advice: string;
}

export const SQLSTATE_RULES: Readonly<Record<string, SqlstateRule>> = {
    "40001": {
        condition: "serialization_failure",
        action: "retry-transaction",
        advice: "a concurrent transaction conflicted under REPEATABLE READ/SERIALIZABLE; re-running the transaction is the documented remedy",
    },
    "40P01": {
        condition: "deadlock_detected",
        action: "retry-transaction",
        advice: "PostgreSQL aborted this transaction to break a deadlock; re-run it (and take locks in a consistent order to make it rarer)",
    },
    "57P01": {
        condition: "admin_shutdown",
        action: "reconnect",
        advice: "the server terminated the session (shutdown, switchover or pg_terminate_backend); reconnect with backoff",
    },
    "57P02": {
        condition: "crash_shutdown",
        action: "reconnect",
        advice: "the server is restarting after a crash of another backend; reconnect with backoff",
    },
    "57P03": {
        condition: "cannot_connect_now",
        action: "reconnect",
        advice: "the server is starting up or shutting down; reconnect with backoff",
    },
    "25006": {
        condition: "read_only_sql_transaction",
        action: "reconnect",
        advice: "a write reached a read-only node (a replica, or a former primary after failover); reconnect so the router sends it to the new primary",
    },
    "53300": {
        condition: "too_many_connections",
        action: "use-pooler",
        advice: "the server (or role/database connection limit) is out of connection slots; retrying adds load. Put a connection pooler (PgBouncer, PgBouncerPool) in front and size the application pool below max_connections",
    },
};

/** Class 08 (connection exception): every code in it means the connection is unusable. */
export const CONNECTION_EXCEPTION_RULE: SqlstateRule = {
    condition: "connection_exception",
    action: "reconnect",
    advice: "the connection to the server failed; reconnect with backoff (after a failover the router sends it to the new primary)",
};

export const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;
