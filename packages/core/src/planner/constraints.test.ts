import { constraintProblem, readConstraints } from "./constraints";

describe("constraint vocabulary", () => {
    test("flags, in any spelling", () => {
        const c = readConstraints(["No downtime", "BUDGET", "managed_service", "zero-data-loss", "session-state"]);
        expect(c).toMatchObject({ noDowntime: true, budget: true, managedService: true, zeroDataLoss: true, sessionState: true, unrecognised: [] });
    });

    test("valued constraints", () => {
        expect(readConstraints(["max-connections=300", "growth-gb-per-month = 12.5", "retention-months=6", "partition-by=hash"])).toMatchObject({
            maxConnections: 300,
            growthGbPerMonth: 12.5,
            retentionMonths: 6,
            partitionBy: "hash",
        });
    });

    test("words outside the vocabulary are kept verbatim, not rejected", () => {
        expect(constraintProblem("must run on ARM")).toBeUndefined();
        expect(readConstraints(["must run on ARM", "budget=yes"]).unrecognised).toEqual(["must run on ARM", "budget=yes"]);
    });

    test.each([
        ["max-connections=abc", /integer >= 10/],
        ["max-connections=5", /integer >= 10/],
        ["max-connections", /needs a value/],
        ["growth-gb-per-month=0", /number > 0/],
        ["retention-months=1.5", /integer >= 1/],
        ["partition-by=random", /range, list or hash/],
        ["  ", /empty/],
    ])("%j is a field error", (c, message) => {
        expect(constraintProblem(c)).toMatch(message);
    });
});
