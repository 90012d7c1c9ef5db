import { scannedRelations } from "./explain";

// Shapes as PostgreSQL 15 prints them for EXPLAIN (FORMAT JSON, VERBOSE).
const append = (children: Array<[string, string]>, removed = 0) => [{
    Plan: {
        "Node Type": "Append", "Subplans Removed": removed,
        Plans: children.map(([schema, rel]) => ({ "Node Type": "Seq Scan", "Parent Relationship": "Member", "Relation Name": rel, Schema: schema, Alias: rel })),
    },
}];

describe("scannedRelations", () => {
    test("lists every scanned relation, schema-qualified", () => {
        expect(scannedRelations(append([["public", "events_2024_q1"], ["public", "events_default"]]))).toEqual(["public.events_2024_q1", "public.events_default"]);
    });

    test("walks nested plans (joins, subplans) and de-duplicates", () => {
        const plan = [{ Plan: { "Node Type": "Hash Join", Plans: [
            { "Node Type": "Seq Scan", "Relation Name": "orders_eu", Schema: "sales" },
            { "Node Type": "Hash", Plans: [{ "Node Type": "Index Scan", "Relation Name": "orders_eu", Schema: "sales" }] },
        ] } }];
        expect(scannedRelations(plan)).toEqual(["sales.orders_eu"]);
    });

    test("a plan that pruned everything scans nothing", () => {
        expect(scannedRelations([{ Plan: { "Node Type": "Result", "One-Time Filter": "false" } }])).toEqual([]);
    });

    test("accepts the JSON as text", () => {
        expect(scannedRelations(JSON.stringify(append([["public", "t"]])))).toEqual(["public.t"]);
    });
});
