import { formatBytes, formatSeconds, notGathered, worstSeverity } from "./finding";

describe("finding helpers", () => {
    test("worstSeverity", () => {
        expect(worstSeverity([])).toBe("ok");
        expect(worstSeverity(["ok", "warning", "ok"])).toBe("warning");
        expect(worstSeverity(["warning", "critical", "ok"])).toBe("critical");
    });

    test("formatBytes and formatSeconds", () => {
        expect([0, 1023, 1536, 5 * 1024 ** 3].map(formatBytes)).toEqual(["0 B", "1023 B", "1.5 KiB", "5.0 GiB"]);
        expect([0.0123, 0.9994, 75].map(formatSeconds)).toEqual(["12 ms", "999 ms", "75.0 s"]);
    });

    test("a missing privilege (42501) says how to grant it", () => {
        const f = notGathered("replication", "x", "could not read", { error: "permission denied for function pg_ls_waldir", code: "42501" });
        expect(f).toMatchObject({ severity: "warning", detail: expect.stringContaining("permission denied"), fix: expect.stringContaining("pg_monitor") });
    });

    test("a lost connection gets the error table's advice", () => {
        const f = notGathered("replication", "x", "could not read", { error: "Connection terminated unexpectedly" });
        expect(f.fix).toMatch(/reconnect/);
    });
});
