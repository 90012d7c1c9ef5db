// Real PostgreSQL errors, provoked on purpose, through classifyPgError: the
// playbook's error table checked against what a server actually sends.
import { Client } from "pg";
import { classifyPgError, sleep } from "@pgscale/core";
import { createStandby, createTestServer, freePort, sharedServerUri, TestServer } from "./client-cluster";

jest.setTimeout(60_000);

async function connect(uri: string): Promise<Client> {
    const c = new Client({ connectionString: uri });
    c.on("error", () => undefined); // a terminated idle session must not crash the test
    await c.connect();
    return c;
}

/** Resolves to the error the promise rejected with; fails the test if it resolved. */
async function rejection(p: Promise<unknown>): Promise<any> {
    try {
        await p;
    } catch (err) {
        return err;
    }
    throw new Error("expected a rejection");
}

describe("classifyPgError on errors from a real PostgreSQL 15", () => {
    let shared: { uri: string; release(): void };
    const clients: Client[] = [];
    const table = `pgscale_client_${process.pid}`;
    const open = async (uri = shared.uri) => {
        const c = await connect(uri);
        clients.push(c);
        return c;
    };

    beforeAll(async () => {
        shared = await sharedServerUri();
    });
    afterEach(async () => {
        await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
    });
    afterAll(async () => {
        const admin = await connect(shared.uri);
        await admin.query(`DROP TABLE IF EXISTS ${table}`);
        await admin.end();
        shared.release();
    });

    test("40001: write skew between two SERIALIZABLE transactions", async () => {
        const [admin, t1, t2] = [await open(), await open(), await open()];
        await admin.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, on_call bool NOT NULL)`);
        await admin.query(`INSERT INTO ${table} VALUES (1, true), (2, true)`);
        for (const t of [t1, t2]) {
            await t.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
            await t.query(`SELECT count(*) FROM ${table} WHERE on_call`);
        }
        await t1.query(`UPDATE ${table} SET on_call = false WHERE id = 1`);
        await t2.query(`UPDATE ${table} SET on_call = false WHERE id = 2`);
        await t1.query("COMMIT");
        const err = await rejection(t2.query("COMMIT"));
        expect(err.code).toBe("40001");
        expect(classifyPgError(err)).toMatchObject({ action: "retry-transaction", condition: "serialization_failure", retryable: true });
    });

    test("40P01: two transactions locking two rows in opposite order", async () => {
        const [admin, t1, t2] = [await open(), await open(), await open()];
        await admin.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id int PRIMARY KEY, n int NOT NULL)`);
        await admin.query(`INSERT INTO ${table} VALUES (1, 0), (2, 0)`);
        await t1.query("BEGIN");
        await t2.query("BEGIN");
        await t1.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`);
        await t2.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`);
        const results = await Promise.allSettled([
            t1.query(`UPDATE ${table} SET n = n + 1 WHERE id = 2`),
            t2.query(`UPDATE ${table} SET n = n + 1 WHERE id = 1`),
        ]);
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        expect(failed).toHaveLength(1); // the detector aborts exactly one victim
        expect(failed[0].reason.code).toBe("40P01");
        expect(classifyPgError(failed[0].reason)).toMatchObject({ action: "retry-transaction", condition: "deadlock_detected" });
        await Promise.all([t1.query("ROLLBACK"), t2.query("ROLLBACK")]);
    });

    test("57P01: pg_terminate_backend of a session running a query", async () => {
        const [admin, victim] = [await open(), await open()];
        const pid = (await victim.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
        const running = rejection(victim.query("SELECT pg_sleep(30)"));
        await waitFor(async () => (await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep'", [pid])).rowCount === 1);
        await admin.query("SELECT pg_terminate_backend($1)", [pid]);
        const err = await running;
        expect(err.code).toBe("57P01");
        expect(classifyPgError(err)).toMatchObject({ action: "reconnect", condition: "admin_shutdown" });
        // What the next query on that dead client reports is a node-postgres message, not a SQLSTATE.
        const next = await rejection(victim.query("SELECT 1"));
        expect(next.code).toBeUndefined();
        expect(classifyPgError(next)).toMatchObject({ action: "reconnect", condition: "connection_lost" });
    });

    test("ECONNREFUSED: nothing listens on the port", async () => {
        const port = await freePort();
        const err = await rejection(connect(`postgresql://postgres@127.0.0.1:${port}/postgres`));
        expect(err.code).toBe("ECONNREFUSED");
        expect(classifyPgError(err)).toMatchObject({ action: "reconnect", condition: "connection_refused", code: "ECONNREFUSED" });
    });

    describe("on private servers", () => {
        let primary: TestServer;
        let standby: TestServer;
        let coldStandby: TestServer;

        beforeAll(async () => {
            // max_connections 4 with 1 reserved: 3 slots for ordinary roles, 1 for superusers.
            primary = await createTestServer({ max_connections: 4, superuser_reserved_connections: 1 });
            const admin = await connect(primary.uri);
            await admin.query("CREATE ROLE app LOGIN; CREATE TABLE t (id int)");
            await admin.end();
            standby = await createStandby(primary);
            coldStandby = await createStandby(primary, { hot_standby: "off" });
        });
        afterAll(() => {
            for (const s of [coldStandby, standby, primary]) s?.destroy();
        });

        test("53300: max_connections exhausted, for ordinary roles and then for superusers", async () => {
            for (let i = 0; i < 3; i++) await open(primary.uriFor("app"));
            const ordinary = await rejection(connect(primary.uriFor("app")));
            expect(ordinary.code).toBe("53300");
            expect(ordinary.message).toMatch(/reserved/);
            await open(primary.uri); // the reserved superuser slot
            const superuser = await rejection(connect(primary.uri));
            expect(superuser.code).toBe("53300");
            expect(superuser.message).toMatch(/too many clients/);
            for (const err of [ordinary, superuser]) {
                const c = classifyPgError(err);
                expect(c).toMatchObject({ action: "use-pooler", condition: "too_many_connections", retryable: false });
                expect(c.advice).toMatch(/pooler/);
            }
        });

        test("53300 too: a role's CONNECTION LIMIT", async () => {
            const admin = await open(primary.uri);
            await admin.query("ALTER ROLE app CONNECTION LIMIT 1");
            try {
                await open(primary.uriFor("app"));
                const err = await rejection(connect(primary.uriFor("app")));
                expect(err.code).toBe("53300");
                expect(err.message).toMatch(/too many connections for role "app"/);
                expect(classifyPgError(err).action).toBe("use-pooler");
            } finally {
                await admin.query("ALTER ROLE app CONNECTION LIMIT -1");
            }
        });

        test("25006: a write on a streaming standby", async () => {
            const c = await open(standby.uri);
            expect((await c.query("SELECT pg_is_in_recovery() AS r")).rows[0].r).toBe(true);
            const err = await rejection(c.query("INSERT INTO t VALUES (1)"));
            expect(err.code).toBe("25006");
            expect(classifyPgError(err)).toMatchObject({ action: "reconnect", condition: "read_only_sql_transaction" });
        });

        test("57P03: a standby that does not accept connections yet", async () => {
            const err = await rejection(connect(coldStandby.uri));
            expect(err.code).toBe("57P03");
            expect(classifyPgError(err)).toMatchObject({ action: "reconnect", condition: "cannot_connect_now" });
        });
    });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
        if (Date.now() > deadline) throw new Error("condition not reached in time");
        await sleep(50);
    }
}
