import { fullJitterDelay } from "./backoff";
import { classifyPgError, PgErrorClassification } from "./classify";
import { PgRetryExhaustedError, PgTooManyConnectionsError } from "./retry-errors";
import { sleep as defaultSleep } from "../util/sleep";

/** The part of a query result withRetry's callers commonly read; pg's QueryResult fits. */
export interface RetryQueryResult {
    /** Row shape is the caller's to know; pg types it as any too. */
    rows: any[];
    rowCount: number | null;
    command: string;
}

/**
 * What withRetry needs from a client: pg's PoolClient fits. TypeScript cannot
 * infer PoolClient from pg.Pool's overloaded connect(); annotate the callback
 * (`async (c: PoolClient) => ...`) for pg's full typing.
 */
export interface RetryClient {
    query(text: string, values?: unknown[]): Promise<RetryQueryResult>;
    /** A truthy argument tells pg's pool to destroy the connection instead of reusing it. */
    release(err?: Error | boolean): void;
}

/** What withRetry needs from a pool: pg's Pool fits. */
export interface RetryPool<C extends RetryClient> {
    connect(): Promise<C>;
}

export interface RetryEvent {
    /** The attempt that just failed, from 1. */
    attempt: number;
    /** How long withRetry sleeps before the next attempt. */
    delayMs: number;
    /** Time since withRetry started, before the sleep. */
    elapsedMs: number;
    classification: PgErrorClassification;
    error: unknown;
}

export type IsolationLevel = "read committed" | "repeatable read" | "serializable";

export interface RetryOptions {
    /** Attempts in total, first one included. Default 30. */
    maxAttempts?: number;
    /**
     * Give up rather than sleep past this many ms since the start. Default 60 000:
     * rides out a Patroni failover at the playbook's ttl of 30 s.
     */
    maxElapsedMs?: number;
    /** Default 100. */
    baseDelayMs?: number;
    /** Default 5 000. */
    maxDelayMs?: number;
    /**
     * Run `fn` inside BEGIN/COMMIT so a retry re-runs the whole transaction (default),
     * with this isolation level; `false` hands `fn` a bare connection.
     */
    transaction?: false | { isolation?: IsolationLevel };
    /** Called before each sleep; for logs and metrics. */
    onRetry?: (event: RetryEvent) => void;
    /** Injectable for tests. */
    sleep?: (ms: number) => Promise<void>;
    random?: () => number;
    now?: () => number;
}

/** The server answers COMMIT of an aborted transaction with ROLLBACK, not an error. */
class SwallowedTransactionError extends Error {
    constructor() {
        super("COMMIT rolled back: an error inside the transaction was caught and not rethrown");
        this.name = "SwallowedTransactionError";
    }
}

/** `reusable` turns false when ROLLBACK failed: the connection state is unknown. */
async function runOnce<C extends RetryClient, T>(
    client: C,
    fn: (client: C) => Promise<T>,
    tx: RetryOptions["transaction"],
    state: { reusable: boolean },
): Promise<T> {
    if (tx === false) return fn(client);
    await client.query(tx?.isolation ? `BEGIN ISOLATION LEVEL ${tx.isolation.toUpperCase()}` : "BEGIN");
    try {
        const value = await fn(client);
        const res = await client.query("COMMIT");
        if (res.command === "ROLLBACK") throw new SwallowedTransactionError();
        return value;
    } catch (err) {
        // A dead connection rejects ROLLBACK at once; the caller then destroys it.
        await client.query("ROLLBACK").catch(() => {
            state.reusable = false;
        });
        throw err;
    }
}

/**
 * pg clients are EventEmitters: a connection lost while checked out emits
 * "error", and with no listener Node kills the process. The same failure
 * reaches withRetry through the rejected query, so this listener only keeps
 * the process alive for the duration of the attempt.
 */
type Emitter = { on(event: "error", fn: () => void): unknown; removeListener(event: "error", fn: () => void): unknown };
const ignore = () => undefined;

function isEmitter(x: unknown): x is Emitter {
    return typeof (x as Emitter).on === "function" && typeof (x as Emitter).removeListener === "function";
}

function release(client: RetryClient, destroy: boolean): void {
    if (isEmitter(client)) client.removeListener("error", ignore);
    try {
        client.release(destroy);
    } catch {
        // Releasing twice throws in pg; the connection is gone either way.
    }
}

/**
 * Runs `fn` on a pooled connection and re-runs it on the transient failures a
 * scaled PostgreSQL produces: serialization failures and deadlocks (the
 * transaction is re-run), and lost connections, shutdowns, and writes that hit
 * a read-only node after a failover (reconnect with exponential backoff and
 * full jitter). SQLSTATE 53300 is thrown as PgTooManyConnectionsError without
 * retrying; other errors are rethrown as they are.
 *
 * `fn` may run more than once, and a connection lost during COMMIT leaves the
 * outcome unknown, so writes should be idempotent (e.g. client-generated keys
 * with ON CONFLICT DO NOTHING). Bound each attempt with pg's
 * `connectionTimeoutMillis` / `statement_timeout`; withRetry bounds the total.
 */
export async function withRetry<C extends RetryClient, T>(
    pool: RetryPool<C>,
    fn: (client: C) => Promise<T>,
    options: RetryOptions = {},
): Promise<T> {
    const maxAttempts = options.maxAttempts ?? 30;
    const maxElapsedMs = options.maxElapsedMs ?? 60_000;
    const backoff = { baseDelayMs: options.baseDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 5_000 };
    const sleep = options.sleep ?? defaultSleep;
    const now = options.now ?? Date.now;
    const tx = options.transaction === undefined ? {} : options.transaction;
    const start = now();

    for (let attempt = 1; ; attempt++) {
        let client: C | undefined;
        const state = { reusable: true };
        try {
            client = await pool.connect();
            if (isEmitter(client)) client.on("error", ignore);
            const value = await runOnce(client, fn, tx, state);
            release(client, false);
            return value;
        } catch (err) {
            const classification = classifyPgError(err);
            // Keep a connection only if the server merely aborted the transaction.
            if (client) release(client, classification.action === "reconnect" || !state.reusable);
            if (classification.action === "use-pooler") throw new PgTooManyConnectionsError(classification, err);
            if (!classification.retryable) throw err;

            const elapsedMs = now() - start;
            const delayMs = fullJitterDelay(attempt, backoff, options.random);
            if (attempt >= maxAttempts || elapsedMs + delayMs > maxElapsedMs) {
                throw new PgRetryExhaustedError(attempt, elapsedMs, classification, err);
            }
            options.onRetry?.({ attempt, delayMs, elapsedMs, classification, error: err });
            await sleep(delayMs);
        }
    }
}
