import { EventEmitter } from "events";
import { RetryEvent, withRetry } from "./retry";
import { PgRetryExhaustedError, PgTooManyConnectionsError } from "./retry-errors";

const pgError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });

/** A pool whose connections log statements and how they were released. */
class FakePool {
    log: string[] = [];
    connects = 0;
    /** Errors thrown by successive connect() calls; undefined = succeed. */
    connectErrors: (Error | undefined)[] = [];
    /** Error thrown by the next ROLLBACK, to simulate a dead connection. */
    rollbackError?: Error;
    commitCommand = "COMMIT";

    async connect() {
        const err = this.connectErrors[this.connects++];
        if (err) throw err;
        const id = this.connects;
        return {
            query: async (text: string) => {
                this.log.push(`${id}:${text}`);
                if (text === "ROLLBACK" && this.rollbackError) throw this.rollbackError;
                return { rows: [], rowCount: 0, command: text === "COMMIT" ? this.commitCommand : text.split(" ")[0] };
            },
            release: (destroy?: Error | boolean) => {
                this.log.push(`${id}:release(${destroy ? "destroy" : "keep"})`);
            },
        };
    }
}

const instant = { sleep: async () => undefined, random: () => 0.5 };

describe("withRetry", () => {
    test("runs fn in a transaction and returns its value", async () => {
        const pool = new FakePool();
        const v = await withRetry(pool, async (c) => {
            await c.query("INSERT 1");
            return 42;
        }, instant);
        expect(v).toBe(42);
        expect(pool.log).toEqual(["1:BEGIN", "1:INSERT 1", "1:COMMIT", "1:release(keep)"]);
    });

    test("isolation level and transaction: false", async () => {
        const pool = new FakePool();
        await withRetry(pool, async () => undefined, { ...instant, transaction: { isolation: "serializable" } });
        await withRetry(pool, async (c) => c.query("SELECT 1"), { ...instant, transaction: false });
        expect(pool.log).toEqual(["1:BEGIN ISOLATION LEVEL SERIALIZABLE", "1:COMMIT", "1:release(keep)", "2:SELECT 1", "2:release(keep)"]);
    });

    test("40001 re-runs the transaction on a kept connection and reports the retry", async () => {
        const pool = new FakePool();
        const events: RetryEvent[] = [];
        let calls = 0;
        const v = await withRetry(pool, async () => {
            if (++calls === 1) throw pgError("40001");
            return "ok";
        }, { ...instant, onRetry: (e) => events.push(e) });
        expect(v).toBe("ok");
        expect(calls).toBe(2);
        expect(pool.log).toEqual(["1:BEGIN", "1:ROLLBACK", "1:release(keep)", "2:BEGIN", "2:COMMIT", "2:release(keep)"]);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ attempt: 1, delayMs: 50, classification: { action: "retry-transaction", code: "40001" } });
    });

    test.each(["57P01", "08006", "25006"])("%s destroys the connection and reconnects", async (code) => {
        const pool = new FakePool();
        let calls = 0;
        await withRetry(pool, async () => {
            if (++calls === 1) throw pgError(code);
        }, instant);
        expect(pool.log).toContain("1:release(destroy)");
        expect(pool.log.slice(-1)).toEqual(["2:release(keep)"]);
    });

    test("connection refusals at connect() back off exponentially with jitter, then succeed", async () => {
        const pool = new FakePool();
        const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        pool.connectErrors = [refused, refused, refused];
        const slept: number[] = [];
        const v = await withRetry(pool, async () => "up", { sleep: async (ms) => void slept.push(ms), random: () => 0.5, baseDelayMs: 100, maxDelayMs: 250 });
        expect(v).toBe("up");
        expect(slept).toEqual([50, 100, 125]);
        expect(pool.connects).toBe(4);
    });

    test("a failed ROLLBACK makes the connection unusable even for a transaction retry", async () => {
        const pool = new FakePool();
        pool.rollbackError = new Error("Client has encountered a connection error and is not queryable");
        let calls = 0;
        await withRetry(pool, async () => {
            if (++calls === 1) throw pgError("40P01");
        }, instant);
        expect(pool.log).toContain("1:release(destroy)");
    });

    test("53300 is not retried and the error says to use a pooler", async () => {
        const pool = new FakePool();
        pool.connectErrors = [pgError("53300")];
        const onRetry = jest.fn();
        const err = await withRetry(pool, async () => undefined, { ...instant, onRetry }).catch((e) => e);
        expect(err).toBeInstanceOf(PgTooManyConnectionsError);
        expect(err.code).toBe("53300");
        expect(err.message).toMatch(/pooler/);
        expect(err.cause).toMatchObject({ code: "53300" });
        expect(onRetry).not.toHaveBeenCalled();
        expect(pool.connects).toBe(1);
    });

    test("non-transient errors are rethrown unchanged after ROLLBACK, connection kept", async () => {
        const pool = new FakePool();
        const boom = pgError("23505");
        await expect(withRetry(pool, async () => Promise.reject(boom), instant)).rejects.toBe(boom);
        expect(pool.log).toEqual(["1:BEGIN", "1:ROLLBACK", "1:release(keep)"]);
    });

    test("attempts are bounded", async () => {
        const pool = new FakePool();
        const onRetry = jest.fn();
        const err = await withRetry(pool, async () => Promise.reject(pgError("40001")), { ...instant, maxAttempts: 4, onRetry }).catch((e) => e);
        expect(err).toBeInstanceOf(PgRetryExhaustedError);
        expect(err).toMatchObject({ attempts: 4, code: "40001" });
        expect(onRetry).toHaveBeenCalledTimes(3);
    });

    test("total time is bounded: no sleep past maxElapsedMs", async () => {
        const pool = new FakePool();
        let clock = 0;
        const err = await withRetry(pool, async () => Promise.reject(pgError("57P01")), {
            now: () => clock,
            sleep: async (ms) => void (clock += ms),
            random: () => 0.999,
            baseDelayMs: 100,
            maxDelayMs: 1000,
            maxAttempts: 1000,
            maxElapsedMs: 3000,
        }).catch((e) => e);
        expect(err).toBeInstanceOf(PgRetryExhaustedError);
        expect(clock).toBeLessThanOrEqual(3000);
        expect(err.elapsedMs).toBe(clock);
        expect(err.attempts).toBeLessThan(10);
    });

    test("a COMMIT answered with ROLLBACK (error swallowed inside fn) is not reported as success", async () => {
        const pool = new FakePool();
        pool.commitCommand = "ROLLBACK";
        await expect(withRetry(pool, async () => "looks fine", instant)).rejects.toThrow(/COMMIT rolled back/);
    });

    test("a connection lost while checked out emits 'error' without killing the process", async () => {
        const clients: EventEmitter[] = [];
        const pool = {
            connect: async () => {
                const c = Object.assign(new EventEmitter(), { query: async () => ({ rows: [], rowCount: 0, command: "SELECT" }), release: () => undefined });
                clients.push(c);
                return c;
            },
        };
        await withRetry(pool, async (c) => {
            // With no listener, emit("error") throws; pg emits it from a socket callback, where that is fatal.
            expect(() => c.emit("error", new Error("Connection terminated unexpectedly"))).not.toThrow();
            if (clients.length === 1) throw new Error("Connection terminated unexpectedly");
        }, instant);
        expect(clients).toHaveLength(2);
        expect(clients.map((c) => c.listenerCount("error"))).toEqual([0, 0]);
    });
});
