import { partitionedTableFields, type PartitionedTableInput } from "./spec";
import { partitionedTableIssues } from "./rules";

const base = (over: Partial<PartitionedTableInput> = {}): PartitionedTableInput => ({
    name: "events",
    columns: [
        { name: "id", type: "bigint", identity: "always" },
        { name: "region", type: "text" },
        { name: "user_id", type: "bigint" },
        { name: "created_at", type: "timestamptz", notNull: true },
    ],
    partitionBy: { strategy: "range", columns: ["created_at"] },
    ...over,
});

/** Field paths of the issues, as PgscaleValidationError prints them. */
function fields(input: PartitionedTableInput): string[] {
    return partitionedTableIssues(partitionedTableFields.parse(input)).map((i) =>
        i.path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : String(p)), ""),
    );
}
function messages(input: PartitionedTableInput): string {
    return partitionedTableIssues(partitionedTableFields.parse(input)).map((i) => i.message).join("\n");
}

describe("range rules", () => {
    it("refuses from >= to", () => {
        expect(fields(base({ partitions: [{ name: "p", from: "2024-02-01", to: "2024-01-01" }] }))).toEqual(["partitions[0]"]);
        expect(fields(base({ partitions: [{ name: "p", from: "2024-01-01", to: "2024-01-01" }] }))).toEqual(["partitions[0]"]);
    });
    it("refuses overlaps, even with a partition declared earlier in the list and nested ranges", () => {
        const input = base({
            partitions: [
                { name: "wide", from: "2024-01-01", to: "2024-12-01" },
                { name: "inner", from: "2024-03-01", to: "2024-04-01" },
                { name: "later", from: "2024-06-01", to: "2024-07-01" },
            ],
        });
        expect(fields(input)).toEqual(["partitions[1]", "partitions[2]"]);
        expect(messages(input)).toMatch(/overlaps partitions\[0\] \("wide"\)/);
    });
    it("allows gaps unless contiguity is declared", () => {
        const partitions = [
            { name: "a", from: "2024-01-01", to: "2024-02-01" },
            { name: "b", from: "2024-03-01", to: "2024-04-01" },
        ];
        expect(fields(base({ partitions }))).toEqual([]);
        expect(fields(base({ partitions, partitionBy: { strategy: "range", columns: ["created_at"], contiguous: true } }))).toEqual(["partitions[1].from"]);
    });
    it("compares values by the key column's type", () => {
        // "2024-01-01T00:00:00+01:00" is 2023-12-31 23:00 UTC: it ends before "a" starts, so no overlap.
        const ok = base({
            partitions: [
                { name: "a", from: "2024-01-01", to: "2024-02-01" },
                { name: "b", from: "2023-12-01", to: "2024-01-01T00:00:00+01:00" },
            ],
        });
        expect(fields(ok)).toEqual([]);
    });
    it("checks value shapes and arity against the key", () => {
        expect(fields(base({ partitions: [{ name: "a", from: "yesterday", to: "2024-01-01" }] }))).toEqual(["partitions[0].from"]);
        expect(fields(base({ partitions: [{ name: "a", from: ["2024-01-01", 1], to: "2024-02-01" }] }))).toEqual(["partitions[0].from"]);
    });
    it("handles multi-column keys lexicographically", () => {
        const multi = base({
            partitionBy: { strategy: "range", columns: ["user_id", "created_at"], contiguous: true },
            partitions: [
                { name: "a", from: [0, "2024-01-01"], to: [100, "2024-01-01"] },
                { name: "b", from: [100, "2024-01-01"], to: [200, "2024-01-01"] },
            ],
        });
        expect(fields(multi)).toEqual([]);
    });
    it("requires from and to, and refuses list/hash fields", () => {
        expect(fields(base({ partitions: [{ name: "a", from: "2024-01-01" }] }))).toEqual(["partitions[0].to"]);
        expect(fields(base({ partitions: [{ name: "a", values: ["x"] }] }))).toEqual(expect.arrayContaining(["partitions[0].values", "partitions[0].from", "partitions[0].to"]));
    });
});

describe("list rules", () => {
    const list = (partitions: PartitionedTableInput["partitions"]) => base({ partitionBy: { strategy: "list", columns: ["region"] }, partitions });
    it("refuses a value listed twice, across or within partitions", () => {
        expect(fields(list([{ name: "us", values: ["US", "CA"] }, { name: "na", values: ["MX", "CA"] }]))).toEqual(["partitions[1].values[1]"]);
        expect(fields(list([{ name: "us", values: ["US", "US"] }]))).toEqual(["partitions[0].values[1]"]);
    });
    it("compares integer list values by value", () => {
        const input = base({ partitionBy: { strategy: "list", columns: ["user_id"] }, partitions: [{ name: "a", values: [1] }, { name: "b", values: ["1"] }] });
        expect(fields(input)).toEqual(["partitions[1].values[0]"]);
    });
});

describe("hash rules", () => {
    const hash = (partitions: PartitionedTableInput["partitions"], over: Partial<PartitionedTableInput> = {}) =>
        base({ partitionBy: { strategy: "hash", columns: ["user_id"] }, partitions, ...over });
    it("accepts the modulus shorthand and explicit remainders", () => {
        expect(fields(hash([{ modulus: 4 }]))).toEqual([]);
        expect(fields(hash([{ name: "h0", modulus: 2, remainder: 0 }, { name: "h1", modulus: 4, remainder: 1 }, { name: "h3", modulus: 4, remainder: 3 }]))).toEqual([]);
    });
    it("refuses remainder >= modulus", () => {
        expect(fields(hash([{ name: "h", modulus: 4, remainder: 4 }]))).toEqual(["partitions[0].remainder"]);
    });
    it("refuses moduli that are not factors of the next larger one", () => {
        expect(fields(hash([{ name: "a", modulus: 3, remainder: 0 }, { name: "b", modulus: 4, remainder: 1 }]))).toEqual(["partitions[1].modulus"]);
    });
    it("refuses overlapping remainders", () => {
        expect(fields(hash([{ name: "a", modulus: 2, remainder: 0 }, { name: "b", modulus: 4, remainder: 2 }]))).toEqual(["partitions[1]"]);
    });
    it("refuses a default partition and half-explicit entries", () => {
        expect(fields(hash([{ modulus: 2 }], { defaultPartition: true }))).toEqual(["defaultPartition"]);
        expect(fields(hash([{ name: "a", modulus: 2 }]))).toEqual(["partitions[0].remainder"]);
    });
});

describe("key and constraint rules", () => {
    it("refuses a partition column that is not a column", () => {
        expect(fields(base({ partitionBy: { strategy: "range", columns: ["created"] } }))).toEqual(["partitionBy.columns[0]"]);
    });
    it("refuses a primary key or unique index without the partition columns", () => {
        expect(fields(base({ primaryKey: ["id"] }))).toEqual(["primaryKey"]);
        expect(messages(base({ primaryKey: ["id"] }))).toMatch(/"created_at"/);
        expect(fields(base({ primaryKey: ["id", "created_at"] }))).toEqual([]);
        expect(fields(base({ indexes: [{ columns: ["id"], unique: true }] }))).toEqual(["indexes[0].columns"]);
        expect(fields(base({ indexes: [{ columns: ["id"] }] }))).toEqual([]);
    });
    it("refuses unknown columns in keys and indexes, duplicate columns and index names", () => {
        expect(fields(base({ primaryKey: ["nope", "created_at"] }))).toEqual(["primaryKey[0]"]);
        expect(fields(base({ indexes: [{ columns: ["nope"] }] }))).toEqual(["indexes[0].columns[0]"]);
        expect(fields(base({ indexes: [{ columns: ["region"] }, { columns: ["region"], method: "hash" }] }))).toEqual(["indexes[1].name"]);
        const dup = base();
        dup.columns.push({ name: "region", type: "text" });
        expect(fields(dup)).toEqual(["columns[4].name"]);
    });
    it("refuses identity on non-integer columns", () => {
        const input = base();
        input.columns[1].identity = "always";
        expect(fields(input)).toEqual(["columns[1].identity"]);
    });
});

describe("names", () => {
    it("refuses duplicate partition names, the table's own name and derived names that are too long", () => {
        expect(fields(base({ partitions: [{ name: "a", from: "2024-01-01", to: "2024-02-01" }, { name: "a", from: "2024-02-01", to: "2024-03-01" }] }))).toEqual(["partitions[1]"]);
        expect(fields(base({ partitions: [{ name: "events", from: "2024-01-01", to: "2024-02-01" }] }))).toEqual(["partitions[0]"]);
        expect(fields(base({ partitions: [{ name: "events_default", from: "2024-01-01", to: "2024-02-01" }], defaultPartition: true }))).toEqual(["defaultPartition"]);
        expect(fields(base({ name: "e".repeat(60), defaultPartition: true }))).toEqual(["defaultPartition"]);
    });
});

describe("rolling and maintenance", () => {
    it("needs one time column for a rolling window", () => {
        expect(fields(base({ rolling: { interval: "1 month" } }))).toEqual([]);
        expect(fields(base({ partitionBy: { strategy: "range", columns: ["user_id"] }, rolling: { interval: "1 month" } }))).toEqual(["rolling"]);
        expect(fields(base({ name: "e".repeat(50), rolling: { interval: "1 hour" } }))).toEqual(["name"]);
    });
    it("takes either rolling or maintenance", () => {
        expect(fields(base({ rolling: { interval: "1 month" }, maintenance: { engine: "pg_partman", interval: "1 month" } }))).toContain("maintenance");
    });
    it("leaves partitions to pg_partman and checks its interval against the key", () => {
        expect(fields(base({ maintenance: { engine: "pg_partman", interval: "1 month" } }))).toEqual([]);
        expect(fields(base({ maintenance: { engine: "pg_partman", interval: "1 month" }, partitions: [{ name: "a", from: "2024-01-01", to: "2024-02-01" }] }))).toEqual(["partitions"]);
        expect(fields(base({ maintenance: { engine: "pg_partman", interval: 1000 } }))).toEqual(["maintenance.interval"]);
        expect(fields(base({ partitionBy: { strategy: "range", columns: ["user_id"] }, maintenance: { engine: "pg_partman", interval: 1000, retention: 5000 } }))).toEqual([]);
        expect(fields(base({ name: "Events", maintenance: { engine: "pg_partman", interval: "1 day" } }))).toEqual(["name"]);
    });
});
