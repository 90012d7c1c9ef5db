import { PgErrorClassification } from "./classify";

/** withRetry gave up on a transient condition: attempts or time ran out. */
export class PgRetryExhaustedError extends Error {
    readonly attempts: number;
    readonly elapsedMs: number;
    readonly classification: PgErrorClassification;
    /** The last error's SQLSTATE or errno, so code-based handlers keep working. */
    readonly code?: string;
    constructor(attempts: number, elapsedMs: number, classification: PgErrorClassification, cause: unknown) {
        super(
            `gave up after ${attempts} attempt(s) in ${elapsedMs} ms: ${classification.condition}` +
                `${classification.code ? ` (${classification.code})` : ""}: ${classification.advice}`,
            { cause },
        );
        this.name = "PgRetryExhaustedError";
        this.attempts = attempts;
        this.elapsedMs = elapsedMs;
        this.classification = classification;
        this.code = classification.code;
    }
}

/**
 * SQLSTATE 53300. Deliberately not retried: every retry is one more
 * connection attempt against a server that is out of slots.
 */
export class PgTooManyConnectionsError extends Error {
    readonly code = "53300";
    readonly classification: PgErrorClassification;
    constructor(classification: PgErrorClassification, cause: unknown) {
        const original = cause instanceof Error ? cause.message : String(cause);
        super(
            `too many connections (SQLSTATE 53300: ${original}). Not retried: retries add connections. ` +
                `Put a connection pooler in front (PgBouncer, e.g. PgBouncerPool in transaction mode) and keep ` +
                `the application pool size below the server's max_connections.`,
            { cause },
        );
        this.name = "PgTooManyConnectionsError";
        this.classification = classification;
    }
}
