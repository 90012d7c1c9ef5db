import { PgscaleValidationError } from "../validation";
import { parsePartitionedTable, type PartitionedTableInput } from "./spec";

/** The example of the issue, as users write it. */
const eventsInput = (): PartitionedTableInput => ({
    schema: "public",
    name: "events",
    columns: [
        { name: "id", type: "bigint", identity: "always" },
        { name: "event_type", type: "text", notNull: true },
        { name: "data", type: "jsonb" },
        { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
    ],
    primaryKey: ["id", "created_at"],
    partitionBy: { strategy: "range", columns: ["created_at"] },
    partitions: [
        { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
        { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
    ],
    defaultPartition: true,
    indexes: [{ columns: ["created_at"] }, { columns: ["event_type"] }],
});

function issuesOf(input: unknown): { field: string; message: string }[] {
    try {
        parsePartitionedTable(input, "PartitionedTable events");
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues;
        throw e;
    }
    return [];
}

describe("parsePartitionedTable", () => {
    it("accepts the issue's example and fills safe defaults", () => {
        const spec = parsePartitionedTable(eventsInput(), "PartitionedTable events");
        expect(spec.removalPolicy).toBe("retain");
        expect(spec.dataLoss).toEqual({ dropRemovedPartitions: false, dropRemovedColumns: false, recreateOnKeyChange: false });
        expect(spec.adoptExisting).toBe(false);
        expect(spec.indexes[0]).toEqual({ columns: ["created_at"], unique: false, method: "btree" });
        expect(spec.columns[1]).toEqual({ name: "event_type", type: "text", notNull: true });
    });

    it("names the subject and every bad field in the message", () => {
        const input = { ...eventsInput(), removalPolicy: "delete", indexes: [{ columns: [] }] };
        expect(() => parsePartitionedTable(input, "PartitionedTable events")).toThrow(/PartitionedTable events: invalid input[\s\S]*indexes\[0\]\.columns[\s\S]*removalPolicy/);
    });

    it("applies the cross-field rules once the shape is right", () => {
        const input = { ...eventsInput(), primaryKey: ["id"], partitionBy: { strategy: "range", columns: ["nope"] } };
        expect(issuesOf(input).map((i) => i.field)).toEqual(["partitionBy.columns[0]", "primaryKey"]);
    });

    it("rejects unknown keys instead of ignoring them", () => {
        expect(issuesOf({ ...eventsInput(), defaultPartiton: true }).length).toBeGreaterThan(0);
        const input = eventsInput();
        (input.columns[0] as Record<string, unknown>).nullable = true;
        expect(issuesOf(input).length).toBeGreaterThan(0);
    });

    it("accepts hostile names (they are always quoted) but rejects SQL where a type or default belongs", () => {
        expect(issuesOf({ ...eventsInput(), name: 'x"; drop table y; --', defaultPartition: false, partitions: [] })).toEqual([]);
        const input = eventsInput();
        input.columns[1].type = "text; drop table y";
        input.columns[3].default = "now()); drop table y; --";
        const fields = issuesOf(input).map((i) => i.field);
        expect(fields).toEqual(expect.arrayContaining(["columns[1].type", "columns[3].default"]));
    });

    it("rejects identifiers PostgreSQL would truncate", () => {
        expect(issuesOf({ ...eventsInput(), name: "e".repeat(64) }).map((i) => i.field)).toContain("name");
    });

    it("checks rolling intervals and maintenance schedules", () => {
        const fields = issuesOf({ ...eventsInput(), partitions: [], rolling: { interval: "1 fortnight", retention: "soon" } }).map((i) => i.field);
        expect(fields).toEqual(expect.arrayContaining(["rolling.interval", "rolling.retention"]));
        const m = issuesOf({ ...eventsInput(), partitions: [], defaultPartition: false, maintenance: { engine: "pg_partman", interval: "1 month", schedule: "hourly" } });
        expect(m.map((i) => i.field)).toContain("maintenance.schedule");
    });
});
