import { formatIni, pgbouncerIni } from "./managed";

const s = { poolMode: "transaction" as const, defaultPoolSize: 20, reservePoolSize: 5, minPoolSize: 5, maxClientConn: 1000, reservePoolTimeout: 3, serverIdleTimeout: 600, serverLifetime: 3600, queryTimeout: 300 };

test("pool settings under pgbouncer.ini names (the playbook's example values round-trip)", () => {
    expect(pgbouncerIni(s)).toEqual({ pool_mode: "transaction", default_pool_size: 20, max_client_conn: 1000, min_pool_size: 5, reserve_pool_size: 5, reserve_pool_timeout: 3, server_idle_timeout: 600, server_lifetime: 3600, query_timeout: 300 });
    expect(formatIni(s)).toMatch(/^pool_mode=transaction, default_pool_size=20, max_client_conn=1000/);
});
