import { partitionDdl } from "@pgscale/core";
import { Engine, eventsSpec, type ResourceState, TestSchema } from "./partition-fixtures";

// Changing a PartitionedTable that holds rows: partitions added over a default
// partition, removed partitions, strategy changes, new indexes.

jest.setTimeout(120_000);

let db: TestSchema;
const engine = new Engine();

// Each test gets a schema of its own, dropped afterwards.
beforeEach(async () => {
    db = await TestSchema.create("update");
});
afterEach(async () => {
    await db.drop();
});

const q = (name: string, from: string, to: string) => ({ name, from, to });

/** A copy of the table under another name, so each test starts from its own. */
function table(name: string, over: Parameters<typeof eventsSpec>[1] = {}) {
    return eventsSpec(db.name, {
        name,
        partitions: [q(`${name}_2024_q1`, "2024-01-01", "2024-04-01"), q(`${name}_2024_q2`, "2024-04-01", "2024-07-01")],
        ...over,
    });
}

async function insertEvents(tableName: string, fromIso: string, hours: number): Promise<void> {
    await db.sql(
        `INSERT INTO "${db.name}"."${tableName}" (event_type, created_at)
         SELECT 'e' || (g % 3), $1::timestamptz + (g || ' hours')::interval FROM generate_series(0, $2::int - 1) g`,
        [fromIso, hours],
    );
}

describe("adding a partition whose range has rows in the default partition", () => {
    it("moves those rows into the new partition in the same transaction", async () => {
        let state = await engine.up(table("mv"));
        await insertEvents("mv", "2024-08-01", 48); // no partition for August yet: rows land in the default
        await insertEvents("mv", "2025-01-01", 5); // stays in the default
        expect(await db.count("mv_default")).toBe(53);
        const ids = await db.sql<{ id: string }>(`SELECT id::text FROM "${db.name}".mv_default WHERE created_at < '2024-10-01' ORDER BY id`);

        const next = table("mv", { partitions: [...table("mv").partitions!, q("mv_2024_q3", "2024-07-01", "2024-10-01")] });
        const preview = await engine.preview(next, state);
        expect(preview.plan).toEqual([
            "~ detach default partition mv_default while partitions are added",
            "+ create partition mv_2024_q3 FOR VALUES FROM ('2024-07-01') TO ('2024-10-01')",
            "~ move rows of the new ranges from mv_default into the new partitions, then re-attach mv_default as default",
        ]);
        state = await engine.up(next, state);

        expect(await db.count("mv_2024_q3")).toBe(48);
        expect(await db.count("mv_default")).toBe(5);
        // Identity values travel with the rows (OVERRIDING SYSTEM VALUE).
        expect(await db.sql<{ id: string }>(`SELECT id::text FROM "${db.name}".mv_2024_q3 ORDER BY id`)).toEqual(ids);
        expect((await db.partitions("mv")).map((p) => p.name)).toEqual(["mv_2024_q1", "mv_2024_q2", "mv_2024_q3", "mv_default"]);
        expect(await engine.preview(next, state)).toMatchObject({ plan: [], changes: false });
    });

    it("shows why PostgreSQL needs the move: a plain CREATE ... PARTITION OF fails", async () => {
        await engine.up(table("plain"));
        await insertEvents("plain", "2024-08-01", 2);
        await expect(db.sql(`CREATE TABLE "${db.name}".plain_q3 PARTITION OF "${db.name}".plain FOR VALUES FROM ('2024-07-01') TO ('2024-10-01')`)).rejects.toMatchObject({
            code: "23514",
        });
    });
});

describe("removing a partition from the spec", () => {
    let state: ResourceState;
    const fewer = () => table("rm", { partitions: [q("rm_2024_q2", "2024-04-01", "2024-07-01")] });
    beforeEach(async () => {
        state = await engine.up(table("rm"));
        await insertEvents("rm", "2024-02-01", 24);
    });

    it("detaches it: the table and its rows stay, preview says so", async () => {
        const preview = await engine.preview(fewer(), state);
        expect(preview.plan).toEqual([
            "- detach partition rm_2024_q1 FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-04-01 00:00:00+00') (not in the spec; the table and its rows are kept)",
        ]);
        state = await engine.up(fewer(), state);
        expect((await db.partitions("rm")).map((p) => p.name)).toEqual(["rm_2024_q2", "rm_default"]);
        expect(await db.tableExists("rm_2024_q1")).toBe(true);
        expect(await db.count("rm_2024_q1")).toBe(24);
    });

    it("re-attaches the kept table when the partition comes back", async () => {
        state = await engine.up(fewer(), state);
        expect(await db.tableExists("rm_2024_q1")).toBe(true);
        const preview = await engine.preview(table("rm"), state);
        expect(preview.plan).toContain(
            "+ attach existing table rm_2024_q1 FOR VALUES FROM ('2024-01-01') TO ('2024-04-01') (PostgreSQL checks its rows fit)",
        );
        state = await engine.up(table("rm"), state);
        expect((await db.partitions("rm")).map((p) => p.name)).toEqual(["rm_2024_q1", "rm_2024_q2", "rm_default"]);
        expect(await db.count("rm")).toBe(24);
    });

    it("drops it only when the spec asks for it", async () => {
        const dropping = table("rm", { partitions: [q("rm_2024_q2", "2024-04-01", "2024-07-01")], dataLoss: { dropRemovedPartitions: true } });
        const preview = await engine.preview(dropping, state);
        expect(preview.plan).toEqual([expect.stringMatching(/^! drop partition rm_2024_q1 .*deletes its rows/)]);
        state = await engine.up(dropping, state);
        expect(await db.tableExists("rm_2024_q1")).toBe(false);
        expect(await db.count("rm")).toBe(0);
    });
});

describe("changing the strategy or key", () => {
    const byType = (name: string, over: Parameters<typeof eventsSpec>[1] = {}) =>
        eventsSpec(db.name, {
            name,
            primaryKey: ["id", "event_type"],
            partitionBy: { strategy: "list", columns: ["event_type"] },
            partitions: [{ name: `${name}_e0`, values: ["e0"] }],
            defaultPartition: true,
            indexes: [],
            ...over,
        });

    it("is refused with an explanation while the table holds rows; nothing changes", async () => {
        const state = await engine.up(table("ks"));
        await insertEvents("ks", "2024-02-01", 3);
        const preview = await engine.preview(byType("ks"), state);
        expect(preview.failures).toEqual([
            { property: "partitionBy", reason: expect.stringMatching(/partitioned by RANGE \(created_at\) and holds rows; .*dataLoss\.recreateOnKeyChange: true/) },
        ]);
        await expect(engine.up(byType("ks"), state)).rejects.toThrow(/check failed/);
        // Bypassing preview does not help: update plans again and refuses.
        await expect((await import("@pgscale/postgres")).partitionedTableProvider.update!(state.id, state.outputs, engine.props(byType("ks")))).rejects.toThrow(/refused, nothing was changed/);
        expect(await db.count("ks")).toBe(3);
        expect((await db.sql<{ s: string }>("SELECT pg_get_partkeydef($1::regclass) AS s", [`"${db.name}".ks`]))[0].s).toBe("RANGE (created_at)");
    });

    it("recreates the table when the spec explicitly allows losing its rows", async () => {
        const state = await engine.up(table("ks2"));
        await insertEvents("ks2", "2024-02-01", 3);
        await engine.up(byType("ks2", { dataLoss: { recreateOnKeyChange: true } }), state);
        expect((await db.sql<{ s: string }>("SELECT pg_get_partkeydef($1::regclass) AS s", [`"${db.name}".ks2`]))[0].s).toBe("LIST (event_type)");
        expect(await db.count("ks2")).toBe(0);
    });

    it("recreates an empty table without asking", async () => {
        const state = await engine.up(table("ks3"));
        await engine.up(byType("ks3"), state);
        expect((await db.partitions("ks3")).map((p) => p.name)).toEqual(["ks3_default", "ks3_e0"]);
    });

    it("aborts that recreate if rows arrived after planning (the guard runs under lock in the transaction)", async () => {
        await engine.up(table("ks4"));
        await insertEvents("ks4", "2024-02-01", 1);
        await db.sql("BEGIN");
        try {
            for (const sql of partitionDdl.assertEmptySql(db.name, "ks4").slice(0, 1)) await db.sql(sql);
            await expect(db.sql(partitionDdl.assertEmptySql(db.name, "ks4")[1])).rejects.toMatchObject({ code: "55000" });
        } finally {
            await db.sql("ROLLBACK");
        }
        expect(await db.count("ks4")).toBe(1);
    });
});

describe("a new index on a table with rows", () => {
    it("is built ON ONLY the parent, CONCURRENTLY per partition, then attached", async () => {
        let state = await engine.up(table("ix", { indexes: [] }));
        await insertEvents("ix", "2024-01-01", 24 * 120);
        const next = table("ix", { indexes: [{ columns: ["event_type"], name: "ix_by_type" }] });
        const preview = await engine.preview(next, state);
        expect(preview.plan).toEqual([
            `+ create index ix_by_type on only ${db.name}.ix (event_type); valid once every partition's index is attached`,
            "+ build index ix_2024_q1_by_type on ix_2024_q1 concurrently and attach it to ix_by_type",
            "+ build index ix_2024_q2_by_type on ix_2024_q2 concurrently and attach it to ix_by_type",
            "+ build index ix_default_by_type on ix_default concurrently and attach it to ix_by_type",
        ]);
        state = await engine.up(next, state);
        // The partitions' indexes carry pgscale's names: PostgreSQL's own propagation would have named them *_event_type_idx.
        const rows = await db.sql<{ child: string; valid: boolean; parent_valid: boolean }>(
            `SELECT c.relname AS child, ci.indisvalid AS valid, pi.indisvalid AS parent_valid
               FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_index ci ON ci.indexrelid = i.inhrelid
               JOIN pg_index pi ON pi.indexrelid = i.inhparent
              WHERE i.inhparent = $1::regclass ORDER BY 1`,
            [`"${db.name}".ix_by_type`],
        );
        expect(rows).toEqual([
            { child: "ix_2024_q1_by_type", valid: true, parent_valid: true },
            { child: "ix_2024_q2_by_type", valid: true, parent_valid: true },
            { child: "ix_default_by_type", valid: true, parent_valid: true },
        ]);
        expect(await engine.preview(next, state)).toMatchObject({ plan: [], changes: false });
    });

    it("finishes a build that was interrupted (parent index invalid, some partitions missing)", async () => {
        let state = await engine.up(table("rs", { indexes: [] }));
        // What an interrupted run leaves: the parent's index ON ONLY, one partition's index attached.
        await db.sql(`CREATE INDEX rs_created_at_idx ON ONLY "${db.name}".rs (created_at)`);
        await db.sql(`CREATE INDEX rs_2024_q1_created_at_idx ON "${db.name}".rs_2024_q1 (created_at)`);
        await db.sql(`ALTER INDEX "${db.name}".rs_created_at_idx ATTACH PARTITION "${db.name}".rs_2024_q1_created_at_idx`);
        const next = table("rs", { indexes: [{ columns: ["created_at"] }] });
        const preview = await engine.preview(next, state);
        expect(preview.plan).toEqual([
            "+ build index rs_2024_q2_created_at_idx on rs_2024_q2 concurrently and attach it to rs_created_at_idx",
            "+ build index rs_default_created_at_idx on rs_default concurrently and attach it to rs_created_at_idx",
        ]);
        state = await engine.up(next, state);
        const [v] = await db.sql<{ valid: boolean }>("SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass", [`"${db.name}".rs_created_at_idx`]);
        expect(v.valid).toBe(true);
    });
});

describe("columns", () => {
    it("adds a column to the parent and every partition", async () => {
        const state = await engine.up(table("col"));
        const spec = table("col");
        spec.columns = [...spec.columns!, { name: "source", type: "text", default: "'web'" }];
        const preview = await engine.preview(spec, state);
        expect(preview.plan).toEqual(["+ add column source text"]);
        await engine.up(spec, state);
        const [r] = await db.sql<{ d: string }>(
            "SELECT pg_get_expr(d.adbin, d.adrelid) AS d FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = $1::regclass AND a.attname = 'source'",
            [`"${db.name}".col_2024_q1`],
        );
        expect(r.d).toBe("'web'::text");
    });
});
