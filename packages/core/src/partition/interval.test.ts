import { addInterval, floorToInterval, formatInterval, parseInterval } from "./interval";

const d = (s: string) => new Date(s);

describe("parseInterval", () => {
    it("reads count and unit, singular or plural", () => {
        expect(parseInterval("1 month")).toEqual({ count: 1, unit: "month" });
        expect(parseInterval("3 Months")).toEqual({ count: 3, unit: "month" });
        expect(parseInterval("7 days")).toEqual({ count: 7, unit: "day" });
        expect(parseInterval("6 hours")).toEqual({ count: 6, unit: "hour" });
    });
    it("rejects anything else", () => {
        for (const bad of ["month", "0 days", "1.5 days", "1 fortnight", "-1 day", "1 day 2 hours", ""]) expect(parseInterval(bad)).toBeNull();
    });
    it("formats back", () => {
        expect(formatInterval({ count: 1, unit: "day" })).toBe("1 day");
        expect(formatInterval({ count: 2, unit: "week" })).toBe("2 weeks");
    });
});

describe("floorToInterval", () => {
    it("floors to the UTC period start", () => {
        expect(floorToInterval(d("2024-05-17T13:45:00Z"), { count: 1, unit: "month" }).toISOString()).toBe("2024-05-01T00:00:00.000Z");
        expect(floorToInterval(d("2024-05-17T13:45:00Z"), { count: 1, unit: "day" }).toISOString()).toBe("2024-05-17T00:00:00.000Z");
        expect(floorToInterval(d("2024-05-17T13:45:00Z"), { count: 6, unit: "hour" }).toISOString()).toBe("2024-05-17T12:00:00.000Z");
        expect(floorToInterval(d("2024-05-17T13:45:00Z"), { count: 1, unit: "year" }).toISOString()).toBe("2024-01-01T00:00:00.000Z");
    });
    it("aligns multi-month periods to the calendar (quarters start in Jan, Apr, Jul, Oct)", () => {
        expect(floorToInterval(d("2024-05-17T00:00:00Z"), { count: 3, unit: "month" }).toISOString()).toBe("2024-04-01T00:00:00.000Z");
        expect(floorToInterval(d("2024-12-31T23:59:59Z"), { count: 3, unit: "month" }).toISOString()).toBe("2024-10-01T00:00:00.000Z");
    });
    it("starts weeks on Monday", () => {
        // 2024-05-17 is a Friday; its ISO week starts on Monday 2024-05-13.
        expect(floorToInterval(d("2024-05-17T10:00:00Z"), { count: 1, unit: "week" }).toISOString()).toBe("2024-05-13T00:00:00.000Z");
    });
    it("is idempotent on period starts", () => {
        const start = d("2024-04-01T00:00:00Z");
        expect(floorToInterval(start, { count: 3, unit: "month" }).getTime()).toBe(start.getTime());
    });
});

describe("addInterval", () => {
    it("adds calendar months and years", () => {
        expect(addInterval(d("2024-11-01T00:00:00Z"), { count: 1, unit: "month" }, 3).toISOString()).toBe("2025-02-01T00:00:00.000Z");
        expect(addInterval(d("2024-02-29T00:00:00Z"), { count: 1, unit: "year" }).toISOString()).toBe("2025-02-28T00:00:00.000Z");
    });
    it("clamps the day like PostgreSQL", () => {
        expect(addInterval(d("2024-03-31T05:00:00Z"), { count: 1, unit: "month" }, -1).toISOString()).toBe("2024-02-29T05:00:00.000Z");
    });
    it("moves back with negative counts", () => {
        expect(addInterval(d("2024-05-17T00:00:00Z"), { count: 12, unit: "month" }, -1).toISOString()).toBe("2023-05-17T00:00:00.000Z");
        expect(addInterval(d("2024-05-17T00:00:00Z"), { count: 2, unit: "week" }, -1).toISOString()).toBe("2024-05-03T00:00:00.000Z");
    });
});
