import { partitionedTableFields } from "./spec";
import { desiredDefaultPartition, entryBound, explicitPartitions, keyColumns, resolvedIndexes } from "./resolve";

const spec = partitionedTableFields.parse({
    name: "sessions",
    columns: [
        { name: "user_id", type: "bigint" },
        { name: "data", type: "jsonb" },
    ],
    partitionBy: { strategy: "hash", columns: ["user_id"] },
    partitions: [{ modulus: 2 }],
    indexes: [{ columns: ["user_id"] }, { columns: ["data"], method: "gin", name: "by_data" }],
});

describe("resolve", () => {
    it("expands hash shorthands into one partition per remainder", () => {
        expect(explicitPartitions(spec)).toEqual([
            { name: "sessions_0", bound: { kind: "hash", modulus: 2, remainder: 0 }, origin: 0 },
            { name: "sessions_1", bound: { kind: "hash", modulus: 2, remainder: 1 }, origin: 0 },
        ]);
    });
    it("types the key columns", () => {
        expect(keyColumns(spec)).toEqual([{ name: "user_id", type: "bigint", kind: "integer" }]);
    });
    it("names indexes", () => {
        expect(resolvedIndexes(spec).map((i) => i.name)).toEqual(["sessions_user_id_idx", "by_data"]);
    });
    it("wraps single-column bounds into tuples", () => {
        expect(entryBound("range", { name: "a", from: "2024-01-01", to: "2024-02-01" })).toEqual({ kind: "range", from: ["2024-01-01"], to: ["2024-02-01"] });
        expect(entryBound("range", { name: "a", from: "2024-01-01" })).toBeNull();
    });
    it("names the default partition, leaving it to pg_partman in maintenance mode", () => {
        expect(desiredDefaultPartition({ name: "e", defaultPartition: true, maintenance: undefined })).toBe("e_default");
        expect(desiredDefaultPartition({ name: "e", defaultPartition: { name: "e_other" }, maintenance: undefined })).toBe("e_other");
        expect(desiredDefaultPartition({ name: "e", defaultPartition: false, maintenance: undefined })).toBeNull();
        expect(desiredDefaultPartition({ name: "e", defaultPartition: true, maintenance: { engine: "pg_partman", interval: "1 day", premake: 4, onExpire: "detach", schedule: "0 * * * *" } })).toBeNull();
    });
});
