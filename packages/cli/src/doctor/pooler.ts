import { Client } from "pg";
import { POOLER_TIMEOUTS, PoolerFacts } from "@pgscale/core";
import { withSession } from "./session";

/** PgBouncer's console answers in text and int columns; int8 arrives as a string. */
const num = (v: unknown): number => Number(v ?? 0);

async function show(c: Client, what: string): Promise<Record<string, unknown>[]> {
    return (await c.query(`SHOW ${what}`)).rows;
}

/** SHOW POOLS / DATABASES / STATS / CONFIG on PgBouncer's admin console (needs admin_users or stats_users). */
export async function gatherFromPooler(adminUri: string): Promise<PoolerFacts> {
    return withSession(adminUri, async (c) => {
        const pools = await show(c, "POOLS");
        const databases = await show(c, "DATABASES");
        const stats = await show(c, "STATS");
        const config = await show(c, "CONFIG");
        const setting = new Map(config.map((r) => [String(r.key), r.value]));
        return {
            pools: pools.map((p) => ({
                database: String(p.database), user: String(p.user),
                clientsActive: num(p.cl_active), clientsWaiting: num(p.cl_waiting),
                serversActive: num(p.sv_active), serversIdle: num(p.sv_idle), serversUsed: num(p.sv_used),
                serversTested: num(p.sv_tested), serversLogin: num(p.sv_login),
                maxWaitSeconds: num(p.maxwait) + num(p.maxwait_us) / 1e6,
                poolMode: String(p.pool_mode),
            })),
            databases: databases.map((d) => ({
                name: String(d.name), poolSize: num(d.pool_size), reservePool: num(d.reserve_pool),
                paused: num(d.paused) !== 0, disabled: num(d.disabled) !== 0,
            })),
            stats: stats.map((s) => ({
                database: String(s.database), avgWaitMicros: num(s.avg_wait_time), avgQueryMicros: num(s.avg_query_time), totalXactCount: num(s.total_xact_count),
            })),
            // In seconds on the console (PgBouncer 1.18 prints the microsecond ones converted).
            timeouts: Object.fromEntries(POOLER_TIMEOUTS.filter((k) => setting.has(k)).map((k) => [k, num(setting.get(k))])),
        };
    }, { statementTimeout: false });
}
