import { Engine, eventsSpec, observedPartitions, TestSchema } from "./partition-fixtures";

// pg_partman mode against the host server (postgresql-15-partman and -cron, which
// scripts/host-postgres installs and preloads).

jest.setTimeout(60_000);

let db: TestSchema;
const engine = new Engine();

// Each test gets a schema of its own, dropped afterwards.
beforeEach(async () => {
    db = await TestSchema.create("partman");
});
afterEach(async () => {
    await db.drop();
});

const managed = (premake: number, removalPolicy: "retain" | "destroy" = "destroy") =>
    eventsSpec(db.name, {
        name: "pm",
        partitions: [],
        defaultPartition: false,
        indexes: [{ columns: ["event_type"] }],
        maintenance: { engine: "pg_partman", interval: "1 month", premake, retention: "12 months" },
        removalPolicy,
    });

async function partmanSchema(): Promise<string> {
    const [r] = await db.sql<{ s: string }>("SELECT n.nspname AS s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman'");
    return r.s;
}

it("registers the table with create_parent, sets retention and schedules run_maintenance with pg_cron", async () => {
    let state = await engine.up(managed(2));
    const ps = await partmanSchema();
    const [cfg] = await db.sql<{ partition_interval: string; premake: number; retention: string; retention_keep_table: boolean }>(
        `SELECT partition_interval, premake, retention, retention_keep_table FROM "${ps}".part_config WHERE parent_table = $1`,
        [`${db.name}.pm`],
    );
    expect(cfg).toEqual({ partition_interval: "1 mon", premake: 2, retention: "12 months", retention_keep_table: true });
    // pg_partman made the partitions (2 behind, the current month, 2 ahead) and its default; our index is on each.
    const parts = await db.partitions("pm");
    expect(parts.map((p) => p.name)).toContain("pm_default");
    expect(parts.filter((p) => /^pm_p\d{4}_\d{2}$/.test(p.name))).toHaveLength(5);
    const [idx] = await db.sql<{ n: string }>("SELECT count(*)::text AS n FROM pg_inherits WHERE inhparent = $1::regclass", [`"${db.name}".pm_event_type_idx`]);
    expect(idx.n).toBe(String(parts.length));
    expect(observedPartitions(state).length).toBe(5);

    const [job] = await db.sql<{ schedule: string; command: string; database: string }>("SELECT schedule, command, database FROM cron.job WHERE jobname = $1", [`pgscale_partman_${db.name}.pm`]);
    expect(job).toEqual({ schedule: "0 * * * *", command: `SELECT "${ps}".run_maintenance(p_parent_table := '${db.name}.pm')`, database: "postgres" });
    // The scheduled command runs.
    await db.sql(job.command);

    expect(await engine.preview(managed(2), state)).toMatchObject({ plan: [], changes: false });
    const preview = await engine.preview(managed(4), state);
    expect(preview.plan).toEqual(["~ pg_partman: premake 4, retention 12 months (detach)"]);
    state = await engine.up(managed(4), state);
    const [after] = await db.sql<{ premake: number }>(`SELECT premake FROM "${ps}".part_config WHERE parent_table = $1`, [`${db.name}.pm`]);
    expect(after.premake).toBe(4);

    // removalPolicy destroy: the table, its configuration and its job go.
    await engine.destroy(state);
    expect(await db.tableExists("pm")).toBe(false);
    expect(await db.sql(`SELECT 1 FROM "${ps}".part_config WHERE parent_table = $1`, [`${db.name}.pm`])).toEqual([]);
    expect(await db.sql("SELECT 1 FROM cron.job WHERE jobname = $1", [`pgscale_partman_${db.name}.pm`])).toEqual([]);
});
