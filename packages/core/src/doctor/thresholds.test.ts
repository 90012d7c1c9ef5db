import { DEFAULT_THRESHOLDS as t } from "./thresholds";

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
