import { PoolSizing } from "../sizing/pool";

/** Pool settings under their pgbouncer.ini names, the vocabulary managed poolers share. */
export function pgbouncerIni(s: PoolSizing): Record<string, string | number> {
    return {
        pool_mode: s.poolMode,
        default_pool_size: s.defaultPoolSize,
        max_client_conn: s.maxClientConn,
        min_pool_size: s.minPoolSize,
        reserve_pool_size: s.reservePoolSize,
        reserve_pool_timeout: s.reservePoolTimeout,
        server_idle_timeout: s.serverIdleTimeout,
        server_lifetime: s.serverLifetime,
        query_timeout: s.queryTimeout,
    };
}

export function formatIni(s: PoolSizing): string {
    return Object.entries(pgbouncerIni(s))
        .map(([k, v]) => `${k}=${v}`)
        .join(", ");
}
