import { Client, Pool, PoolClient } from "pg";
import { libpqCompatible, sleep } from "@pgscale/core";

/** Runs one query on a fresh connection and closes it. */
export async function query<T = any>(uri: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: libpqCompatible(uri), connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
        return (await c.query(sql, params)).rows as T[];
    } finally {
        await c.end().catch(() => undefined);
    }
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; returns the value. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs: number, what: string, intervalMs = 250): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await fn();
            if (v) return v;
            last = `returned ${JSON.stringify(v)}`;
        } catch (e) {
            last = e instanceof Error ? e.message : e;
        }
        await sleep(intervalMs);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${String(last)}`);
}

export { Client, Pool };
export type { PoolClient };

/** The same server as `uri`, as the superuser: pg_stat_replication's columns need it (or pg_monitor). */
export function asSuperuser(uri: string, password: string, database = "postgres"): string {
    const u = new URL(uri);
    u.username = "postgres";
    u.password = password;
    u.pathname = `/${database}`;
    return u.toString();
}
