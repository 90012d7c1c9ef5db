import { partitionedTableFields } from "./spec";
import { boundText, isRollingPartition, rollingWindow } from "./rolling";

const spec = (type: string, rolling: object) =>
    partitionedTableFields.parse({
        name: "events",
        columns: [{ name: "created_at", type, notNull: true }],
        partitionBy: { strategy: "range", columns: ["created_at"] },
        rolling,
    });

describe("rollingWindow", () => {
    const now = new Date("2024-05-17T13:45:00Z");

    it("covers the current period and premake periods after it, named from their lower bound", () => {
        const w = rollingWindow(spec("timestamptz", { interval: "1 month", premake: 2 }), now)!;
        expect(w.partitions).toEqual([
            { name: "events_p2024_05", bound: { kind: "range", from: ["2024-05-01 00:00:00+00"], to: ["2024-06-01 00:00:00+00"] }, origin: "rolling" },
            { name: "events_p2024_06", bound: { kind: "range", from: ["2024-06-01 00:00:00+00"], to: ["2024-07-01 00:00:00+00"] }, origin: "rolling" },
            { name: "events_p2024_07", bound: { kind: "range", from: ["2024-07-01 00:00:00+00"], to: ["2024-08-01 00:00:00+00"] }, origin: "rolling" },
        ]);
        expect(w.expireBefore).toBeNull();
    });

    it("writes bounds in the form of the key type", () => {
        const w = rollingWindow(spec("date", { interval: "1 day", premake: 0 }), now)!;
        expect(w.partitions[0].bound).toEqual({ kind: "range", from: ["2024-05-17"], to: ["2024-05-18"] });
        expect(rollingWindow(spec("timestamp", { interval: "6 hours", premake: 0 }), now)!.partitions[0]).toMatchObject({
            name: "events_p2024_05_17_1200",
            bound: { from: ["2024-05-17 12:00:00"], to: ["2024-05-17 18:00:00"] },
        });
    });

    it("expires what lies entirely before now - retention", () => {
        const w = rollingWindow(spec("timestamptz", { interval: "1 month", retention: "12 months" }), now)!;
        expect(w.expireBefore!.toISOString()).toBe("2023-05-17T13:45:00.000Z");
    });

    it("moves with time", () => {
        const s = spec("timestamptz", { interval: "1 day", premake: 1 });
        const today = rollingWindow(s, now)!.partitions.map((p) => p.name);
        const tomorrow = rollingWindow(s, new Date("2024-05-18T00:00:00Z"))!.partitions.map((p) => p.name);
        expect(today).toEqual(["events_p2024_05_17", "events_p2024_05_18"]);
        expect(tomorrow).toEqual(["events_p2024_05_18", "events_p2024_05_19"]);
    });
});

describe("isRollingPartition", () => {
    const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
    const month = { count: 1, unit: "month" as const };
    it("recognizes partitions with the window's name and shape", () => {
        expect(isRollingPartition("events", "events_p2024_01", micros("2024-01-01T00:00:00Z"), micros("2024-02-01T00:00:00Z"), month)).toBe(true);
    });
    it("does not claim hand-made partitions", () => {
        expect(isRollingPartition("events", "events_2024_01", micros("2024-01-01T00:00:00Z"), micros("2024-02-01T00:00:00Z"), month)).toBe(false);
        expect(isRollingPartition("events", "events_p2024_01", micros("2024-01-01T00:00:00Z"), micros("2024-03-01T00:00:00Z"), month)).toBe(false);
        expect(isRollingPartition("events", "events_p2024_01", micros("2024-01-02T00:00:00Z"), micros("2024-02-02T00:00:00Z"), month)).toBe(false);
    });
});

describe("boundText", () => {
    it("prints as PostgreSQL does with TimeZone=UTC", () => {
        const d = new Date("2024-01-01T00:00:00Z");
        expect(boundText(d, "timestamptz")).toBe("2024-01-01 00:00:00+00");
        expect(boundText(d, "timestamp")).toBe("2024-01-01 00:00:00");
        expect(boundText(d, "date")).toBe("2024-01-01");
    });
});
