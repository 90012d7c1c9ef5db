import { PgscaleSqlError, partitionedTableProvider } from "@pgscale/postgres";
import { Engine, eventsSpec as issueSpec, testPgUri, TestSchema } from "./partition-fixtures";

// Deleting the resource, and what errors say (and never say).

jest.setTimeout(60_000);

let db: TestSchema;
const engine = new Engine();

// Each test gets a schema of its own, dropped afterwards.
beforeEach(async () => {
    db = await TestSchema.create("life");
});
afterEach(async () => {
    await db.drop();
});

/** The issue's table under `name`, its partitions named after it. */
function eventsSpec(schema: string, over: Parameters<typeof issueSpec>[1] & { name: string }) {
    const n = over.name;
    return issueSpec(schema, {
        partitions: [
            { name: `${n}_2024_q1`, from: "2024-01-01", to: "2024-04-01" },
            { name: `${n}_2024_q2`, from: "2024-04-01", to: "2024-07-01" },
        ],
        ...over,
    });
}

describe("removal policy", () => {
    it("retains the table and its rows by default", async () => {
        const state = await engine.up(eventsSpec(db.name, { name: "keep" }));
        expect(state.outputs.removalPolicy).toBe("retain");
        await db.sql(`INSERT INTO "${db.name}".keep (event_type, created_at) VALUES ('a', '2024-02-01')`);
        await engine.destroy(state);
        expect(await db.count("keep")).toBe(1);
        expect((await db.partitions("keep")).map((p) => p.name)).toEqual(["keep_2024_q1", "keep_2024_q2", "keep_default"]);
    });

    it("drops the table with its partitions when the policy is destroy", async () => {
        const state = await engine.up(eventsSpec(db.name, { name: "gone", removalPolicy: "destroy" }));
        await db.sql(`INSERT INTO "${db.name}".gone (event_type, created_at) VALUES ('a', '2024-02-01')`);
        await engine.destroy(state);
        for (const t of ["gone", "gone_2024_q1", "gone_2024_q2", "gone_default"]) expect(await db.tableExists(t)).toBe(false);
    });

    it("refuses to drop a table something else depends on, instead of cascading", async () => {
        const state = await engine.up(eventsSpec(db.name, { name: "dep", removalPolicy: "destroy" }));
        await db.sql(`CREATE VIEW "${db.name}".dep_view AS SELECT count(*) FROM "${db.name}".dep`);
        await expect(engine.destroy(state)).rejects.toMatchObject({ sqlstate: "2BP01", statement: `DROP TABLE "${db.name}"."dep"` });
        expect(await db.tableExists("dep")).toBe(true);
    });
});

describe("errors", () => {
    const uri = new URL(testPgUri());
    const password = decodeURIComponent(uri.password);

    it("carry the SQLSTATE and the failed statement", async () => {
        const state = await engine.up(eventsSpec(db.name, { name: "err", partitions: [], defaultPartition: false, indexes: [] }));
        // A detached table whose rows do not fit the bounds the spec gives it: ATTACH fails.
        await db.sql(`CREATE TABLE "${db.name}".err_q1 (LIKE "${db.name}".err)`);
        await db.sql(`INSERT INTO "${db.name}".err_q1 (id, event_type, created_at) VALUES (1, 'x', '2030-01-01')`);
        const spec = eventsSpec(db.name, { name: "err", partitions: [{ name: "err_q1", from: "2024-01-01", to: "2024-04-01" }], defaultPartition: false, indexes: [] });
        const err = (await engine.up(spec, state).catch((e: unknown) => e)) as PgscaleSqlError;
        expect(err).toBeInstanceOf(PgscaleSqlError);
        expect(err.sqlstate).toBe("23514");
        expect(err.statement).toBe(`ALTER TABLE "${db.name}"."err" ATTACH PARTITION "${db.name}"."err_q1" FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')`);
        expect(err.message).toMatch(/^step "\+ attach existing table err_q1 .*" failed: .*\(SQLSTATE 23514\)\n {2}statement: ALTER TABLE/);
        expect(err.message).not.toContain(password);
    });

    it("never contain the connection string or its password, even when it is wrong", async () => {
        const wrong = new URL(testPgUri());
        wrong.password = "Wr0ng-s3cret";
        const bad = new Engine(wrong.toString());
        const err = (await bad.preview(eventsSpec(db.name, { name: "nope" })).catch((e: unknown) => e)) as PgscaleSqlError;
        expect(err).toBeInstanceOf(PgscaleSqlError);
        expect(err.sqlstate).toBe("28P01");
        expect(err.message).toMatch(/cannot connect to PostgreSQL: password authentication failed/);
        for (const secret of ["Wr0ng-s3cret", wrong.toString(), testPgUri(), password]) expect(err.message).not.toContain(secret);
    });

    it("keep the connection out of what preview shows and out of the observed state", async () => {
        const state = await engine.up(eventsSpec(db.name, { name: "quiet" }));
        const preview = await engine.preview(eventsSpec(db.name, { name: "quiet", indexes: [] }), state);
        const { connection, ...rest } = state.outputs;
        expect(connection).toBe(testPgUri()); // kept for read/delete; a secret output (see resource.test.ts)
        for (const shown of [JSON.stringify(rest), JSON.stringify(preview.plan), JSON.stringify(preview.failures)]) {
            expect(shown).not.toContain(password);
            expect(shown).not.toContain(uri.host + "/");
        }
    });

    it("are check failures, not crashes, when the server rejects a column type", async () => {
        const spec = eventsSpec(db.name, { name: "badtype" });
        spec.columns![2] = { name: "data", type: "jsonbb" };
        const checked = await partitionedTableProvider.check!({}, engine.props(spec));
        expect(checked.failures).toEqual([{ property: "columns", reason: expect.stringMatching(/^columns\[2\]: type "jsonbb" does not exist \(SQLSTATE 42704\)/) }]);
    });
});

describe("preview while the connection is not known yet (the cluster is created in the same stack)", () => {
    it("validates the spec and says the plan comes once the database can be asked", async () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"; // the engine's placeholder for unknown values
        const checked = await partitionedTableProvider.check!({}, engine.props(eventsSpec(db.name, { name: "later" }), unknown));
        expect(checked.failures ?? []).toEqual([]);
        expect(checked.inputs!.plan).toEqual(["(the connection is not known yet: pgscale plans against the database when it is)"]);
        const diff = await partitionedTableProvider.diff!("x", { ...checked.inputs, connection: testPgUri() }, checked.inputs!);
        expect(diff.changes).toBe(true);
    });
});
