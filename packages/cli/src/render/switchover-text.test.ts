import { renderSwitchoverText } from "./switchover-text";

describe("renderSwitchoverText", () => {
    test("the outage first, then probes, Patroni's answer and the errors seen", () => {
        const text = renderSwitchoverText({
            from: "pg-2", to: "pg-0", requested: null, outageMs: 2345,
            probes: { ok: 100, failed: 20, intervalMs: 50 }, errors: ["57P01: terminating connection due to administrator command"],
            patroni: { message: 'Successfully switched over to "pg-0"', ms: 3012 }, writableAfterMs: 3400,
        });
        expect(text.split("\n")).toEqual([
            "pgscale switchover: pg-2 -> pg-0 done",
            "  write outage     2345 ms (longest time without an acknowledged write through the primary URI)",
            "  probes           100 ok, 20 failed, one every 50 ms",
            '  patroni          3012 ms: Successfully switched over to "pg-0"',
            "  writable again   3400 ms after the request, on pg-0",
            "  errors seen",
            "    57P01: terminating connection due to administrator command",
        ]);
    });
});
