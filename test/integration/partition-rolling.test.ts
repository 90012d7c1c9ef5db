import { rollingWindow, parsePartitionedTable } from "@pgscale/core";
import { Engine, eventsSpec, observedPartitions, TestSchema } from "./partition-fixtures";

// The rolling window: the current period plus premake, created by up; partitions
// older than the retention detached (or dropped when asked).

jest.setTimeout(60_000);

let db: TestSchema;
const engine = new Engine();

// Each test gets a schema of its own, dropped afterwards.
beforeEach(async () => {
    db = await TestSchema.create("rolling");
});
afterEach(async () => {
    await db.drop();
});

const daily = (name: string, onExpire: "detach" | "drop") =>
    eventsSpec(db.name, {
        name,
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "day", type: "date", notNull: true },
        ],
        primaryKey: ["id", "day"],
        partitionBy: { strategy: "range", columns: ["day"] },
        partitions: [],
        defaultPartition: false,
        indexes: [{ columns: ["day"] }],
        rolling: { interval: "1 day", premake: 3, retention: "7 days", onExpire },
    });

/** Window names as of now (computed the way the provider does). */
const windowNames = (spec: ReturnType<typeof daily>) => rollingWindow(parsePartitionedTable(spec, "x"), new Date())!.partitions.map((p) => p.name);

/** A partition of the window's shape for a day in the past, made by hand, with one row. */
async function pastPartition(table: string, day: string): Promise<string> {
    const name = `${table}_p${day.replace(/-/g, "_")}`;
    await db.sql(`CREATE TABLE "${db.name}"."${name}" PARTITION OF "${db.name}"."${table}" FOR VALUES FROM ('${day}') TO (date '${day}' + 1)`);
    await db.sql(`INSERT INTO "${db.name}"."${table}" (day) VALUES ($1)`, [day]);
    return name;
}

it("creates today's partition and premake more, named from their bounds", async () => {
    const spec = daily("roll", "detach");
    const expected = windowNames(spec);
    const state = await engine.up(spec);
    expect(expected).toHaveLength(4);
    expect(observedPartitions(state)).toEqual(expected);
    const today = new Date().toISOString().slice(0, 10);
    expect(expected[0]).toBe(`roll_p${today.replace(/-/g, "_")}`);
    expect((await db.partitions("roll"))[0].bound).toBe(`FOR VALUES FROM ('${today}') TO ('${new Date(Date.parse(today) + 86_400_000).toISOString().slice(0, 10)}')`);
    await db.sql(`INSERT INTO "${db.name}".roll (day) VALUES (current_date)`);
    expect(await db.count(expected[0])).toBe(1);
});

it("detaches partitions past the retention, keeps younger ones, and leaves the rest alone", async () => {
    let state = await engine.up(daily("exp", "detach"));
    const old = await pastPartition("exp", "2020-01-01");
    const recent = await pastPartition("exp", new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10));
    const preview = await engine.preview(daily("exp", "detach"), state);
    expect(preview.plan).toEqual([expect.stringMatching(new RegExp(`^- detach partition ${old} .*expired: older than 7 days; the table and its rows are kept`))]);
    state = await engine.up(daily("exp", "detach"), state);
    const attached = (await db.partitions("exp")).map((p) => p.name);
    expect(attached).not.toContain(old);
    expect(attached).toContain(recent);
    expect(await db.count(old)).toBe(1);
});

it("drops expired partitions when onExpire is drop", async () => {
    const state = await engine.up(daily("expd", "drop"));
    const old = await pastPartition("expd", "2020-01-01");
    const preview = await engine.preview(daily("expd", "drop"), state);
    expect(preview.plan).toEqual([expect.stringMatching(new RegExp(`^! drop partition ${old} .*deletes its rows`))]);
    await engine.up(daily("expd", "drop"), state);
    expect(await db.tableExists(old)).toBe(false);
});
