import { planSharding } from "./sharding";

const base = { rowsMillions: 0, growthRowsMillionsPerMonth: 0, connectionsPeak: 1000, writeShare: 0.2, nodeBudget: 177 };

describe("planSharding", () => {
    test("a table one node holds is not sharded, but gets hash partitions ready for two shards", () => {
        const p = planSharding({ ...base, sizeGb: 300, growthGbPerMonth: 10 }, false);
        expect(p).toMatchObject({ shard: false, shards: 1, modulus: 64, projectedGb: 540 });
        expect(p.decisions[0].choice).toBe("no, not yet");
    });

    test("data outgrowing one node: shards start half full", () => {
        const p = planSharding({ ...base, sizeGb: 2000, growthGbPerMonth: 100 }, false);
        expect(p.projectedGb).toBe(4400);
        expect(p.shards).toBe(5);
        expect(p.decisions[0].why).toMatch(/the data outgrows one node/);
        expect(p.modulus).toBe(260); // 440 by size, capped at 256, then a multiple of the 5 shards
    });

    test("budget fills shards to the limit", () => {
        expect(planSharding({ ...base, sizeGb: 2000, growthGbPerMonth: 100 }, true).shards).toBe(3);
    });

    test("writes outgrowing one primary shard a small table too", () => {
        const p = planSharding({ ...base, sizeGb: 50, growthGbPerMonth: 1, connectionsPeak: 20000, writeShare: 0.5 }, false);
        // 20000 x 50% x 5% = 500 concurrent write transactions > 177 server connections
        expect(p.shard).toBe(true);
        expect(p.shards).toBe(3);
        expect(p.modulus).toBe(18); // 16, then a multiple of the 3 shards
        expect(p.decisions[0].why).toMatch(/the writes outgrow one primary/);
    });
});
