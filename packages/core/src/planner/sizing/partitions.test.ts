import { partitioningWorthwhile, sizeHashPartitions, sizeRangePartitions } from "./partitions";

const facts = (sizeGb: number, growthGbPerMonth: number, rowsPerGb = 1) => ({
    sizeGb,
    rowsMillions: sizeGb * rowsPerGb,
    growthGbPerMonth,
    growthRowsMillionsPerMonth: growthGbPerMonth * rowsPerGb,
});

describe("range partitions", () => {
    test.each([
        [0.5, "1 year"],
        [3, "3 months"],
        [8, "1 month"],
        [40, "1 week"],
        [200, "1 day"],
    ])("growth %d GB/month -> %s", (growth, interval) => {
        expect(sizeRangePartitions(facts(100, growth)).interval).toBe(interval);
    });

    test("row growth can force a smaller interval than bytes", () => {
        // 5 GB/month fits a month by size, but 300 M rows/month do not fit 100 M rows; a week holds ~69 M.
        expect(sizeRangePartitions(facts(60, 5, 60)).interval).toBe("1 week");
    });

    test("retention: at most a third of it per partition", () => {
        expect(sizeRangePartitions(facts(10, 0.5), 12).interval).toBe("3 months");
        expect(sizeRangePartitions(facts(10, 0.5), 2).interval).toBe("1 week");
        expect(sizeRangePartitions(facts(10, 0.5), 12).retention).toBe("12 months");
        expect(sizeRangePartitions(facts(10, 0.5)).retention).toBeUndefined();
    });

    test("premake: at least 4, and two weeks of runway", () => {
        expect(sizeRangePartitions(facts(100, 8)).premake).toBe(4);
        expect(sizeRangePartitions(facts(100, 200)).premake).toBe(14);
    });

    test("growth beyond daily partitions is flagged", () => {
        expect(sizeRangePartitions(facts(1000, 600)).notes.join(" ")).toMatch(/even daily partitions hold ~19.7 GB/);
    });

    test("too many partitions over the retention are flagged", () => {
        expect(sizeRangePartitions(facts(1000, 200), 60).notes.join(" ")).toMatch(/partitions over 60 months/);
    });
});

describe("partitioningWorthwhile", () => {
    test("small tables are told to wait, unless retention makes detaching worth it", () => {
        expect(partitioningWorthwhile(facts(5, 0.5)).worthwhile).toBe(false);
        expect(partitioningWorthwhile(facts(5, 0.5), 6).worthwhile).toBe(true);
        expect(partitioningWorthwhile(facts(25, 2)).worthwhile).toBe(true);
        expect(partitioningWorthwhile({ ...facts(5, 0.5), rowsMillions: 150 }).worthwhile).toBe(true);
    });
});

describe("sizeHashPartitions", () => {
    test("power of two from the projected size, at least the minimum, at most 256", () => {
        expect(sizeHashPartitions(30, 30).modulus).toBe(4);
        expect(sizeHashPartitions(130, 130).modulus).toBe(16);
        expect(sizeHashPartitions(130, 130, 32).modulus).toBe(32);
        expect(sizeHashPartitions(10_000, 10_000).modulus).toBe(256);
        expect(sizeHashPartitions(10_000, 10_000).decision.why).toMatch(/capped at 256/);
    });
});
