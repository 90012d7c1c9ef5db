import { timingIssues, timingsForObjectives, worstCase, DEFAULT_CHECK, PATRONI_MINIMUMS } from "./timings";

describe("timingIssues", () => {
    it("accepts Patroni's defaults and its tightest valid values", () => {
        expect(timingIssues({ ttl: 30, loopWait: 10, retryTimeout: 10 })).toEqual([]);
        expect(timingIssues({ ttl: 20, loopWait: 1, retryTimeout: 3 })).toEqual([]);
    });
    it("names ttl below the minimum", () => {
        const issues = timingIssues({ ttl: 10, loopWait: 1, retryTimeout: 3 });
        expect(issues.map((i) => i.field)).toContain("patroni.ttl");
        expect(issues[0].message).toMatch(/at least 20/);
    });
    it("rejects loop_wait + 2*retry_timeout > ttl", () => {
        const issues = timingIssues({ ttl: 20, loopWait: 10, retryTimeout: 10 });
        expect(issues).toHaveLength(1);
        expect(issues[0].message).toMatch(/10 \+ 2\*10 = 30/);
    });
    it("rejects loopWait and retryTimeout below their floors", () => {
        const fields = timingIssues({ ttl: 30, loopWait: 0, retryTimeout: 2 }).map((i) => i.field);
        expect(fields).toEqual(["patroni.loopWait", "patroni.retryTimeout"]);
    });
});

describe("timingsForObjectives", () => {
    it("refuses an RTO below what hard-failure detection allows, explaining why", () => {
        const res = timingsForObjectives({ rtoSeconds: 10, rpoBytes: 1024 });
        expect(Array.isArray(res)).toBe(true);
        const [issue] = res as Array<{ field: string; message: string }>;
        expect(issue.field).toBe("objectives.rtoSeconds");
        expect(issue.message).toMatch(/leader key/);
    });
    it("derives valid timings whose worst case meets the objective", () => {
        for (const rto of [24, 30, 45, 60, 120, 600]) {
            const res = timingsForObjectives({ rtoSeconds: rto, rpoBytes: 1 << 20 });
            if (Array.isArray(res)) throw new Error(`rto ${rto}: ${JSON.stringify(res)}`);
            expect(timingIssues(res.timings)).toEqual([]);
            expect(res.worstCase.failoverSeconds).toBeLessThanOrEqual(rto);
            expect(res.timings.ttl).toBeGreaterThanOrEqual(PATRONI_MINIMUMS.ttl);
        }
    });
    it("turns rpoBytes 0 into strict synchronous replication", () => {
        const res = timingsForObjectives({ rtoSeconds: 60, rpoBytes: 0 });
        if (Array.isArray(res)) throw new Error("unexpected issues");
        expect(res.synchronousMode).toBe(true);
        expect(res.synchronousModeStrict).toBe(true);
        expect(res.worstCase.dataLossBytes).toBe(0);
        // Only a synchronous standby is promoted: a lag bound of 0 would only let it refuse, over WAL never committed.
        expect(res.timings.maximumLagOnFailover).toBe(1048576);
        expect(res.rationale.join(" ")).toMatch(/maximum_lag_on_failover keeps Patroni's default/);
    });
});

describe("worstCase", () => {
    it("adds ttl, one loop, promotion and HAProxy's rise for a hard failure", () => {
        const w = worstCase({ ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576 }, DEFAULT_CHECK, false);
        expect(w.failoverSeconds).toBe(30 + 10 + 2 + 4);
        expect(w.plannedSeconds).toBe(10 + 2 + 4);
        expect(w.dataLossBytes).toBe(1048576);
    });
});
