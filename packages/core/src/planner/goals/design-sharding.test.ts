import { planScaling } from "../plan";

const plan = (metrics: object, constraints: string[] = []) => planScaling({ scaling_goal: "design_sharding", current_metrics: metrics, constraints });

describe("design_sharding", () => {
    test("a table one node holds: no sharding, hash partitions ready for two shards", () => {
        const p = plan({ table_size_gb: 200, rows_millions: 200, connections_peak: 500, read_write_ratio: "80:20" });
        expect(p.decisions[0]).toMatchObject({ topic: "shard?", choice: "no, not yet" });
        expect(p.summary).toMatch(/^No sharding yet/);
        expect(p.configuration.constructs[0].args).toMatchObject({ partitionBy: { strategy: "hash", columns: ["user_id"] }, partitions: [{ modulus: 64 }] });
    });

    test("too big for one node: a ShardedTable, and SQL in its names that it adopts after the swap", () => {
        const p = plan({ table_size_gb: 3000, rows_millions: 3000, connections_peak: 1000, read_write_ratio: "80:20" });
        expect(p.decisions[0].choice).toBe("yes, 9 shards");
        expect(p.decisions[1]).toMatchObject({ topic: "hash modulus", choice: "261" });
        const [table] = p.configuration.constructs;
        expect(table).toMatchObject({ construct: "ShardedTable", package: "@pgscale/postgres", name: "user_sessions" });
        expect(table.args).toMatchObject({ name: "user_sessions", shardBy: { strategy: "hash", columns: ["user_id"], modulus: 261 }, primaryKey: ["id", "user_id"] });
        expect((table.args.shards as { name: string }[]).map((s) => s.name)).toEqual(["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]);
        expect(table.refs).toMatchObject({ coordinator: "config:databaseUri", "shards.0.uri": "config:s1Uri", "shards.8.uri": "config:s9Uri" });
        expect(p.configuration.stack).toContain('shards: [\n        { name: "s1", uri: config.requireSecret("s1Uri") },');
        const sql = p.configuration.sql.join("\n");
        expect(sql).toContain("-- on shard-s9");
        // Remainder 260 lives on shard 260 mod 9 = 8, i.e. s9: the shard holds the slice, the coordinator points at it.
        expect(sql).toContain('CREATE TABLE "public"."user_sessions_260" PARTITION OF "public"."user_sessions" FOR VALUES WITH (MODULUS 261, REMAINDER 260);');
        expect(sql).toMatch(/CREATE FOREIGN TABLE "public"."user_sessions_260" PARTITION OF "public"."user_sessions_new" FOR VALUES WITH \(MODULUS 261, REMAINDER 260\) SERVER "user_sessions_s9"/);
        expect(sql).toContain("CREATE EXTENSION IF NOT EXISTS postgres_fdw;");
        // Passwords are psql variables; the swap renames the coordinator's parent only.
        expect(sql).toContain(`CREATE ROLE "user_sessions_s1_fdw" LOGIN PASSWORD :'s1_password';`);
        expect(sql).toContain(`CREATE USER MAPPING FOR PUBLIC SERVER "user_sessions_s1" OPTIONS (user 'user_sessions_s1_fdw', password :'s1_password');`);
        expect(sql).not.toMatch(/@@/);
        expect(sql).toContain('ALTER TABLE "public"."user_sessions_new" RENAME TO "user_sessions";');
        expect(p.implementation_steps.at(-1)!.title).toBe("Adopt the sharded table with ShardedTable");
        expect(p.notes.join(" ")).toMatch(/no atomic commit/);
        expect(p.architecture).toContain("--postgres_fdw-->  shard-s1");
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
