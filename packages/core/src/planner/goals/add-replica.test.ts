import { planScaling } from "../plan";
import { MAX_REPLICA_LAG_BYTES } from "./add-replica";

const plan = (metrics: object, constraints: string[] = []) => planScaling({ scaling_goal: "add_replica", current_metrics: metrics, constraints });
const construct = (p: ReturnType<typeof plan>, name: string) => p.configuration.constructs.find((c) => c.name === name)!;

describe("add_replica", () => {
    test("replicas from the read share, a read pool over them, lag-aware routing", () => {
        const p = plan({ connections_peak: 1000, read_write_ratio: "80:20" }, ["max-connections=200"]);
        expect(construct(p, "main").args).toMatchObject({ nodes: 5 });
        expect(construct(p, "lb").args).toEqual({ maxReplicaLagBytes: MAX_REPLICA_LAG_BYTES });
        expect(construct(p, "read-pool").args).toMatchObject({ target: "replicas", defaultPoolSize: 40, maxClientConn: 1200 });
        expect(construct(p, "pool").args).toMatchObject({ defaultPoolSize: 10, maxClientConn: 300 });
        expect(p.decisions.find((d) => d.topic === "split of clients")!.choice).toBe("200 to the primary pool, 800 to the read pool");
        expect(p.architecture).toContain("GET /replica?lag=16777216");
        expect(p.configuration.stack).toContain("export const readPoolUri = readPool.uri;");
    });

    test("write-heavy traffic still gets the one replica asked for; budget caps at two", () => {
        expect(construct(plan({ read_write_ratio: "10:90" }), "main").args).toMatchObject({ nodes: 2 });
        expect(construct(plan({ read_write_ratio: "90:10" }, ["budget"]), "main").args).toMatchObject({ nodes: 3 });
    });

    test("rollback removes replicas, never the primary, and their slots", () => {
        expect(plan({}).rollback_plan).toMatch(/never the primary, and drops their replication slots/);
    });

    test("managed-service", () => {
        const p = plan({ connections_peak: 400, read_write_ratio: "75:25" }, ["managed-service"]);
        expect(p.configuration.managed_settings).toMatchObject({ read_replicas: 3, read_pooler: { pool_mode: "transaction" } });
    });
});
