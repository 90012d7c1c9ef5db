import { ConnectionFacts } from "./facts";
import { checkTimeouts } from "./timeouts";

const server = (over: Partial<ConnectionFacts["timeouts"]> = {}, states: Record<string, number> = { active: 1 }): ConnectionFacts => ({
    clientBackends: 3, states, maxConnections: 100, superuserReservedConnections: 3,
    timeouts: { statement_timeout: 0, idle_in_transaction_session_timeout: 0, idle_session_timeout: 0, tcp_keepalives_idle: 0, ...over },
});

describe("connection timeout settings (the playbook's 'Review connection timeout settings')", () => {
    test("lists both sides' timeouts in their units; nothing to say without either", () => {
        const f = checkTimeouts(server({ statement_timeout: 30, idle_in_transaction_session_timeout: 0.5, tcp_keepalives_idle: 60 }), { query_timeout: 300, query_wait_timeout: 120 })!;
        expect(f).toMatchObject({
            severity: "ok", check: "connections.timeouts",
            detail: "PostgreSQL: statement_timeout 30 s, idle_in_transaction_session_timeout 500 ms, idle_session_timeout none, tcp_keepalives_idle 60 s; " +
                "PgBouncer: query_timeout 300 s, query_wait_timeout 120 s",
        });
        expect(checkTimeouts(undefined, undefined)).toBeUndefined();
        expect(checkTimeouts(undefined, {})!.detail).toBe("PgBouncer: no timeouts in SHOW CONFIG");
    });

    test("sessions idle in transaction with no timeout to end them: a warning naming the setting", () => {
        const f = checkTimeouts(server({}, { active: 1, "idle in transaction": 2, "idle in transaction (aborted)": 1 }), { query_wait_timeout: 120 })!;
        expect(f.severity).toBe("warning");
        expect(f.detail).toMatch(/^3 session\(s\) idle in transaction and no timeout ends them \(PostgreSQL: /);
        expect(f.fix).toMatch(/^Set idle_in_transaction_session_timeout \(PatroniCluster parameters/);
        // Either timeout ends them: no warning once one is set.
        expect(checkTimeouts(server({ idle_in_transaction_session_timeout: 60 }, { "idle in transaction": 2 }), undefined)!.severity).toBe("ok");
        expect(checkTimeouts(server({}, { "idle in transaction": 2 }), { idle_transaction_timeout: 30 })!.severity).toBe("ok");
    });

    test("query_wait_timeout 0: clients would queue forever on a saturated pool", () => {
        const f = checkTimeouts(server(), { query_wait_timeout: 0 })!;
        expect(f).toMatchObject({ severity: "warning", fix: expect.stringMatching(/PgBouncerPool queryWaitTimeout/) });
        expect(f.detail).toMatch(/^PgBouncer's query_wait_timeout is 0: clients queue forever on a saturated pool \(/);
    });
});
