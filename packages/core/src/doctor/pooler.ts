import { PoolerDatabase, PoolerFacts, PoolerPool, PoolerStats } from "./facts";
import { Finding, formatSeconds, ok, problem } from "./finding";
import { DoctorThresholds } from "./thresholds";

const AREA = "connections";
/** PgBouncer's own console; never an application pool. */
const ADMIN_DB = "pgbouncer";

function serversOpen(p: PoolerPool): number {
    return p.serversActive + p.serversIdle + p.serversUsed + p.serversTested + p.serversLogin;
}

/** One SHOW POOLS row: waiting clients, and whether every server connection is busy. */
export function checkPool(p: PoolerPool, db: PoolerDatabase | undefined, queryWaitTimeoutSeconds: number | null, t: DoctorThresholds): Finding {
    const limit = db ? db.poolSize + db.reservePool : undefined;
    const name = `${p.database}/${p.user}`;
    const servers = `${p.serversActive} of ${limit ?? "?"} server connections busy` + (p.serversLogin ? `, ${p.serversLogin} logging in` : "");
    if (p.clientsWaiting === 0) {
        return ok(AREA, "pooler.pool", `${name} (${p.poolMode}): ${p.clientsActive} active clients, none waiting; ${servers}`);
    }
    const saturated = limit !== undefined && p.serversActive >= limit;
    const waited = `${p.clientsWaiting} clients waiting for a server connection, the oldest for ${formatSeconds(p.maxWaitSeconds)}`;
    const timeout = queryWaitTimeoutSeconds ? ` Clients still waiting after query_wait_timeout (${queryWaitTimeoutSeconds} s) get an error.` : "";
    const severity = p.maxWaitSeconds >= t.poolWaitCriticalSeconds ? "critical" : "warning";
    if (!saturated && p.serversLogin > 0 && p.maxWaitSeconds < t.poolLoginGraceSeconds) {
        // The first clients of a cold pool queue while PgBouncer logs in; that is no finding.
        return ok(AREA, "pooler.pool", `${name} (${p.poolMode}): ${waited}, opening server connections; ${servers}`);
    }
    if (saturated || limit === undefined) {
        // Without a SHOW DATABASES row the limit is unknown: say so rather than claim saturation.
        const state = limit === undefined ? `${waited}; pool limit unknown (no SHOW DATABASES row for ${p.database})` : `pool saturated: ${waited}`;
        return problem(severity, AREA, "pooler.pool",
            `${name}: ${state}; ${servers}`,
            `Raise default_pool_size (PgBouncerPool defaultPoolSize, now ${db?.poolSize ?? "?"}) or reservePoolSize within max_connections, ` +
                `and shorten transactions: in transaction mode a server connection is held for a whole transaction.${timeout}`);
    }
    // Waiting while servers are free means PgBouncer cannot open server connections.
    return problem(severity, AREA, "pooler.pool",
        `${name}: ${waited}, yet only ${serversOpen(p)} of ${limit} server connections are open; ${servers}`,
        `PgBouncer cannot open server connections: check that its backend (HAProxy's read-write listener, the primary) accepts connections, ` +
            `max_connections on the server, and server_connect_timeout / server_login_retry.${timeout}`);
}

/** SHOW STATS: how long clients waited on average over the last stats period. */
export function checkPoolWaitTime(s: PoolerStats, t: DoctorThresholds): Finding {
    const avgMs = s.avgWaitMicros / 1000;
    const detail = `${s.database}: clients waited ${formatSeconds(avgMs / 1000)} on average for a server connection in the last stats period ` +
        `(avg query ${formatSeconds(s.avgQueryMicros / 1e6)}, ${s.totalXactCount} transactions in total)`;
    if (avgMs >= t.poolAvgWaitWarnMs) {
        return problem("warning", AREA, "pooler.wait_time", detail,
            "The pool was saturated lately: raise default_pool_size (or reservePoolSize) within max_connections, or find the slow transactions that hold server connections.");
    }
    return ok(AREA, "pooler.wait_time", detail);
}

/** Applications behind PgBouncer are down with it. */
export function poolerUnreachable(failure: { error: string; code?: string }): Finding {
    const denied = failure.code === "28P01" || (failure.code === "08P01" && /not allowed|permission/i.test(failure.error));
    return problem("critical", AREA, "pooler.reachable", `cannot query the PgBouncer admin console: ${failure.error}`,
        denied
            ? "Connect as a user in PgBouncer's admin_users or stats_users (PgBouncerPool's adminUri) to the virtual database pgbouncer."
            : "Check that the PgBouncer container is running and listening (docker ps, its log), and the --pooler-admin-uri host and port.");
}

export function checkPooler(facts: PoolerFacts, t: DoctorThresholds): Finding[] {
    const findings: Finding[] = [];
    const dbs = new Map(facts.databases.map((d) => [d.name, d]));
    for (const d of facts.databases) {
        if (d.name === ADMIN_DB || !(d.paused || d.disabled)) continue;
        findings.push(problem("critical", AREA, "pooler.database", `${d.name} is ${d.paused ? "paused" : "disabled"} in PgBouncer: clients queue or are refused`,
            `Run RESUME ${d.name}; / ENABLE ${d.name}; on the PgBouncer console once maintenance is over.`));
    }
    const pools = facts.pools.filter((p) => p.database !== ADMIN_DB);
    for (const p of pools) findings.push(checkPool(p, dbs.get(p.database), facts.timeouts.query_wait_timeout ?? null, t));
    for (const s of facts.stats.filter((s) => s.database !== ADMIN_DB)) findings.push(checkPoolWaitTime(s, t));
    if (!pools.length) {
        // PgBouncer lists a pool only once a client has used it.
        findings.push(ok(AREA, "pooler.pool", "no application pool in use yet (no client has connected through PgBouncer)"));
    }
    return findings;
}
