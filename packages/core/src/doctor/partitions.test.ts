import { QueryPlanFacts } from "./facts";
import { checkPartitions, checkPartitionSettings, checkQueryPruning } from "./partitions";

const events = { name: "public.events", key: "RANGE (created_at)", leaves: ["public.events_2024_q1", "public.events_2024_q2", "public.events_2024_q3", "public.events_default"] };
const scan = (...rels: string[]) => [{ Plan: { "Node Type": "Append", Plans: rels.map((r) => ({ "Node Type": "Seq Scan", "Relation Name": r, Schema: "public" })) } }];
const q = (plan: unknown, tables = [events]): QueryPlanFacts => ({ sql: "SELECT ...", plan, partitionedTables: tables });
const on = { enablePartitionPruning: "on", constraintExclusion: "partition" };

describe("partition checks", () => {
    test("settings: pruning off and constraint_exclusion off are warnings", () => {
        expect(checkPartitionSettings(on).map((f) => f.severity)).toEqual(["ok", "ok"]);
        const off = checkPartitionSettings({ enablePartitionPruning: "off", constraintExclusion: "off" });
        expect(off.map((f) => [f.check, f.severity])).toEqual([["partitions.pruning_setting", "warning"], ["partitions.constraint_exclusion", "warning"]]);
        expect(off[0].fix).toMatch(/enable_partition_pruning = on/);
    });

    test("a query that prunes: ok, naming what it scans", () => {
        expect(checkQueryPruning(q(scan("events_2024_q2")), on)).toEqual([
            expect.objectContaining({ severity: "ok", detail: "events: pruned to 1 of 4 partitions (events_2024_q2)" }),
        ]);
    });

    test("a query that scans every partition: partition not used, fix names the key", () => {
        const [f] = checkQueryPruning(q(scan("events_2024_q1", "events_2024_q2", "events_2024_q3", "events_default")), on);
        expect(f.severity).toBe("warning");
        expect(f.detail).toBe("events: partition not used: the plan scans all 4 partitions (events_2024_q1, events_2024_q2, events_2024_q3, events_default); partition key RANGE (created_at)");
        expect(f.fix).toMatch(/^Make the WHERE clause match the partition key: constrain created_at with constants/);
        expect(f.fix).toMatch(/EXPLAIN/);
    });

    test("with pruning off, the fix is the setting", () => {
        const [f] = checkQueryPruning(q(scan(...events.leaves.map((l) => l.slice(7)))), { ...on, enablePartitionPruning: "off" });
        expect(f.fix).toMatch(/enable_partition_pruning is off/);
    });

    test("everything pruned, a one-partition table, and no partitioned table at all are ok", () => {
        expect(checkQueryPruning(q([{ Plan: { "Node Type": "Result" } }]), on)[0].detail).toBe("events: every partition pruned (no partition can hold matching rows)");
        expect(checkQueryPruning(q(scan("only"), [{ name: "public.one", key: "LIST (region)", leaves: ["public.only"] }]), on)[0].severity).toBe("ok");
        expect(checkQueryPruning(q(scan("accounts"), []), on)[0]).toMatchObject({ severity: "ok", detail: "the query reads no partitioned table (scans: accounts)" });
    });

    test("a query that fails to EXPLAIN is a warning with the error", () => {
        const findings = checkPartitions({ primary: { ok: false, error: "x" }, query: { ok: false, error: 'relation "nope" does not exist', code: "42P01" } });
        expect(findings).toEqual([expect.objectContaining({ check: "partitions.query", severity: "warning", detail: 'could not EXPLAIN the query: relation "nope" does not exist' })]);
    });

    test("a sharded table: a lookup reaching one shard is ok, a query reaching every shard is a warning naming the key", () => {
        const leaves = ["public.orders_0", "public.orders_1", "public.orders_2", "public.orders_3"];
        const orders = { name: "public.orders", key: "HASH (customer_id)", leaves, shards: { "public.orders_0": "orders_s1", "public.orders_1": "orders_s2", "public.orders_2": "orders_s1", "public.orders_3": "orders_s2" } };
        const foreign = (...rels: string[]) => [{ Plan: { "Node Type": "Append", Plans: rels.map((r) => ({ "Node Type": "Foreign Scan", "Relation Name": r, Schema: "public" })) } }];
        expect(checkQueryPruning(q(foreign("orders_1"), [orders]), on).map((f) => [f.check, f.severity, f.detail])).toEqual([
            ["partitions.query", "ok", "orders: pruned to 1 of 4 partitions (orders_1)"],
            ["partitions.shard_query", "ok", "orders: reaches 1 of 2 shards (orders_s2)"],
        ]);
        const [, fanout] = checkQueryPruning(q(foreign("orders_0", "orders_1", "orders_2", "orders_3"), [orders]), on);
        expect(fanout).toMatchObject({ check: "partitions.shard_query", severity: "warning", detail: "orders: the query reaches all 2 shards (orders_s1, orders_s2); shard key HASH (customer_id)" });
        expect(fanout.fix).toMatch(/^A lookup should filter on the shard key customer_id/);
        // Reaching every partition of one shard is still one shard.
        expect(checkQueryPruning(q(foreign("orders_0", "orders_2"), [orders]), on)[1]).toMatchObject({ severity: "ok", detail: "orders: reaches 1 of 2 shards (orders_s1)" });
    });
});
