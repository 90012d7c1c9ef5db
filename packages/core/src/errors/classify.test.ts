import { classifyPgError } from "./classify";

// Shaped like pg's DatabaseError / Node's system errors, without importing pg.
const pgError = (code: string, message = "boom") => Object.assign(new Error(message), { code, severity: "ERROR" });
const sysError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: "connect" });

describe("classifyPgError", () => {
    test.each([
        ["40001", "retry-transaction", "serialization_failure"],
        ["40P01", "retry-transaction", "deadlock_detected"],
        ["57P01", "reconnect", "admin_shutdown"],
        ["57P02", "reconnect", "crash_shutdown"],
        ["57P03", "reconnect", "cannot_connect_now"],
        ["25006", "reconnect", "read_only_sql_transaction"],
        ["08006", "reconnect", "connection_exception"],
        ["08001", "reconnect", "connection_exception"],
        ["08P01", "reconnect", "connection_exception"],
        ["53300", "use-pooler", "too_many_connections"],
        ["23505", "fail", "not_transient"],
        ["42P01", "fail", "not_transient"],
    ])("SQLSTATE %s -> %s (%s)", (code, action, condition) => {
        const c = classifyPgError(pgError(code));
        expect(c).toMatchObject({ code, action, condition });
        expect(c.retryable).toBe(action === "retry-transaction" || action === "reconnect");
    });

    test("53300 advice says to put a pooler in front", () => {
        expect(classifyPgError(pgError("53300")).advice).toMatch(/pooler/i);
    });

    test.each(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"])("socket error %s reconnects", (code) => {
        const c = classifyPgError(sysError(code));
        expect(c).toMatchObject({ action: "reconnect", code, retryable: true });
        expect(c.condition).toBe(code === "ECONNREFUSED" ? "connection_refused" : "connection_lost");
    });

    test.each([
        "Connection terminated unexpectedly",
        "Connection terminated",
        "Client has encountered a connection error and is not queryable",
        "timeout exceeded when trying to connect",
    ])("node-postgres message %j reconnects", (message) => {
        expect(classifyPgError(new Error(message))).toMatchObject({ action: "reconnect", condition: "connection_lost" });
    });

    test("looks inside AggregateError (dual-stack connect) and cause chains", () => {
        const agg = new AggregateError([sysError("ECONNREFUSED"), sysError("ECONNREFUSED")], "connect failed");
        expect(classifyPgError(agg)).toMatchObject({ action: "reconnect", code: "ECONNREFUSED" });
        const wrapped = new Error("query failed", { cause: pgError("40001") });
        expect(classifyPgError(wrapped)).toMatchObject({ action: "retry-transaction", code: "40001" });
    });

    test("application errors and non-errors fail", () => {
        expect(classifyPgError(new Error("Query read timeout"))).toMatchObject({ action: "fail", retryable: false });
        expect(classifyPgError(new TypeError("x is undefined"))).toMatchObject({ action: "fail" });
        expect(classifyPgError("a string")).toMatchObject({ action: "fail", advice: expect.stringContaining("a string") });
        expect(classifyPgError(undefined)).toMatchObject({ action: "fail" });
    });

    test("an unknown 5-character errno-like code is not mistaken for a connection failure", () => {
        expect(classifyPgError(pgError("XX000"))).toMatchObject({ action: "fail", code: "XX000" });
    });
});
