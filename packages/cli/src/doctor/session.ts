import { Client, ClientConfig } from "pg";
import { Gathered, libpqCompatible } from "@pgscale/core";

/** Bounds for every doctor connection: a sick server must not hang the diagnosis. */
const CONNECT_TIMEOUT_MS = 5000;
const QUERY_TIMEOUT_MS = 15000;

export interface SessionOptions {
    /**
     * Server-side statement_timeout. Off for PgBouncer's console, which knows no such setting.
     */
    statementTimeout?: boolean;
}

/** Runs `fn` on one fresh connection and always closes it. */
export async function withSession<T>(uri: string, fn: (c: Client) => Promise<T>, opts: SessionOptions = {}): Promise<T> {
    const config: ClientConfig = {
        connectionString: libpqCompatible(uri),
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        query_timeout: QUERY_TIMEOUT_MS,
        application_name: "pgscale doctor",
    };
    const client = new Client(config);
    // A server that goes away mid-diagnosis rejects the pending query; this only keeps Node from crashing.
    client.on("error", () => undefined);
    await client.connect();
    try {
        // SET rather than a startup parameter: pg_settings.reset_val then still shows the timeout an
        // application session gets, which connections.timeouts reports.
        if (opts.statementTimeout !== false) await client.query(`SET statement_timeout = ${QUERY_TIMEOUT_MS}`);
        return await fn(client);
    } finally {
        await client.end().catch(() => undefined);
    }
}

/** The text of an error; Node's dual-stack connect throws an AggregateError with an empty message. */
export function errorText(err: unknown): string {
    if (err instanceof AggregateError && !err.message) return err.errors.map(errorText).join("; ");
    if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
    return String(err);
}

export function errorCode(err: unknown): string | undefined {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === "string") return code;
    if (err instanceof AggregateError) return err.errors.map(errorCode).find(Boolean);
    return undefined;
}

/** Turns a failure into data: doctor reports what it could not gather instead of crashing. */
export async function gather<T>(fn: () => Promise<T>): Promise<Gathered<T>> {
    try {
        return { ok: true, value: await fn() };
    } catch (err) {
        const code = errorCode(err);
        return { ok: false, error: errorText(err), ...(code ? { code } : {}) };
    }
}
