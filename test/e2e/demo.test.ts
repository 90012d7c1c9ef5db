// The README's demo program (root Pulumi.yaml) on its own stack: the HA topology with pooling and
// the partitioned events table created through the cluster's primaryUri.
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, dockerObjectsOfStack, plainOutputs, stackEnv, uniqueStackName } from "../support/stack";
import { eventually, query } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

describe("demo stack", () => {
    const name = uniqueStackName("demo");
    let stack: Stack | undefined;
    const quiet = { onOutput: () => undefined };
    afterAll(async () => destroyAndRemove(stack));

    it("comes up with streaming replicas, a pool and a partitioned table that prunes", async () => {
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: name, workDir: path.resolve(__dirname, "../..") },
            { envVars: stackEnv() },
        );
        const out = plainOutputs((await stack.up(quiet)).outputs);

        const [p] = await query(out.primaryUri, "SELECT pg_is_in_recovery() AS r, (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming') AS n, current_setting('max_connections') AS mc");
        expect(p).toEqual({ r: false, n: "2", mc: "200" });
        const parts = await query(out.primaryUri,
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public.events'::regclass ORDER BY 1");
        expect(parts.map((r) => r.relname)).toEqual(["events_2024_q1", "events_2024_q2", "events_2024_q3", "events_2024_q4", "events_default"]);

        // Rows land in the right partition, through the pooler, and a query by the key prunes.
        await query(out.poolerUri, "INSERT INTO events (event_type, created_at) VALUES ('signup', '2024-05-02'), ('late', '2031-01-01')");
        const placed = await query(out.primaryUri, "SELECT tableoid::regclass::text AS part, event_type FROM events ORDER BY 2");
        expect(placed).toEqual([{ part: "events_default", event_type: "late" }, { part: "events_2024_q2", event_type: "signup" }]);
        const plan = (await query(out.primaryUri, "EXPLAIN SELECT * FROM events WHERE created_at >= '2024-05-01' AND created_at < '2024-05-03'"))
            .map((r) => r["QUERY PLAN"]).join("\n");
        expect(plan).toContain("events_2024_q2");
        expect(plan).not.toMatch(/events_2024_q[134]|events_default/);
        const indexes = await query(out.primaryUri, "SELECT indexdef FROM pg_indexes WHERE tablename = 'events_2024_q3' ORDER BY 1");
        expect(indexes.map((r) => r.indexdef).join("\n")).toMatch(/\(event_type\)/);

        await eventually(async () => (await query(out.replicaUri, "SELECT count(*) AS n FROM events"))[0].n === "2", 10000, "rows on a replica");

        const preview = await stack.preview(quiet);
        expect(Object.keys(preview.changeSummary)).toEqual(["same"]);

        await stack.destroy(quiet);
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
