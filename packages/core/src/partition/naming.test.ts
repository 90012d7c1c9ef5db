import { defaultPartitionName, fitIdentifier, hashPartitionName, indexName, partitionIndexName, rollingPartitionName } from "./naming";

describe("derived names", () => {
    it("follows the playbook and pg_partman styles", () => {
        expect(defaultPartitionName("events")).toBe("events_default");
        expect(hashPartitionName("user_sessions", 3)).toBe("user_sessions_3");
        const at = new Date("2024-05-17T13:00:00Z");
        expect(rollingPartitionName("events", at, { count: 1, unit: "year" })).toBe("events_p2024");
        expect(rollingPartitionName("events", at, { count: 1, unit: "month" })).toBe("events_p2024_05");
        expect(rollingPartitionName("events", at, { count: 1, unit: "day" })).toBe("events_p2024_05_17");
        expect(rollingPartitionName("events", at, { count: 1, unit: "week" })).toBe("events_p2024_05_17");
        expect(rollingPartitionName("events", at, { count: 1, unit: "hour" })).toBe("events_p2024_05_17_1300");
    });
    it("names indexes as PostgreSQL would", () => {
        expect(indexName("events", ["created_at"])).toBe("events_created_at_idx");
        expect(indexName("events", ["a", "b"])).toBe("events_a_b_idx");
        expect(partitionIndexName("events", "events_2024_q1", "events_created_at_idx")).toBe("events_2024_q1_created_at_idx");
        expect(partitionIndexName("events", "events_2024_q1", "by_type")).toBe("events_2024_q1_by_type");
    });
    it("shortens long names with a stable hash, keeping them distinct", () => {
        const long = "x".repeat(70);
        const a = fitIdentifier(`${long}_a`, "_idx");
        const b = fitIdentifier(`${long}_b`, "_idx");
        expect(Buffer.byteLength(a)).toBeLessThanOrEqual(63);
        expect(a.endsWith("_idx")).toBe(true);
        expect(a).not.toBe(b);
        expect(fitIdentifier(`${long}_a`, "_idx")).toBe(a);
    });
});
