import { DEFAULT_THRESHOLDS as t, parseThresholds } from "./thresholds";

describe("DEFAULT_THRESHOLDS", () => {
    test("every warning line sits below its critical line", () => {
        expect(t.connectionsWarnRatio).toBeLessThan(t.connectionsCriticalRatio);
        expect(t.connectionsCriticalRatio).toBeLessThanOrEqual(1);
        expect(t.lagWarnBytes).toBeLessThan(t.lagCriticalBytes);
        expect(t.lagWarnSeconds).toBeLessThan(t.lagCriticalSeconds);
    });

    test("the byte lag warning is the playbook's maximum_lag_on_failover", () => {
        expect(t.lagWarnBytes).toBe(1048576);
    });
});

describe("parseThresholds (--threshold name=value)", () => {
    test("overrides merge over the defaults", () => {
        expect(parseThresholds([])).toEqual({ thresholds: t });
        expect(parseThresholds(["lagWarnBytes=65536", " poolWaitCriticalSeconds = 2.5 "])).toEqual({ thresholds: { ...t, lagWarnBytes: 65536, poolWaitCriticalSeconds: 2.5 } });
    });

    test("each problem names the threshold", () => {
        expect(parseThresholds(["lagWarnByte=1", "lagWarnSeconds=soon", "connectionsWarnRatio=80", "poolWaitCriticalSeconds"])).toEqual({
            errors: [
                { name: "lagWarnByte", message: expect.stringMatching(/^is not a threshold \(known: connectionsWarnRatio, .*poolLoginGraceSeconds/) },
                { name: "lagWarnSeconds", message: 'must be a non-negative number, not "soon"' },
                { name: "connectionsWarnRatio", message: "is a share of the usable connections: more than 0, at most 1, not 80" },
                { name: "poolWaitCriticalSeconds", message: 'must be a non-negative number, not ""' },
            ],
        });
    });

    test("a warning line must stay below its critical line, whichever of the two was moved", () => {
        expect(parseThresholds(["lagWarnSeconds=300"])).toEqual({ errors: [{ name: "lagWarnSeconds", message: "(300) must be below lagCriticalSeconds (300)" }] });
        expect(parseThresholds(["connectionsCriticalRatio=0.5"])).toEqual({ errors: [{ name: "connectionsWarnRatio", message: "(0.8) must be below connectionsCriticalRatio (0.5)" }] });
    });
});
