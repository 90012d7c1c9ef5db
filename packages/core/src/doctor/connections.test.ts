import { checkConnections, checkConnectionUsage } from "./connections";
import { DEFAULT_THRESHOLDS as t } from "./thresholds";

const usage = (clientBackends: number, states: Record<string, number> = {}) => ({
    clientBackends, states, maxConnections: 100, superuserReservedConnections: 3,
    timeouts: { statement_timeout: 0, idle_in_transaction_session_timeout: 0, idle_session_timeout: 0, tcp_keepalives_idle: 0 },
});

describe("connection checks", () => {
    test("usage is measured against the slots left after superuser_reserved_connections", () => {
        expect(checkConnectionUsage(usage(77), true, t)).toMatchObject({ severity: "ok", detail: expect.stringMatching(/^77 of 97 usable connections/) });
        expect(checkConnectionUsage(usage(78), true, t).severity).toBe("warning"); // 78/97 >= 0.8
        expect(checkConnectionUsage(usage(93), true, t).severity).toBe("critical"); // 93/97 >= 0.95
    });

    test("the fix is a pooler, and names idle-in-transaction sessions when there are some", () => {
        const f = checkConnectionUsage(usage(90, { active: 10, idle: 70, "idle in transaction": 10 }), true, t);
        expect(f.detail).toBe("90 of 97 usable connections in use (max_connections 100 less 3 reserved for superusers); sessions: active 10, idle 70, idle in transaction 10");
        expect(f.fix).toMatch(/PgBouncer/);
        expect(f.fix).toMatch(/10 idle in transaction now: set idle_in_transaction_session_timeout/);
    });

    test("an unprivileged count says it is an estimate", () => {
        expect(checkConnectionUsage(usage(5), false, t).detail).toMatch(/estimated/);
    });

    test("pg_stat_activity that could not be read is a warning, not a crash", () => {
        const findings = checkConnections({
            primary: { ok: true, value: { serverVersion: "15.8", role: "app", privileged: false, inRecovery: false } },
            connections: { ok: false, error: "canceling statement due to statement timeout", code: "57014" },
        }, t);
        expect(findings.map((f) => [f.check, f.severity])).toEqual([["connections.primary", "ok"], ["connections.usage", "warning"]]);
    });
});
