import { planScaling } from "../plan";

const plan = (metrics: object, constraints: string[] = []) => planScaling({ scaling_goal: "design_sharding", current_metrics: metrics, constraints });

describe("design_sharding", () => {
    test("a table one node holds: no sharding, hash partitions ready for two shards", () => {
        const p = plan({ table_size_gb: 200, rows_millions: 200, connections_peak: 500, read_write_ratio: "80:20" });
        expect(p.decisions[0]).toMatchObject({ topic: "shard?", choice: "no, not yet" });
        expect(p.summary).toMatch(/^No sharding yet/);
        expect(p.configuration.constructs[0].args).toMatchObject({ partitionBy: { strategy: "hash", columns: ["user_id"] }, partitions: [{ modulus: 64 }] });
    });

    test("too big for one node: shards over postgres_fdw, SQL per shard and for the coordinator", () => {
        const p = plan({ table_size_gb: 3000, rows_millions: 3000, connections_peak: 1000, read_write_ratio: "80:20" });
        expect(p.decisions[0].choice).toBe("yes, 9 shards");
        expect(p.configuration.constructs).toEqual([]);
        const sql = p.configuration.sql.join("\n");
        expect(sql).toContain("-- on shard-8");
        expect(sql).toContain("CREATE EXTENSION IF NOT EXISTS postgres_fdw;");
        expect(sql).toMatch(/CREATE FOREIGN TABLE "public"."user_sessions_p255" PARTITION OF "public"."user_sessions_new" FOR VALUES WITH \(MODULUS 256, REMAINDER 255\) SERVER "shard_3"/);
        expect(p.notes.join(" ")).toMatch(/no atomic commit/);
        expect(p.architecture).toContain("--postgres_fdw-->  shard-0");
    });

    test("budget: fewer, fuller shards", () => {
        expect(plan({ table_size_gb: 3000 }, ["budget"]).decisions[0].choice).toBe("yes, 5 shards");
    });

    test("write pressure alone can call for shards", () => {
        const p = plan({ table_size_gb: 50, connections_peak: 20000, read_write_ratio: "40:60" });
        expect(p.decisions[0].choice).toMatch(/^yes/);
        expect(p.decisions[0].why).toMatch(/the writes outgrow one primary/);
    });
});
