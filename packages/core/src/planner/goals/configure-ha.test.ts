import { planScaling } from "../plan";

const plan = (metrics: object, constraints: string[] = []) => planScaling({ scaling_goal: "configure_ha", current_metrics: metrics, constraints });
const args = (p: ReturnType<typeof plan>, type: string) => p.configuration.constructs.find((c) => c.construct === type)!.args as Record<string, any>;

describe("configure_ha", () => {
    test("issue 3's topology, nodes from the read share", () => {
        const p = plan({ connections_peak: 1000, read_write_ratio: "70:30" });
        expect(p.configuration.constructs.map((c) => [c.construct, c.name])).toEqual([["EtcdCluster", "dcs"], ["PatroniCluster", "main"], ["HAProxyFrontend", "lb"], ["PgBouncerPool", "pool"]]);
        expect(args(p, "PatroniCluster")).toMatchObject({ nodes: 4, patroni: { ttl: 30, loopWait: 10, retryTimeout: 10, synchronousMode: false }, parameters: { max_connections: "200" } });
        expect(args(p, "EtcdCluster")).toEqual({ members: 3 });
        expect(p.implementation_steps[1].verify).toContain("returns 3 rows in state 'streaming'");
    });

    test("at least 2 replicas so a failover leaves one; budget allows 1", () => {
        expect(args(plan({ read_write_ratio: "10:90" }), "PatroniCluster").nodes).toBe(3);
        expect(args(plan({ read_write_ratio: "10:90" }, ["budget"]), "PatroniCluster").nodes).toBe(2);
        expect(args(plan({ read_write_ratio: "90:10" }, ["budget"]), "PatroniCluster").nodes).toBe(3);
    });

    test("zero-data-loss and no-downtime", () => {
        const p = plan({}, ["zero-data-loss", "no-downtime"]);
        expect(args(p, "PatroniCluster").patroni).toMatchObject({ ttl: 20, loopWait: 5, retryTimeout: 5, synchronousMode: true });
        expect(p.implementation_steps.find((s) => s.title.startsWith("Copy the data in"))).toMatchObject({ title: "Copy the data in with logical replication", online: true });
        expect(plan({}).implementation_steps.find((s) => s.title.startsWith("Copy the data in"))!.online).toBe(false);
    });

    test("max_connections grows when the pool needs it, and a given value wins", () => {
        // 5000 clients x 5% = 250 (+63 reserve) server connections need max_connections 400.
        const p = plan({ connections_peak: 5000 });
        expect(args(p, "PatroniCluster").parameters.max_connections).toBe("400");
        expect(args(p, "PgBouncerPool")).toMatchObject({ defaultPoolSize: 250, reservePoolSize: 63 });
        expect(p.decisions.find((d) => d.topic === "max_connections")!.why).toMatch(/raised from 200/);
        expect(args(plan({ connections_peak: 5000 }, ["max-connections=250"]), "PatroniCluster").parameters.max_connections).toBe("250");
    });

    test("zero-data-loss on a budget is flagged", () => {
        expect(plan({ read_write_ratio: "10:90" }, ["zero-data-loss", "budget"]).notes.join(" ")).toMatch(/zero data loss holds only while both nodes are up/);
    });

    test("managed-service: the provider's HA, sized the same way", () => {
        const p = plan({ connections_peak: 1000, read_write_ratio: "80:20" }, ["managed-service"]);
        expect(p.configuration.constructs).toEqual([]);
        expect(p.configuration.managed_settings).toMatchObject({ high_availability: true, read_replicas: 4, max_connections: 200 });
    });
});
