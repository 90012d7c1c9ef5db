import { parseCatalogBound } from "./bounds";
import { emptyCatalog, type CatalogIndex, type CatalogState, type CatalogTable } from "./catalog";
import { planPartitionedTable, planRemoval, summarizePlan, normalizeType, type PlanInput } from "./plan";
import { partitionedTableFields, type PartitionedTableInput, type PartitionedTableSpec } from "./spec";

const NOW = new Date("2024-05-17T13:45:00Z");

function events(over: Partial<PartitionedTableInput> = {}): PartitionedTableSpec {
    return partitionedTableFields.parse({
        name: "events",
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "event_type", type: "text", notNull: true },
            { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
        ],
        primaryKey: ["id", "created_at"],
        partitionBy: { strategy: "range", columns: ["created_at"] },
        partitions: [
            { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
            { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
        ],
        defaultPartition: true,
        indexes: [{ columns: ["event_type"] }],
        ...over,
    });
}

const range = (from: string, to: string) => parseCatalogBound(`FOR VALUES FROM ('${from} 00:00:00+00') TO ('${to} 00:00:00+00')`);

function index(name: string, columns: string[], attachedPartitions: string[], extra: Partial<CatalogIndex> = {}): CatalogIndex {
    return { name, columns, unique: false, primary: false, method: "btree", valid: true, attachedPartitions, ...extra };
}

/** The catalog of a database where `events()` was applied as-is. */
function appliedTable(over: Partial<CatalogTable> = {}): CatalogTable {
    const parts = ["events_2024_q1", "events_2024_q2", "events_default"];
    return {
        kind: "partitioned",
        strategy: "range",
        keyColumns: ["created_at"],
        columns: [
            { name: "id", type: "bigint", notNull: true, default: null, identity: "always" },
            { name: "event_type", type: "text", notNull: true, default: null, identity: null },
            { name: "created_at", type: "timestamp with time zone", notNull: true, default: "now()", identity: null },
        ],
        primaryKey: { name: "events_pkey", columns: ["id", "created_at"] },
        partitions: [
            { name: "events_2024_q1", bound: range("2024-01-01", "2024-04-01") },
            { name: "events_2024_q2", bound: range("2024-04-01", "2024-07-01") },
        ],
        defaultPartition: "events_default",
        indexes: [index("events_pkey", ["id", "created_at"], parts, { unique: true, primary: true }), index("events_event_type_idx", ["event_type"], parts)],
        hasRows: true,
        ...over,
    };
}

function catalog(table: CatalogTable | null, over: Partial<CatalogState> = {}): CatalogState {
    return { ...emptyCatalog(), table, canonicalColumns: { created_at: { type: "timestamp with time zone", default: "now()" } }, ...over };
}

function plan(desired: PartitionedTableSpec, cat: CatalogState, over: Partial<PlanInput> = {}) {
    return planPartitionedTable({ desired, catalog: cat, now: NOW, intent: "update", previous: desired, ...over });
}

const actions = (p: { steps: { action: string }[] }) => p.steps.map((s) => s.action);

describe("create", () => {
    it("creates parent, partitions, default and indexes, all in the one transaction", () => {
        const p = plan(events(), catalog(null), { intent: "create" });
        expect(p.refusals).toEqual([]);
        expect(actions(p)).toEqual(["create-table", "create-partition", "create-partition", "create-default-partition", "create-index"]);
        expect(p.steps.every((s) => s.transactional && !s.dataLoss)).toBe(true);
        expect(p.steps[4].statements).toEqual(['CREATE INDEX "events_event_type_idx" ON "public"."events" USING btree ("event_type")']);
        expect(summarizePlan(p)).toEqual([
            "+ create table public.events PARTITION BY RANGE (created_at)",
            "+ create partition events_2024_q1 FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')",
            "+ create partition events_2024_q2 FOR VALUES FROM ('2024-04-01') TO ('2024-07-01')",
            "+ create default partition events_default",
            "+ create index events_event_type_idx on public.events (event_type) and its partitions",
        ]);
    });

    it("generates every hash remainder", () => {
        const spec = partitionedTableFields.parse({
            name: "user_sessions",
            columns: [{ name: "user_id", type: "bigint", notNull: true }],
            partitionBy: { strategy: "hash", columns: ["user_id"] },
            partitions: [{ modulus: 4 }],
        });
        const p = plan(spec, catalog(null), { intent: "create" });
        expect(p.steps.slice(1).map((s) => s.statements[0])).toEqual([0, 1, 2, 3].map((r) => `CREATE TABLE "public"."user_sessions_${r}" PARTITION OF "public"."user_sessions" FOR VALUES WITH (MODULUS 4, REMAINDER ${r})`));
    });

    it("refuses a missing schema and an existing table that was not adopted", () => {
        expect(plan(events(), catalog(null, { schemaExists: false }), { intent: "create" }).refusals).toEqual([{ field: "schema", reason: expect.stringContaining('schema "public" does not exist') }]);
        expect(plan(events(), catalog(appliedTable()), { intent: "create" }).refusals).toEqual([{ field: "adoptExisting", reason: expect.stringContaining("already exists") }]);
    });

    it("attaches a table left over from an earlier detach instead of failing on its name", () => {
        const p = plan(events(), catalog(null, { standaloneTables: ["events_2024_q1"] }), { intent: "create" });
        expect(p.steps[1]).toMatchObject({ action: "attach-partition", statements: [`ALTER TABLE "public"."events" ATTACH PARTITION "public"."events_2024_q1" FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')`] });
    });
});

describe("update", () => {
    it("plans nothing when the database matches", () => {
        const p = plan(events(), catalog(appliedTable()));
        expect(p).toEqual({ steps: [], refusals: [], notes: [] });
    });

    it("moves default-partition rows into an added partition within the transaction", () => {
        const spec = events({
            partitions: [
                { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
                { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
                { name: "events_2024_q3", from: "2024-07-01", to: "2024-10-01" },
            ],
        });
        const p = plan(spec, catalog(appliedTable()));
        expect(actions(p)).toEqual(["move-default-rows", "create-partition", "move-default-rows"]);
        expect(p.steps.map((s) => s.statements)).toEqual([
            ['ALTER TABLE "public"."events" DETACH PARTITION "public"."events_default"'],
            [`CREATE TABLE "public"."events_2024_q3" PARTITION OF "public"."events" FOR VALUES FROM ('2024-07-01') TO ('2024-10-01')`],
            [
                expect.stringMatching(/^WITH moved AS \(DELETE FROM "public"\."events_default" WHERE \("created_at" >= '2024-07-01' AND "created_at" < '2024-10-01'\)/),
                'ALTER TABLE "public"."events" ATTACH PARTITION "public"."events_default" DEFAULT',
            ],
        ]);
        expect(p.steps.every((s) => s.transactional)).toBe(true);
    });

    it("detaches a partition removed from the spec, keeping its rows", () => {
        const p = plan(events({ partitions: [{ name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" }] }), catalog(appliedTable()));
        expect(p.steps).toEqual([
            expect.objectContaining({
                action: "detach-partition",
                dataLoss: false,
                statements: ['ALTER TABLE "public"."events" DETACH PARTITION "public"."events_2024_q1"'],
                summary: expect.stringContaining("the table and its rows are kept"),
            }),
        ]);
    });

    it("drops a removed partition only when the spec allows it", () => {
        const spec = events({ partitions: [{ name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" }], dataLoss: { dropRemovedPartitions: true } });
        const p = plan(spec, catalog(appliedTable()));
        expect(p.steps).toEqual([expect.objectContaining({ action: "drop-partition", dataLoss: true, statements: ['DROP TABLE "public"."events_2024_q1"'] })]);
        expect(summarizePlan(p)[0]).toMatch(/^! drop partition events_2024_q1 .*deletes its rows/);
    });

    it("detaches a default partition removed from the spec", () => {
        const p = plan(events({ defaultPartition: false }), catalog(appliedTable()));
        expect(actions(p)).toEqual(["detach-default-partition"]);
    });

    it("refuses new bounds under an existing partition's name", () => {
        const spec = events({
            partitions: [
                { name: "events_2024_q1", from: "2024-01-01", to: "2024-03-01" },
                { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
            ],
        });
        const p = plan(spec, catalog(appliedTable()));
        expect(p.refusals).toEqual([{ field: "partitions[0]", reason: expect.stringContaining("does not move rows between bounds") }]);
    });

    describe("strategy or key change", () => {
        const list = () =>
            events({
                primaryKey: ["id", "event_type"],
                partitionBy: { strategy: "list", columns: ["event_type"] },
                partitions: [{ name: "events_click", values: ["click"] }],
                defaultPartition: false,
            });

        it("is refused with an explanation when the table holds rows", () => {
            const p = plan(list(), catalog(appliedTable()));
            expect(p.refusals).toEqual([{ field: "partitionBy", reason: expect.stringMatching(/partitioned by RANGE \(created_at\) and holds rows.*dataLoss\.recreateOnKeyChange/) }]);
        });

        it("recreates an empty table, guarding under lock against rows arriving meanwhile", () => {
            const p = plan(list(), catalog(appliedTable({ hasRows: false })));
            expect(p.refusals).toEqual([]);
            expect(actions(p)).toEqual(["drop-table", "create-table", "create-partition", "create-index"]);
            expect(p.steps[0].dataLoss).toBe(false);
            expect(p.steps[0].statements).toEqual([
                'LOCK TABLE "public"."events" IN ACCESS EXCLUSIVE MODE',
                expect.stringMatching(/^DO \$pgscale\$BEGIN IF EXISTS \(SELECT 1 FROM "public"\."events"\)/),
                'DROP TABLE "public"."events"',
            ]);
        });

        it("drops rows only with recreateOnKeyChange", () => {
            const spec = { ...list(), dataLoss: { dropRemovedPartitions: false, dropRemovedColumns: false, recreateOnKeyChange: true } };
            const p = plan(spec, catalog(appliedTable()));
            expect(p.refusals).toEqual([]);
            expect(p.steps[0]).toMatchObject({ action: "drop-table", dataLoss: true, summary: expect.stringContaining("deletes all its rows") });
        });
    });

    describe("indexes", () => {
        it("builds a new index ON ONLY the parent, then CONCURRENTLY per partition outside the transaction", () => {
            const p = plan(events({ indexes: [{ columns: ["event_type"] }, { columns: ["created_at"] }] }), catalog(appliedTable()));
            expect(actions(p)).toEqual(["create-index", "build-index", "build-index", "build-index"]);
            expect(p.steps[0]).toMatchObject({ transactional: true, statements: ['CREATE INDEX IF NOT EXISTS "events_created_at_idx" ON ONLY "public"."events" USING btree ("created_at")'] });
            expect(p.steps.slice(1).every((s) => !s.transactional)).toBe(true);
            expect(p.steps[1].statements).toEqual([
                'DROP INDEX CONCURRENTLY IF EXISTS "public"."events_2024_q1_created_at_idx"',
                'CREATE INDEX CONCURRENTLY "events_2024_q1_created_at_idx" ON "public"."events_2024_q1" USING btree ("created_at")',
                'ALTER INDEX "public"."events_created_at_idx" ATTACH PARTITION "public"."events_2024_q1_created_at_idx"',
            ]);
            expect(p.steps.slice(1).map((s) => s.statements[1].match(/ON "public"\."(\w+)"/)![1])).toEqual(["events_2024_q1", "events_2024_q2", "events_default"]);
        });

        it("resumes an interrupted build: only partitions without an attached index", () => {
            const table = appliedTable();
            table.indexes[1] = index("events_event_type_idx", ["event_type"], ["events_2024_q1"], { valid: false });
            const p = plan(events(), catalog(table));
            expect(actions(p)).toEqual(["build-index", "build-index"]);
        });

        it("lets partitions added in the same plan inherit an existing index", () => {
            const spec = events({
                defaultPartition: false,
                partitions: [
                    { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
                    { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
                    { name: "events_2024_q3", from: "2024-07-01", to: "2024-10-01" },
                ],
            });
            const p = plan(spec, catalog(appliedTable({ defaultPartition: null })));
            expect(actions(p)).toEqual(["create-partition"]);
        });

        it("rebuilds an index whose definition changed", () => {
            const p = plan(events({ indexes: [{ columns: ["event_type"], method: "hash" }] }), catalog(appliedTable()));
            expect(actions(p)).toEqual(["drop-index", "create-index", "build-index", "build-index", "build-index"]);
        });

        it("drops only indexes pgscale created; others are reported and left alone", () => {
            const table = appliedTable();
            table.indexes.push(index("hand_made", ["created_at"], []));
            const p = plan(events({ indexes: [] }), catalog(table), { previous: events() });
            expect(actions(p)).toEqual(["drop-index"]);
            expect(p.steps[0].statements).toEqual(['DROP INDEX "public"."events_event_type_idx"']);
            expect(p.notes).toEqual(["index hand_made is not in the spec and was not created by pgscale; left alone"]);
        });
    });

    describe("columns", () => {
        it("adds a column", () => {
            const spec = events();
            spec.columns.push({ name: "source", type: "text", notNull: false, default: "'web'" });
            expect(plan(spec, catalog(appliedTable())).steps).toEqual([expect.objectContaining({ action: "add-column", statements: [`ALTER TABLE "public"."events" ADD COLUMN "source" text DEFAULT ('web')`] })]);
        });
        it("refuses to drop a column that left the spec unless allowed", () => {
            const spec = events();
            spec.columns.splice(1, 1);
            spec.indexes = [];
            const refused = plan(spec, catalog(appliedTable()), { previous: spec });
            expect(refused.refusals).toEqual([{ field: "columns", reason: expect.stringContaining('column "event_type" exists in the database') }]);
            const allowed = plan({ ...spec, dataLoss: { ...spec.dataLoss, dropRemovedColumns: true } }, catalog(appliedTable()), { previous: spec });
            expect(allowed.steps).toEqual([expect.objectContaining({ action: "drop-column", dataLoss: true })]);
        });
        it("refuses type changes and compares types and defaults in the server's spelling", () => {
            const spec = events();
            spec.columns[1].type = "varchar(20)";
            expect(plan(spec, catalog(appliedTable())).refusals).toEqual([{ field: "columns[1].type", reason: expect.stringContaining("is text in the database") }]);
            // "'x'" comes back from the server as "'x'::text": no change when the probe says so.
            const withDefault = events();
            withDefault.columns[1].default = "'x'";
            const table = appliedTable();
            table.columns[1].default = "'x'::text";
            expect(plan(withDefault, catalog(table, { canonicalColumns: { event_type: { type: "text", default: "'x'::text" } } })).steps).toEqual([]);
            expect(actions(plan(withDefault, catalog(table, { canonicalColumns: { event_type: { type: "text", default: "'y'::text" } } })))).toEqual(["alter-column"]);
        });
        it("does not fight the NOT NULL that a primary key implies", () => {
            const table = appliedTable();
            expect(table.columns[0].notNull).toBe(true);
            expect(plan(events(), catalog(table)).steps).toEqual([]);
        });
    });
});

describe("rolling window", () => {
    const rolling = (over: Partial<PartitionedTableInput["rolling"]> = {}) =>
        events({ partitions: [], defaultPartition: false, rolling: { interval: "1 month", premake: 1, retention: "3 months", ...over } });
    const monthly = (name: string, from: string, to: string) => ({ name, bound: range(from, to) });

    it("creates the current and premade partitions", () => {
        const p = plan(rolling(), catalog(null), { intent: "create" });
        expect(p.steps.filter((s) => s.action === "create-partition").map((s) => s.summary)).toEqual([
            "+ create partition events_p2024_05 FOR VALUES FROM ('2024-05-01 00:00:00+00') TO ('2024-06-01 00:00:00+00')",
            "+ create partition events_p2024_06 FOR VALUES FROM ('2024-06-01 00:00:00+00') TO ('2024-07-01 00:00:00+00')",
        ]);
    });

    it("keeps partitions behind the window until they expire, then detaches them", () => {
        const table = appliedTable({
            defaultPartition: null,
            indexes: [],
            partitions: [
                monthly("events_p2024_01", "2024-01-01", "2024-02-01"), // ends before 2024-02-17 (now - 3 months): expired
                monthly("events_p2024_02", "2024-02-01", "2024-03-01"), // still holds rows younger than 3 months
                monthly("events_p2024_05", "2024-05-01", "2024-06-01"),
                monthly("events_p2024_06", "2024-06-01", "2024-07-01"),
            ],
        });
        const spec = { ...rolling(), indexes: [] };
        const p = plan(spec, catalog(table));
        expect(p.steps).toEqual([expect.objectContaining({ action: "detach-partition", summary: expect.stringMatching(/events_p2024_01 .*expired: older than 3 months/) })]);
        const dropping = plan({ ...spec, rolling: { ...spec.rolling!, onExpire: "drop" } }, catalog(table));
        expect(dropping.steps).toEqual([expect.objectContaining({ action: "drop-partition", dataLoss: true })]);
    });

    it("creates the next partition as time moves on", () => {
        const table = appliedTable({ defaultPartition: null, indexes: [], partitions: [monthly("events_p2024_05", "2024-05-01", "2024-06-01"), monthly("events_p2024_06", "2024-06-01", "2024-07-01")] });
        const spec = { ...rolling(), indexes: [] };
        expect(plan(spec, catalog(table)).steps).toEqual([]);
        const later = plan(spec, catalog(table), { now: new Date("2024-06-02T00:00:00Z") });
        expect(later.steps.map((s) => s.summary)).toEqual(["+ create partition events_p2024_07 FOR VALUES FROM ('2024-07-01 00:00:00+00') TO ('2024-08-01 00:00:00+00')"]);
    });

    it("treats partitions that are not of the window's making as removed from the spec", () => {
        const table = appliedTable({ defaultPartition: null, indexes: [], partitions: [monthly("events_p2024_05", "2024-05-01", "2024-06-01"), monthly("events_p2024_06", "2024-06-01", "2024-07-01"), monthly("legacy", "2020-01-01", "2020-02-01")] });
        const p = plan({ ...rolling(), indexes: [] }, catalog(table));
        expect(p.steps).toEqual([expect.objectContaining({ action: "detach-partition", summary: expect.stringContaining("legacy") })]);
    });

    it("refuses explicit partitions that overlap the window", () => {
        const spec = events({ partitions: [{ name: "may", from: "2024-05-10", to: "2024-05-20" }], defaultPartition: false, rolling: { interval: "1 month" } });
        expect(plan(spec, catalog(null), { intent: "create" }).refusals).toEqual([{ field: "partitions[0]", reason: expect.stringContaining('rolling window\'s partition "events_p2024_05"') }]);
    });
});

describe("adoption (import)", () => {
    it("takes over a matching table with no steps", () => {
        const p = plan(events({ adoptExisting: true }), catalog(appliedTable()), { intent: "create", previous: null });
        expect(p).toEqual({ steps: [], refusals: [], notes: [] });
    });
    it("may add what is missing", () => {
        const table = appliedTable({ partitions: appliedTable().partitions.slice(0, 1) });
        const p = plan(events({ adoptExisting: true }), catalog(table), { intent: "create", previous: null });
        expect(p.refusals).toEqual([]);
        expect(actions(p)).toContain("create-partition");
    });
    it("refuses to take anything away", () => {
        const table = appliedTable();
        table.partitions.push({ name: "events_2023", bound: range("2023-01-01", "2024-01-01") });
        const p = plan(events({ adoptExisting: true }), catalog(table), { intent: "create", previous: null });
        expect(p.refusals).toEqual([{ field: "adoptExisting", reason: expect.stringContaining("would detach partition events_2023") }]);
    });
    it("refuses an ordinary table", () => {
        const p = plan(events({ adoptExisting: true }), catalog(appliedTable({ kind: "table" })), { intent: "create" });
        expect(p.refusals).toEqual([{ field: "name", reason: expect.stringContaining("ordinary (not partitioned) table") }]);
    });
});

describe("pg_partman mode", () => {
    const partmanSpec = () =>
        events({ partitions: [], defaultPartition: false, indexes: [], maintenance: { engine: "pg_partman", interval: "1 month", premake: 4, retention: "12 months" } });

    it("sets up create_parent, retention and a pg_cron job on create", () => {
        const p = plan(partmanSpec(), catalog(null, { extensions: { partman: { available: true, schema: null }, cron: { available: true, installed: false, usableHere: true } } }), { intent: "create" });
        expect(actions(p)).toEqual(["create-table", "setup-partman", "schedule-maintenance"]);
        expect(p.steps[1].statements).toEqual([
            'CREATE SCHEMA IF NOT EXISTS "partman"',
            'CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA "partman"',
            expect.stringContaining("create_parent(p_parent_table := 'public.events'"),
            expect.stringContaining("retention = '12 months', retention_keep_table = true"),
        ]);
        expect(p.steps[2].statements[0]).toBe("CREATE EXTENSION IF NOT EXISTS pg_cron");
    });

    it("refuses without pg_partman, and notes a missing pg_cron", () => {
        expect(plan(partmanSpec(), catalog(null, { extensions: { partman: { available: false, schema: null }, cron: { available: false, installed: false, usableHere: false } } }), { intent: "create" }).refusals).toEqual([
            { field: "maintenance", reason: expect.stringContaining("postgresql-<major>-partman") },
        ]);
        const p = plan(partmanSpec(), catalog(null, { extensions: { partman: { available: true, schema: "partman" }, cron: { available: false, installed: false, usableHere: false } } }), { intent: "create" });
        expect(actions(p)).toEqual(["create-table", "setup-partman"]);
        expect(p.notes[0]).toMatch(/pg_cron is not available/);
    });

    it("leaves pg_partman's partitions alone and updates only what changed", () => {
        const table = appliedTable({ indexes: [], partitions: [{ name: "events_p2024_05", bound: range("2024-05-01", "2024-06-01") }] });
        const configured = {
            partman: { interval: "1 mon", premake: 4, retention: "1 year", retentionKeepTable: true },
            cronJob: { name: "pgscale_partman_public.events", schedule: "0 * * * *", command: `SELECT "partman".run_maintenance(p_parent_table := 'public.events')` },
        };
        expect(plan(partmanSpec(), catalog(table, configured)).steps).toEqual([]);
        const more = { ...partmanSpec(), maintenance: { ...partmanSpec().maintenance!, premake: 8 } };
        expect(actions(plan(more, catalog(table, configured)))).toEqual(["configure-partman"]);
        const otherInterval = { ...partmanSpec(), maintenance: { ...partmanSpec().maintenance!, interval: "1 day" } };
        expect(plan(otherInterval, catalog(table, configured)).refusals).toEqual([{ field: "maintenance.interval", reason: expect.stringContaining("cannot change the interval") }]);
    });
});

describe("summarizePlan", () => {
    it("collapses long runs so big tables stay readable", () => {
        const spec = events({ partitions: [], defaultPartition: false, indexes: [], rolling: { interval: "1 day", premake: 99 } });
        const lines = summarizePlan(plan(spec, catalog(null), { intent: "create" }));
        expect(lines).toEqual([
            "+ create table public.events PARTITION BY RANGE (created_at)",
            "+ create partition events_p2024_05_17 FOR VALUES FROM ('2024-05-17 00:00:00+00') TO ('2024-05-18 00:00:00+00')",
            "  ... 98 more create-partition steps ...",
            "+ create partition events_p2024_08_24 FOR VALUES FROM ('2024-08-24 00:00:00+00') TO ('2024-08-25 00:00:00+00')",
        ]);
    });
});

describe("normalizeType", () => {
    it.each([
        ["timestamptz", "timestamp with time zone"],
        ["timestamptz(3)", "timestamp(3) with time zone"],
        ["varchar(20)", "character varying(20)"],
        ["numeric(10, 2)", "numeric(10,2)"],
        ["INT", "integer"],
        ["text[]", "text[]"],
        ["int4[3]", "integer[]"],
    ])("%s reads as %s", (t, want) => expect(normalizeType(t)).toBe(want));
});

describe("planRemoval", () => {
    it("drops the parent (and with it the partitions) and forgets pg_partman's configuration", () => {
        const cat = catalog(appliedTable(), {
            extensions: { partman: { available: true, schema: "partman" }, cron: { available: true, installed: true, usableHere: true } },
            partman: { interval: "1 mon", premake: 4, retention: null, retentionKeepTable: true },
            cronJob: { name: "pgscale_partman_public.events", schedule: "0 * * * *", command: "x" },
        });
        const p = planRemoval(events(), cat);
        expect(actions(p)).toEqual(["stop-partman", "drop-table"]);
        expect(p.steps[0].statements).toEqual([
            "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'pgscale_partman_public.events'",
            `DELETE FROM "partman"."part_config" WHERE parent_table = 'public.events'`,
            'DROP TABLE IF EXISTS "partman"."template_public_events"',
        ]);
        expect(p.steps[1]).toMatchObject({ statements: ['DROP TABLE "public"."events"'], dataLoss: true, summary: expect.stringContaining("3 partitions") });
    });
    it("has nothing to do for a table that is gone", () => {
        expect(planRemoval(events(), catalog(null)).steps).toEqual([]);
    });
});

describe("names held by other relations", () => {
    it("refuses before anything runs", () => {
        const p = plan(events(), catalog(null, { takenNames: { events_2024_q2: 'a partition of "other"', events_default: "a view" } }), { intent: "create" });
        expect(p.refusals).toEqual([
            { field: "partitions[1]", reason: '"events_2024_q2" is already taken in schema "public" by a partition of "other"; choose another name' },
            { field: "defaultPartition", reason: '"events_default" is already taken in schema "public" by a view; choose another name' },
        ]);
    });
});
