import { readConstraints } from "./constraints";
import { PlanMetrics } from "./metrics";

describe("PlanMetrics", () => {
    test("given metrics are used as they are, with no assumptions", () => {
        const m = new PlanMetrics({ table_size_gb: 120, rows_millions: 600, connections_peak: 500, read_write_ratio: { read: 9, write: 1, readShare: 0.9, text: "9:1" } }, readConstraints(["growth-gb-per-month=20"]));
        expect([m.tableSizeGb, m.rowsMillions, m.connectionsPeak, m.readWrite.readShare, m.growthGbPerMonth]).toEqual([120, 600, 500, 0.9, 20]);
        expect(m.growthRowsMillionsPerMonth).toBe(100); // 20 GB x 5 M rows per GB
        expect(m.assumptions).toEqual([]);
    });

    test("a missing metric is assumed only when it is read, and reported once", () => {
        const m = new PlanMetrics({}, readConstraints([]));
        expect(m.assumptions).toEqual([]);
        expect(m.connectionsPeak).toBe(100);
        expect(m.connectionsPeak).toBe(100);
        expect(m.assumptions).toEqual(["connections_peak not given: assumed 100"]);
    });

    test("size and rows are estimated from each other at ~1 KB per row", () => {
        const fromRows = new PlanMetrics({ rows_millions: 300 }, readConstraints([]));
        expect(fromRows.tableSizeGb).toBe(300);
        expect(fromRows.assumptions[0]).toMatch(/estimated 300 GB from rows_millions/);
        const fromSize = new PlanMetrics({ table_size_gb: 40 }, readConstraints([]));
        expect(fromSize.rowsMillions).toBe(40);
    });

    test("growth defaults to a year of history", () => {
        const m = new PlanMetrics({ table_size_gb: 240 }, readConstraints([]));
        expect(m.growthGbPerMonth).toBe(20);
        expect(m.assumptions).toEqual([expect.stringMatching(/12 months of data, i.e. 20 GB\/month/)]);
    });
});
