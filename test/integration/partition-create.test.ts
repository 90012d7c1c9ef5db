import { PgscaleValidationError } from "@pgscale/core";
import { partitionedTableProvider } from "@pgscale/postgres";
import { Engine, eventsSpec, observedPartitions, ordersSpec, sessionsSpec, TestSchema } from "./partition-fixtures";

// Creating partitioned tables through the provider against a real PostgreSQL:
// the three strategies, the single transaction, hostile input, pruning.

jest.setTimeout(60_000);

let db: TestSchema;
const engine = new Engine();

// Each test gets a schema of its own, dropped afterwards.
beforeEach(async () => {
    db = await TestSchema.create("create");
});
afterEach(async () => {
    await db.drop();
});

describe("range", () => {
    it("creates parent, partitions, default partition and indexes, and reports them", async () => {
        const state = await engine.up(eventsSpec(db.name));
        expect(state.id).toBe(`${db.name}.events`);
        expect(await db.partitions("events")).toEqual([
            { name: "events_2024_q1", bound: "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-04-01 00:00:00+00')" },
            { name: "events_2024_q2", bound: "FOR VALUES FROM ('2024-04-01 00:00:00+00') TO ('2024-07-01 00:00:00+00')" },
            { name: "events_default", bound: "DEFAULT" },
        ]);
        // Indexes declared on the parent exist, valid, on every partition.
        const idx = await db.sql<{ parent: string; valid: boolean; children: string }>(
            `SELECT ic.relname AS parent, ix.indisvalid AS valid, (SELECT count(*) FROM pg_inherits WHERE inhparent = ix.indexrelid)::text AS children
               FROM pg_index ix JOIN pg_class ic ON ic.oid = ix.indexrelid
              WHERE ix.indrelid = $1::regclass ORDER BY 1`,
            [`"${db.name}".events`],
        );
        expect(idx).toEqual([
            { parent: "events_created_at_idx", valid: true, children: "3" },
            { parent: "events_event_type_idx", valid: true, children: "3" },
            { parent: "events_pkey", valid: true, children: "3" },
        ]);
        expect(observedPartitions(state)).toEqual(["events_2024_q1", "events_2024_q2"]);
        expect(state.outputs.applied).toEqual([
            `+ create table ${db.name}.events PARTITION BY RANGE (created_at)`,
            "+ create partition events_2024_q1 FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')",
            "+ create partition events_2024_q2 FOR VALUES FROM ('2024-04-01') TO ('2024-07-01')",
            "+ create default partition events_default",
            `+ create index events_created_at_idx on ${db.name}.events (created_at) and its partitions`,
            `+ create index events_event_type_idx on ${db.name}.events (event_type) and its partitions`,
        ]);
        // A second preview of the same spec has nothing to do.
        const again = await engine.preview(eventsSpec(db.name), state);
        expect(again).toMatchObject({ plan: [], changes: false, failures: [] });
    });

    it("prunes partitions for a query by the partition key (EXPLAIN)", async () => {
        await engine.up(eventsSpec(db.name));
        await db.sql(`INSERT INTO "${db.name}".events (event_type, created_at)
                      SELECT 'e', timestamptz '2024-01-01' + (g || ' hours')::interval FROM generate_series(0, 24 * 200) g`);
        await db.sql(`ANALYZE "${db.name}".events`);
        const [{ "QUERY PLAN": planJson }] = await db.sql<{ "QUERY PLAN": unknown }>(
            `EXPLAIN (FORMAT JSON) SELECT count(*) FROM "${db.name}".events WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01'`,
        );
        const scanned = relationsIn(planJson);
        expect(scanned).toEqual(["events_2024_q1"]);
        const [{ "QUERY PLAN": all }] = await db.sql<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) SELECT count(*) FROM "${db.name}".events`);
        expect(relationsIn(all).sort()).toEqual(["events_2024_q1", "events_2024_q2", "events_default"]);
    });
});

describe("list", () => {
    it("creates value lists and routes rows by them", async () => {
        await engine.up(ordersSpec(db.name));
        await db.sql(`INSERT INTO "${db.name}".orders (region, total) VALUES ('US', 1), ('DE', 2), ('JP', 3), ('CA', 4)`);
        const rows = await db.sql<{ part: string; n: string }>(`SELECT tableoid::regclass::text AS part, count(*)::text AS n FROM "${db.name}".orders GROUP BY 1 ORDER BY 1`);
        expect(rows.map((r) => [r.part.split(".").pop(), r.n])).toEqual([
            ["orders_asia", "1"],
            ["orders_eu", "1"],
            ["orders_us", "2"],
        ]);
        const [{ "QUERY PLAN": plan }] = await db.sql<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) SELECT * FROM "${db.name}".orders WHERE region = 'US'`);
        expect(relationsIn(plan)).toEqual(["orders_us"]);
    });

    it("refuses rows of values no partition lists (there is no default partition)", async () => {
        await engine.up(ordersSpec(db.name));
        await expect(db.sql(`INSERT INTO "${db.name}".orders (region) VALUES ('BR')`)).rejects.toMatchObject({ code: "23514" });
    });
});

describe("hash", () => {
    it("creates every remainder of the modulus and spreads rows over them", async () => {
        await engine.up(sessionsSpec(db.name));
        expect((await db.partitions("user_sessions")).map((p) => p.bound)).toEqual([0, 1, 2, 3].map((r) => `FOR VALUES WITH (modulus 4, remainder ${r})`));
        await db.sql(`INSERT INTO "${db.name}".user_sessions (id, user_id) SELECT g, g FROM generate_series(1, 400) g`);
        const per = await db.sql<{ n: string }>(`SELECT count(*)::text AS n FROM "${db.name}".user_sessions GROUP BY tableoid`);
        expect(per).toHaveLength(4);
    });
});

describe("one transaction", () => {
    it("leaves nothing behind when a statement fails midway, and says which one and why", async () => {
        // Text keys have no order pgscale can check (collations), so PostgreSQL finds the overlap: at the second partition.
        const spec = {
            schema: db.name,
            name: "tx",
            columns: [{ name: "code", type: "text", notNull: true }],
            partitionBy: { strategy: "range" as const, columns: ["code"] },
            partitions: [
                { name: "tx_a", from: "a", to: "m" },
                { name: "tx_k", from: "k", to: "z" },
            ],
            indexes: [{ columns: ["code"] }],
        };
        const err = await engine.up(spec).then(
            () => undefined,
            (e: Error & { sqlstate?: string; statement?: string }) => e,
        );
        expect(err).toBeDefined();
        expect(err!.sqlstate).toBe("42P17");
        expect(err!.statement).toBe(`CREATE TABLE "${db.name}"."tx_k" PARTITION OF "${db.name}"."tx" FOR VALUES FROM ('k') TO ('z')`);
        expect(err!.message).toMatch(/partition "tx_k" would overlap partition "tx_a" \(SQLSTATE 42P17\)/);
        expect(await db.tableExists("tx")).toBe(false);
        expect(await db.tableExists("tx_a")).toBe(false);
    });

    it("refuses in preview a partition name another relation holds", async () => {
        await db.sql(`CREATE VIEW "${db.name}".vw_q2 AS SELECT 1 AS x`);
        const spec = eventsSpec(db.name, { name: "vw", partitions: [{ name: "vw_q1", from: "2024-01-01", to: "2024-04-01" }, { name: "vw_q2", from: "2024-04-01", to: "2024-07-01" }] });
        const preview = await engine.preview(spec);
        expect(preview.failures).toEqual([{ property: "partitions", reason: `partitions[1]: "vw_q2" is already taken in schema "${db.name}" by a view; choose another name` }]);
    });
});

describe("hostile input", () => {
    beforeEach(async () => {
        await db.sql(`CREATE TABLE "${db.name}".sentinel (x int)`);
    });

    it("quotes a table name carrying SQL: the odd name is created, nothing else runs", async () => {
        const name = `x"; drop table "${db.name}".sentinel; --`;
        const state = await engine.up(eventsSpec(db.name, { name, partitions: [], defaultPartition: false, indexes: [] }));
        expect(state.id).toBe(`${db.name}.${name}`);
        expect(await db.tableExists("sentinel")).toBe(true);
        expect((await db.sql<{ relname: string }>("SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relname = $2", [db.name, name])).length).toBe(1);
    });

    it("passes list values as literals", async () => {
        const value = `'); drop table "${db.name}".sentinel; --`;
        await engine.up(ordersSpec(db.name, { name: "orders_odd", partitions: [{ name: "orders_odd_one", values: [value, "it's"] }] }));
        await db.sql(`INSERT INTO "${db.name}".orders_odd (region) VALUES ($1), ($2)`, [value, "it's"]);
        expect(await db.count("orders_odd_one")).toBe(2);
        expect(await db.tableExists("sentinel")).toBe(true);
    });

    it("rejects SQL in a column type or default at construction, naming the field", () => {
        const spec = eventsSpec(db.name, { name: "evil" });
        spec.columns![1] = { name: "event_type", type: `text; drop table "${db.name}".sentinel` };
        spec.columns![3] = { name: "created_at", type: "timestamptz", default: `now()); drop table "${db.name}".sentinel; --` };
        let err: unknown;
        try {
            engine.props(spec);
        } catch (e) {
            err = e;
        }
        expect(err).toBeInstanceOf(PgscaleValidationError);
        expect((err as PgscaleValidationError).issues.map((i) => i.field)).toEqual(["columns[1].type", "columns[3].default"]);
    });

    it("rejects them in the provider's check too, so state written by hand cannot smuggle SQL", async () => {
        const props = engine.props(eventsSpec(db.name, { name: "evil2" }));
        (props.columns as { default?: string }[])[3].default = `now()); drop table "${db.name}".sentinel; --`;
        const checked = await partitionedTableProvider.check!({}, props);
        expect(checked.failures).toEqual([{ property: "columns", reason: expect.stringMatching(/^columns\[3\]\.default: /) }]);
        expect(await db.tableExists("evil2")).toBe(false);
        expect(await db.tableExists("sentinel")).toBe(true);
    });
});

/** Relation names scanned in an EXPLAIN (FORMAT JSON) plan. */
function relationsIn(plan: unknown): string[] {
    const out: string[] = [];
    const walk = (n: unknown) => {
        if (Array.isArray(n)) n.forEach(walk);
        else if (n && typeof n === "object") {
            const o = n as Record<string, unknown>;
            if (typeof o["Relation Name"] === "string") out.push(o["Relation Name"] as string);
            Object.values(o).forEach(walk);
        }
    };
    walk(plan);
    return out;
}
