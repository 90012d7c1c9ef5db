import { Engine, eventsSpec, observedPartitions, playbookEventsSpec, playbookEventsSql, TestSchema } from "./partition-fixtures";

// `pulumi refresh` reads the catalog and shows drift; `pulumi import` (adoptExisting)
// takes over a table made by hand.

jest.setTimeout(60_000);

let db: TestSchema;
const engine = new Engine();

// Each test gets a schema of its own, dropped afterwards.
beforeEach(async () => {
    db = await TestSchema.create("refresh");
});
afterEach(async () => {
    await db.drop();
});

describe("refresh", () => {
    it("shows partitions and indexes changed outside pgscale, and the next up repairs them", async () => {
        const spec = eventsSpec(db.name, { name: "dr", partitions: [{ name: "dr_q1", from: "2024-01-01", to: "2024-04-01" }, { name: "dr_q2", from: "2024-04-01", to: "2024-07-01" }] });
        const state = await engine.up(spec);
        await db.sql(`ALTER TABLE "${db.name}".dr DETACH PARTITION "${db.name}".dr_q2`);
        await db.sql(`CREATE TABLE "${db.name}".dr_extra PARTITION OF "${db.name}".dr FOR VALUES FROM ('2030-01-01') TO ('2031-01-01')`);
        await db.sql(`DROP INDEX "${db.name}".dr_event_type_idx`);

        const refreshed = (await engine.refresh(state))!;
        expect(observedPartitions(state)).toEqual(["dr_q1", "dr_q2"]);
        expect(observedPartitions(refreshed)).toEqual(["dr_extra", "dr_q1"]);
        const indexNames = (s: typeof state) => (s.outputs.observed as { indexes: { name: string }[] }).indexes.map((i) => i.name);
        expect(indexNames(refreshed)).toEqual(["dr_created_at_idx"]);
        // The declared spec is untouched by refresh; only what was observed changed.
        expect(refreshed.outputs.partitions).toEqual(state.outputs.partitions);

        const preview = await engine.preview(spec, refreshed);
        expect(preview.changes).toBe(true);
        expect(preview.plan).toEqual(
            expect.arrayContaining([
                "- detach partition dr_extra FOR VALUES FROM ('2030-01-01 00:00:00+00') TO ('2031-01-01 00:00:00+00') (not in the spec; the table and its rows are kept)",
                "+ attach existing table dr_q2 FOR VALUES FROM ('2024-04-01') TO ('2024-07-01') (PostgreSQL checks its rows fit)",
                `+ create index dr_event_type_idx on only ${db.name}.dr (event_type); valid once every partition's index is attached`,
            ]),
        );
        const repaired = await engine.up(spec, refreshed);
        expect(observedPartitions(repaired)).toEqual(["dr_q1", "dr_q2"]);
        expect(await engine.preview(spec, repaired)).toMatchObject({ plan: [], changes: false });
    });

    it("drops the resource from the stack when the table is gone", async () => {
        const state = await engine.up(eventsSpec(db.name, { name: "gone", partitions: [], indexes: [] }));
        await db.sql(`DROP TABLE "${db.name}".gone`);
        expect(await engine.refresh(state)).toBeUndefined();
    });
});

describe("import of an existing table (adoptExisting)", () => {
    beforeEach(async () => {
        for (const sql of playbookEventsSql(db.name)) await db.sql(sql);
        await db.sql(`INSERT INTO "${db.name}".events (event_type, created_at) VALUES ('a', '2024-02-01'), ('b', '2024-11-01'), ('c', '2026-01-01')`);
    });

    it("is refused without adoptExisting, naming the option", async () => {
        const preview = await engine.preview(playbookEventsSpec(db.name, { adoptExisting: false }));
        expect(preview.failures).toEqual([{ property: "adoptExisting", reason: expect.stringContaining("already exists") }]);
    });

    it("is refused when the spec would take something away", async () => {
        const spec = playbookEventsSpec(db.name);
        spec.partitions = spec.partitions!.slice(0, 3);
        spec.partitionBy = { strategy: "range", columns: ["created_at"] };
        const preview = await engine.preview(spec);
        expect(preview.failures).toEqual([{ property: "adoptExisting", reason: expect.stringContaining("would detach partition events_2024_q4") }]);
    });

    it("takes the table over without running DDL, and manages it from then on", async () => {
        const before = await db.partitions("events");
        const preview = await engine.preview(playbookEventsSpec(db.name));
        expect(preview).toMatchObject({ failures: [], plan: [] });
        let state = await engine.up(playbookEventsSpec(db.name));
        expect(state.outputs.applied).toEqual([]);
        expect(await db.partitions("events")).toEqual(before);
        expect(observedPartitions(state)).toEqual(["events_2024_q1", "events_2024_q2", "events_2024_q3", "events_2024_q4"]);
        expect(await engine.preview(playbookEventsSpec(db.name), state)).toMatchObject({ plan: [], changes: false });

        const next = playbookEventsSpec(db.name);
        next.partitions = [...next.partitions!, { name: "events_2025", from: "2025-01-01", to: "2026-04-01" }];
        state = await engine.up(next, state);
        expect(await db.count("events_2025")).toBe(1); // the 2026-01-01 row left the default partition
        expect(await db.count("events")).toBe(3);
    });
});
