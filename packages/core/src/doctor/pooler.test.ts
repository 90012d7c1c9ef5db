import { PoolerFacts, PoolerPool } from "./facts";
import { checkPool, checkPooler, checkPoolWaitTime, poolerUnreachable } from "./pooler";
import { DEFAULT_THRESHOLDS as t } from "./thresholds";

const pool = (over: Partial<PoolerPool> = {}): PoolerPool => ({
    database: "appdb", user: "app", clientsActive: 1, clientsWaiting: 0, serversActive: 1, serversIdle: 0, serversUsed: 0,
    serversTested: 0, serversLogin: 0, maxWaitSeconds: 0, poolMode: "transaction", ...over,
});
const db = { name: "appdb", poolSize: 1, reservePool: 0, paused: false, disabled: false };

describe("PgBouncer checks", () => {
    test("no waiting clients: ok", () => {
        expect(checkPool(pool(), db, 120, t)).toMatchObject({ severity: "ok", check: "pooler.pool" });
    });

    test("waiting clients with every server connection busy: the pool is saturated", () => {
        const f = checkPool(pool({ clientsWaiting: 5, maxWaitSeconds: 1.4 }), db, 120, t);
        expect(f.severity).toBe("warning");
        expect(f.detail).toBe("appdb/app: pool saturated: 5 clients waiting for a server connection, the oldest for 1.4 s; 1 of 1 server connections busy");
        expect(f.fix).toMatch(/Raise default_pool_size \(PgBouncerPool defaultPoolSize, now 1\)/);
        expect(f.fix).toMatch(/query_wait_timeout \(120 s\)/);
    });

    test("a client waiting past poolWaitCriticalSeconds is critical", () => {
        expect(checkPool(pool({ clientsWaiting: 1, maxWaitSeconds: 10 }), db, 120, t).severity).toBe("critical");
    });

    test("a pool with no SHOW DATABASES row: the limit is unknown, not claimed saturated", () => {
        const f = checkPool(pool({ clientsWaiting: 2, maxWaitSeconds: 1.5 }), undefined, 120, t);
        expect(f).toMatchObject({ severity: "warning", detail: "appdb/app: 2 clients waiting for a server connection, the oldest for 1.5 s; pool limit unknown (no SHOW DATABASES row for appdb); 1 of ? server connections busy" });
    });

    test("waiting while server connections are free points at the backend", () => {
        const f = checkPool(pool({ clientsWaiting: 3, serversActive: 0, serversLogin: 1, maxWaitSeconds: 2 }), { ...db, poolSize: 20 }, null, t);
        expect(f.detail).toMatch(/only 1 of 20 server connections are open/);
        expect(f.fix).toMatch(/cannot open server connections/);
    });

    test("clients queued behind a login still in progress: a pool warming up, ok until poolLoginGraceSeconds", () => {
        const warming = pool({ clientsWaiting: 6, serversActive: 0, serversLogin: 1, maxWaitSeconds: 0 });
        expect(checkPool(warming, db, 120, t)).toMatchObject({
            severity: "ok",
            detail: "appdb/app (transaction): 6 clients waiting for a server connection, the oldest for 0 ms, opening server connections; 0 of 1 server connections busy, 1 logging in",
        });
        expect(checkPool({ ...warming, maxWaitSeconds: t.poolLoginGraceSeconds }, db, 120, t).severity).toBe("warning");
    });

    test("SHOW STATS: a high average wait is a warning", () => {
        const stats = { database: "appdb", avgWaitMicros: 250_000, avgQueryMicros: 3_000_000, totalXactCount: 10 };
        expect(checkPoolWaitTime(stats, t)).toMatchObject({ severity: "warning", check: "pooler.wait_time", detail: expect.stringMatching(/waited 250 ms on average/) });
        expect(checkPoolWaitTime({ ...stats, avgWaitMicros: 99_000 }, t).severity).toBe("ok");
    });

    test("the admin console's own pool is ignored; paused databases are critical", () => {
        const facts: PoolerFacts = {
            pools: [pool({ database: "pgbouncer", user: "pgbouncer", clientsWaiting: 9, maxWaitSeconds: 60 })],
            databases: [{ ...db, paused: true }, { name: "pgbouncer", poolSize: 2, reservePool: 0, paused: false, disabled: false }],
            stats: [],
            timeouts: { query_wait_timeout: 120 },
        };
        const findings = checkPooler(facts, t);
        expect(findings.map((f) => [f.check, f.severity])).toEqual([["pooler.database", "critical"], ["pooler.pool", "ok"]]);
        expect(findings[1].detail).toMatch(/no application pool in use yet/);
    });

    test("an unreachable console is critical; a refused login says which user to use", () => {
        expect(poolerUnreachable({ error: "connect ECONNREFUSED 127.0.0.1:6432", code: "ECONNREFUSED" })).toMatchObject({ severity: "critical", fix: expect.stringMatching(/container/) });
        expect(poolerUnreachable({ error: "not allowed", code: "08P01" }).fix).toMatch(/admin_users/);
    });
});
