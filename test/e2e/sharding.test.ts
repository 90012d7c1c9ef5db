// docs/sharding.md's program (examples/sharding) as written, on one-member clusters: a coordinator
// and two shards, each its own PatroniCluster behind its HAProxy, one etcd member. Rows written
// through the coordinator as the application's owner land on their shard, a lookup by key reaches
// one foreign partition, and removing the ShardedTable (default removalPolicy "retain") keeps them.
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, dockerObjectsOfStack, plainOutputs, stackEnv, uniqueStackName } from "../support/stack";
import { query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

describe("sharding example (docs/sharding.md)", () => {
    const name = uniqueStackName("shd-sharding");
    let stack: Stack | undefined;
    let out: { coordinatorUri: string; shardUris: string[] };
    const quiet = { onOutput: () => undefined };
    const CUSTOMERS = 20;
    /** customer_id → the coordinator's foreign partition holding it (orders_<remainder>). */
    let partitionOf: Map<number, string>;

    beforeAll(async () => {
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: name, workDir: path.resolve(__dirname, "../../examples/sharding") },
            { envVars: stackEnv() },
        );
        await stack.setAllConfig({
            nodes: { value: "1" }, etcdMembers: { value: "1" },
            patroni: { value: JSON.stringify({ ttl: 20, loopWait: 1, retryTimeout: 3 }) },
        });
        out = plainOutputs((await stack.up(quiet)).outputs) as typeof out;
    });
    afterAll(async () => {
        await destroyAndRemove(stack);
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });

    it("writes each row through the coordinator's primaryUri into its slice on its shard", async () => {
        await query(out.coordinatorUri, `INSERT INTO orders (customer_id, id, total, created_at)
            SELECT g, g * 10, g, '2026-03-01' FROM generate_series(1, ${CUSTOMERS}) g`);
        const placed = await query(out.coordinatorUri, "SELECT customer_id::int AS c, tableoid::regclass::text AS part FROM orders ORDER BY 1");
        partitionOf = new Map(placed.map((r) => [r.c, r.part]));
        expect(placed).toHaveLength(CUSTOMERS);
        // Round-robin: slice r (orders_<r>) is on shards[r mod 2]; read each shard directly.
        const onShard = await Promise.all(out.shardUris.map((uri) =>
            query(uri, "SELECT customer_id::int AS c, tableoid::regclass::text AS part FROM orders ORDER BY 1")));
        onShard.forEach((rows, i) => {
            const expected = placed.filter((r) => Number(r.part.replace("orders_", "")) % 2 === i).map((r) => r.c);
            expect(expected.length).toBeGreaterThan(0);
            expect(rows.map((r) => r.c)).toEqual(expected);
            // On the shard, in the local partition 2026 of the slice of the same name.
            for (const r of rows) expect(r.part).toBe(`${partitionOf.get(r.c)}_2026`);
        });
    });

    it("prunes a lookup by key to one foreign partition, and counts over every shard", async () => {
        const plan = (await query(out.coordinatorUri, "EXPLAIN SELECT * FROM orders WHERE customer_id = 7")).map((r) => r["QUERY PLAN"]).join("\n");
        expect([...plan.matchAll(/Foreign Scan on (\w+)/g)].map((m) => m[1])).toEqual([partitionOf.get(7)]);
        const [all] = await query(out.coordinatorUri, "SELECT count(*)::int AS n, sum(total)::int AS s FROM orders");
        expect(all).toEqual({ n: CUSTOMERS, s: (CUSTOMERS * (CUSTOMERS + 1)) / 2 });
    });

    it("removing the ShardedTable (removalPolicy retain) leaves every object and row", async () => {
        const urn = (await stack!.exportStack()).deployment.resources.find((r: { type: string; urn: string }) => r.urn.endsWith("::orders")).urn;
        await stack!.destroy({ ...quiet, target: [urn], targetDependents: true });
        const counts = await Promise.all(out.shardUris.map(async (uri) => (await query(uri, "SELECT count(*)::int AS n FROM orders"))[0].n));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(CUSTOMERS);
        const [coord] = await query(out.coordinatorUri,
            "SELECT to_regclass('public.orders') IS NOT NULL AS parent, (SELECT count(*)::int FROM pg_inherits WHERE inhparent = to_regclass('public.orders')) AS partitions");
        expect(coord).toEqual({ parent: true, partitions: 8 });
    });
});
