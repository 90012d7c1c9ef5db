import { planScaling } from "../plan";

const plan = (metrics: object, constraints: string[] = []) => planScaling({ scaling_goal: "setup_pooling", current_metrics: metrics, constraints });
const poolArgs = (p: ReturnType<typeof plan>) => p.configuration.constructs.find((c) => c.construct === "PgBouncerPool")!.args;

describe("setup_pooling", () => {
    test("sized from connections_peak and max_connections", () => {
        const p = plan({ connections_peak: 1200 }, ["max-connections=200"]);
        expect(poolArgs(p)).toMatchObject({ poolMode: "transaction", defaultPoolSize: 60, reservePoolSize: 15, maxClientConn: 1800 });
        expect(p.decisions[0]).toMatchObject({ topic: "why a pooler", choice: "required" });
        expect(p.assumptions).toEqual([]);
        expect(p.rollback_plan).toMatch(/only off-peak: 1200 direct connections exceed max_connections 200/);
    });

    test("max_connections is an assumption when not given; a low one caps the pool", () => {
        const assumed = plan({ connections_peak: 150 });
        expect(assumed.assumptions).toEqual([expect.stringMatching(/max_connections = 200/)]);
        expect(assumed.decisions[0].choice).toBe("recommended");
        const low = plan({ connections_peak: 2000 }, ["max-connections=60"]);
        expect(poolArgs(low).defaultPoolSize as number + (poolArgs(low).reservePoolSize as number)).toBe(51); // 60 - 3 reserved - 6 headroom
        expect(low.notes.join(" ")).toMatch(/capped by max_connections 60/);
    });

    test("the pooler goes in front of the existing HA stack, which the plan sizes to max_connections", () => {
        const p = plan({ connections_peak: 500 }, ["max-connections=300"]);
        expect(p.configuration.constructs.map((c) => c.construct)).toEqual(["EtcdCluster", "PatroniCluster", "HAProxyFrontend", "PgBouncerPool"]);
        expect(p.configuration.constructs[1].args).toMatchObject({ parameters: { max_connections: "300" } });
        expect(p.configuration.stack).toContain(`const pool = new PgBouncerPool("pool", {\n    backend: lb,`);
    });

    test("session-state and no-downtime change the plan", () => {
        const p = plan({ connections_peak: 100 }, ["session-state", "no-downtime"]);
        expect(poolArgs(p)).toMatchObject({ poolMode: "session", defaultPoolSize: 100 });
        expect(p.implementation_steps[2].changes).toMatch(/one service \(or instance\) at a time/);
        expect(plan({ connections_peak: 100 }).implementation_steps[2].changes).toMatch(/all services in one deploy/);
    });

    test("managed-service: settings instead of constructs", () => {
        const p = plan({ connections_peak: 800 }, ["managed-service"]);
        expect(p.configuration.constructs).toEqual([]);
        expect(p.configuration.stack).toBe("");
        expect(p.configuration.managed_settings).toMatchObject({ pooler: { pool_mode: "transaction", default_pool_size: 40, max_client_conn: 1200 } });
        expect(p.architecture).toContain("provider's pooler");
    });
});
