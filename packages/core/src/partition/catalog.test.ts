import { emptyCatalog, observeCatalog, type CatalogState } from "./catalog";

describe("observeCatalog", () => {
    it("reports a missing table", () => {
        expect(observeCatalog(emptyCatalog())).toMatchObject({ exists: false, partitions: [], indexes: [], defaultPartition: null });
    });
    it("sorts partitions and indexes, prints bounds, and leaves out the primary key index", () => {
        const state: CatalogState = {
            ...emptyCatalog(),
            table: {
                kind: "partitioned",
                strategy: "list",
                keyColumns: ["region"],
                columns: [{ name: "region", type: "text", notNull: true, default: null, identity: null }],
                primaryKey: { name: "orders_pkey", columns: ["region"] },
                partitions: [
                    { name: "orders_us", bound: { kind: "list", values: ["US", "CA"] } },
                    { name: "orders_eu", bound: { kind: "list", values: ["DE"] } },
                ],
                defaultPartition: null,
                indexes: [
                    { name: "orders_pkey", columns: ["region"], unique: true, primary: true, method: "btree", valid: true, attachedPartitions: [] },
                    { name: "b_idx", columns: ["region"], unique: false, primary: false, method: "btree", valid: false, attachedPartitions: [] },
                ],
                hasRows: false,
            },
        };
        const o = observeCatalog(state);
        expect(o.partitions).toEqual([
            { name: "orders_eu", bound: "FOR VALUES IN ('DE')" },
            { name: "orders_us", bound: "FOR VALUES IN ('US', 'CA')" },
        ]);
        expect(o.indexes).toEqual([{ name: "b_idx", columns: ["region"], unique: false, method: "btree", valid: false }]);
        expect(o.primaryKey).toEqual(["region"]);
    });
});
