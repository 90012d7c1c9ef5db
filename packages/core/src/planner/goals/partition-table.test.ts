import { planScaling } from "../plan";

const NOW = new Date("2026-11-25T12:00:00Z");
const plan = (metrics: object, constraints: string[] = [], now = NOW) => planScaling({ scaling_goal: "partition_table", current_metrics: metrics, constraints }, { now });
const table = (p: ReturnType<typeof plan>) => p.configuration.constructs[0].args as Record<string, any>;

describe("partition_table", () => {
    test("range by time: interval from growth, existing data attached as a legacy partition", () => {
        const p = plan({ table_size_gb: 120, rows_millions: 300 }, ["growth-gb-per-month=8"]);
        expect(table(p)).toMatchObject({
            name: "events",
            partitionBy: { strategy: "range", columns: ["created_at"] },
            partitions: [{ name: "events_legacy", from: "1970-01-01", to: "2026-12-01" }],
            rolling: { interval: "1 month", premake: 4, onExpire: "detach" },
            defaultPartition: true,
            adoptExisting: true,
        });
        expect(table(p).rolling).not.toHaveProperty("retention");
        expect(p.configuration.sql.join("\n")).toContain("TO ('2026-12-01 00:00:00+00')");
        expect(p.implementation_steps.map((s) => s.title)).toContain("Swap in the partitioned table (before 2026-12-01 00:00 UTC)");
        expect(p.architecture).toContain("events_p2026_12  [2026-12-01, 2027-01-01)  ~8 GB each");
    });

    test("the cutover is the first boundary at least a day away", () => {
        const p = plan({ table_size_gb: 120 }, ["growth-gb-per-month=8"], new Date("2026-11-30T12:00:00Z"));
        expect(table(p).partitions[0].to).toBe("2027-01-01");
    });

    test("faster growth, smaller partitions; retention bounds the interval too", () => {
        expect(table(plan({ table_size_gb: 120 }, ["growth-gb-per-month=200"])).rolling.interval).toBe("1 day");
        const r = table(plan({ table_size_gb: 30 }, ["growth-gb-per-month=1", "retention-months=3"]));
        expect(r.rolling).toMatchObject({ interval: "1 month", retention: "3 months" });
    });

    test("a small table is told it does not need partitioning yet", () => {
        const p = plan({ table_size_gb: 4, rows_millions: 10 });
        expect(p.decisions[0]).toMatchObject({ topic: "partition now?", choice: "not yet" });
        expect(plan({ table_size_gb: 400 }).decisions[0].choice).toBe("yes");
    });

    test("hash: modulus from the projected size, copied online with no-downtime", () => {
        // 60 GB + 24 months x 5 GB = 180 GB in partitions of <= 10 GB: 18, rounded up to 32.
        const p = plan({ table_size_gb: 60, rows_millions: 60 }, ["partition-by=hash", "no-downtime"]);
        expect(table(p)).toMatchObject({ name: "user_sessions", partitionBy: { strategy: "hash", columns: ["user_id"] }, partitions: [{ modulus: 32 }] });
        expect(p.implementation_steps.map((s) => s.title)).toEqual(expect.arrayContaining(["Mirror writes into the new table", "Backfill in batches"]));
        expect(p.implementation_steps.every((s) => s.online)).toBe(true);
        const offline = plan({ table_size_gb: 60 }, ["partition-by=hash"]);
        expect(offline.implementation_steps.find((s) => s.title.startsWith("Copy the rows"))).toMatchObject({ online: false, changes: expect.stringContaining("~10 min") });
    });

    test("list: the categories, a default partition", () => {
        const p = plan({ table_size_gb: 60 }, ["partition-by=list"]);
        expect(table(p)).toMatchObject({ name: "orders", partitions: [{ name: "orders_us", values: ["US", "CA"] }, { name: "orders_eu" }, { name: "orders_asia" }], defaultPartition: true });
        expect(p.configuration.stack).toContain(`connection: config.requireSecret("databaseUri")`);
    });

    test("the plan says which table it was written for", () => {
        expect(plan({}).notes.join(" ")).toMatch(/example table public.events/);
    });
});
