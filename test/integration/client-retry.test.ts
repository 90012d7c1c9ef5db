// withRetry against real servers: the failures it claims to ride out are
// provoked for real, and the data afterwards shows whether it did.
import { Client, Pool, PoolClient } from "pg";
import { PgRetryExhaustedError, PgTooManyConnectionsError, RetryEvent, sleep, withRetry } from "@pgscale/core";
import { createStandby, createTestServer, freePort, sharedServerUri, TestServer } from "./client-cluster";

jest.setTimeout(60_000);

const fast = { baseDelayMs: 20, maxDelayMs: 200 };

function pool(uri: string, max = 4): Pool {
    const p = new Pool({ connectionString: uri, max, connectionTimeoutMillis: 5_000 });
    p.on("error", () => undefined); // idle clients killed by a test must not crash the run
    return p;
}

/** Two parties meet here on their first attempt, so their transactions overlap for real. */
function barrier(parties: number): () => Promise<void> {
    let arrived = 0;
    let open!: () => void;
    const opened = new Promise<void>((r) => (open = r));
    return () => {
        if (++arrived === parties) open();
        return opened;
    };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error("condition not reached in time");
        await sleep(50);
    }
}

describe("withRetry on a shared PostgreSQL", () => {
    let shared: { uri: string; release(): void };
    let p: Pool;
    const table = `pgscale_retry_${process.pid}`;

    beforeAll(async () => {
        shared = await sharedServerUri();
        p = pool(shared.uri);
    });
    afterAll(async () => {
        await p.query(`DROP TABLE IF EXISTS ${table}`);
        await p.end();
        shared.release();
    });

    test("a serialization failure is retried and the invariant holds (write skew prevented)", async () => {
        await p.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, on_call bool NOT NULL)`);
        await p.query(`INSERT INTO ${table} VALUES (1, true), (2, true)`);
        const meet = barrier(2);
        const events: RetryEvent[] = [];
        // Each doctor goes off call only if someone else stays on call.
        const goOffCall = (id: number) => {
            let attempt = 0;
            return withRetry(p, async (c) => {
                attempt++;
                const { rows } = await c.query(`SELECT count(*)::int AS n FROM ${table} WHERE on_call`);
                if (attempt === 1) await meet();
                if (rows[0].n >= 2) await c.query(`UPDATE ${table} SET on_call = false WHERE id = $1`, [id]);
            }, { ...fast, transaction: { isolation: "serializable" }, onRetry: (e) => events.push(e) });
        };
        await Promise.all([goOffCall(1), goOffCall(2)]);
        expect(events.map((e) => e.classification.code)).toEqual(["40001"]);
        const { rows } = await p.query(`SELECT count(*)::int AS n FROM ${table} WHERE on_call`);
        expect(rows[0].n).toBe(1);
    });

    test("a deadlock victim is retried and both transactions take effect", async () => {
        await p.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`);
        await p.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
        const meet = barrier(2);
        const events: RetryEvent[] = [];
        const bumpBoth = (first: number, second: number) => {
            let attempt = 0;
            return withRetry(p, async (c) => {
                attempt++;
                await c.query(`UPDATE ${table} SET n = n + 1 WHERE id = $1`, [first]);
                if (attempt === 1) await meet();
                await c.query(`UPDATE ${table} SET n = n + 1 WHERE id = $1`, [second]);
            }, { ...fast, onRetry: (e) => events.push(e) });
        };
        await Promise.all([bumpBoth(1, 2), bumpBoth(2, 1)]);
        expect(events.map((e) => e.classification.code)).toEqual(["40P01"]);
        const { rows } = await p.query(`SELECT id, n FROM ${table} ORDER BY id`);
        expect(rows).toEqual([{ id: 1, n: 2 }, { id: 2, n: 2 }]);
    });

    test("a session terminated mid-transaction (57P01) is replaced and the write lands once", async () => {
        await p.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (k text PRIMARY KEY, pid int NOT NULL)`);
        const admin = new Client({ connectionString: shared.uri });
        await admin.connect();
        const pids: number[] = [];
        const events: RetryEvent[] = [];
        try {
            // Annotated: pg's own typing of the client (withRetry cannot infer it from Pool's overloads).
            await withRetry(p, async (c: PoolClient) => {
                const pid = (await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
                pids.push(pid);
                await c.query(`INSERT INTO ${table} VALUES ('job-1', $1)`, [pid]);
                if (pids.length === 1) {
                    const sleeping = c.query("SELECT pg_sleep(30)");
                    sleeping.catch(() => undefined); // awaited below, after the kill
                    await waitFor(async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep'", [pid])).rowCount === 1);
                    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
                    await sleeping;
                }
            }, { ...fast, onRetry: (e) => events.push(e) });
        } finally {
            await admin.end();
        }
        expect(events).toHaveLength(1);
        expect(events[0].classification).toMatchObject({ code: "57P01", action: "reconnect" });
        expect(pids).toHaveLength(2);
        expect(pids[1]).not.toBe(pids[0]);
        const { rows } = await p.query(`SELECT k, pid FROM ${table}`);
        expect(rows).toEqual([{ k: "job-1", pid: pids[1] }]); // the first attempt rolled back
    });
});

describe("withRetry on private servers", () => {
    const servers: TestServer[] = [];
    const pools: Pool[] = [];
    const track = <T extends Pool | TestServer>(x: T): T => {
        if (x instanceof Pool) pools.push(x);
        else servers.push(x as TestServer);
        return x;
    };
    afterAll(async () => {
        await Promise.all(pools.map((x) => x.end().catch(() => undefined)));
        for (const s of servers.reverse()) s.destroy();
    });

    test("connection refused until the server comes up: backs off, then succeeds", async () => {
        const srv = track(await createTestServer({}, { start: false }));
        const p = track(pool(srv.uri));
        const events: RetryEvent[] = [];
        const value = await withRetry(p, async (c) => (await c.query("SELECT 'up' AS v")).rows[0].v, {
            ...fast,
            onRetry: (e) => {
                events.push(e);
                if (events.length === 3) srv.start(); // blocks until it accepts connections
            },
        });
        expect(value).toBe("up");
        expect(events.length).toBeGreaterThanOrEqual(3);
        expect(events.slice(0, 3).map((e) => e.classification.condition)).toEqual(["connection_refused", "connection_refused", "connection_refused"]);
        expect(events.map((e) => e.attempt)).toEqual(events.map((_, i) => i + 1));
        for (const e of events) expect(e.delayMs).toBeLessThan(fast.maxDelayMs);
    });

    test("a server that never comes back: bounded attempts, then PgRetryExhaustedError", async () => {
        const port = await freePort();
        const p = track(pool(`postgresql://postgres@127.0.0.1:${port}/postgres`));
        const onRetry = jest.fn();
        const err = await withRetry(p, async () => undefined, { ...fast, maxAttempts: 4, onRetry }).catch((e) => e);
        expect(err).toBeInstanceOf(PgRetryExhaustedError);
        expect(err).toMatchObject({ attempts: 4, code: "ECONNREFUSED" });
        expect(onRetry).toHaveBeenCalledTimes(3);
    });

    test("a write routed to a standby (25006) reconnects and lands on the primary", async () => {
        const primary = track(await createTestServer());
        const setup = new Client({ connectionString: primary.uri });
        await setup.connect();
        await setup.query("CREATE TABLE acks (id int PRIMARY KEY)");
        await setup.end();
        const standby = track(await createStandby(primary));
        const toStandby = track(pool(standby.uri));
        const toPrimary = track(pool(primary.uri));
        // A router whose view is stale for the first connection, as HAProxy is
        // until its health check notices the roles changed.
        let routed = 0;
        const router = { connect: () => (routed++ === 0 ? toStandby : toPrimary).connect() };
        const events: RetryEvent[] = [];
        await withRetry(router, async (c) => void (await c.query("INSERT INTO acks VALUES (1)")), { ...fast, onRetry: (e) => events.push(e) });
        expect(events.map((e) => e.classification.code)).toEqual(["25006"]);
        // The standby connection was destroyed, not returned to its pool.
        expect(toStandby.totalCount).toBe(0);
        expect((await toPrimary.query("SELECT count(*)::int AS n FROM acks")).rows[0].n).toBe(1);
        // ...and it streamed to the standby, which is a real replica.
        await waitFor(async () => (await toStandby.query("SELECT count(*)::int AS n FROM acks")).rows[0].n === 1);
    });

    test("53300 is not retried: PgTooManyConnectionsError says to use a pooler", async () => {
        const srv = track(await createTestServer({ max_connections: 3, superuser_reserved_connections: 0 }));
        const hogs = track(pool(srv.uri, 3));
        const held = await Promise.all([hogs.connect(), hogs.connect(), hogs.connect()]);
        try {
            const p = track(pool(srv.uri));
            const onRetry = jest.fn();
            const err = await withRetry(p, async () => undefined, { ...fast, onRetry }).catch((e) => e);
            expect(err).toBeInstanceOf(PgTooManyConnectionsError);
            expect(err.code).toBe("53300");
            expect(err.message).toMatch(/pooler/);
            expect(err.cause.message).toMatch(/too many clients/);
            expect(onRetry).not.toHaveBeenCalled();
        } finally {
            held.forEach((c) => c.release());
        }
    });
});
