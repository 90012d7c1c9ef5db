import { summarizeProbes } from "./outage";
import { ProbeSample } from "./write-probe";

const ok = (t: number): ProbeSample => ({ startedAt: t - 5, endedAt: t, ok: true });
const fail = (t: number, error = "57P01: terminating connection due to administrator command"): ProbeSample => ({ startedAt: t - 5, endedAt: t, ok: false, error });

describe("summarizeProbes", () => {
    test("the outage is the longest gap between acknowledged writes", () => {
        const s = summarizeProbes([ok(0), ok(50), fail(100), fail(150, "ECONNREFUSED: connect ECONNREFUSED"), fail(200), ok(1250), ok(1300)]);
        expect(s).toEqual({ outageMs: 1200, ok: 4, failed: 3, errors: ["57P01: terminating connection due to administrator command", "ECONNREFUSED: connect ECONNREFUSED"] });
    });

    test("a write that hung without failing counts too", () => {
        expect(summarizeProbes([ok(0), ok(50), ok(2050), ok(2100)]).outageMs).toBe(2000);
    });

    test("no failures: the outage is the probe's own rhythm", () => {
        expect(summarizeProbes([ok(0), ok(50), ok(100)])).toMatchObject({ outageMs: 50, failed: 0, errors: [] });
    });
});
