import * as ddl from "./ddl";
import { keyColumns } from "./resolve";
import { partitionedTableFields } from "./spec";

const events = partitionedTableFields.parse({
    schema: "app",
    name: "events",
    columns: [
        { name: "id", type: "bigint", identity: "always" },
        { name: "event_type", type: "text", notNull: true },
        { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
    ],
    primaryKey: ["id", "created_at"],
    partitionBy: { strategy: "range", columns: ["created_at"] },
});

describe("partition DDL", () => {
    it("creates the parent with quoted names, identity, defaults and the partition key", () => {
        expect(ddl.createTableSql(events)).toBe(
            'CREATE TABLE "app"."events" (\n' +
                '    "id" bigint GENERATED ALWAYS AS IDENTITY,\n' +
                '    "event_type" text NOT NULL,\n' +
                '    "created_at" timestamptz NOT NULL DEFAULT (now()),\n' +
                '    PRIMARY KEY ("id", "created_at")\n' +
                ') PARTITION BY RANGE ("created_at")',
        );
    });

    it("creates, attaches, detaches and drops partitions", () => {
        const bound = { kind: "range" as const, from: ["2024-01-01"], to: ["2024-04-01"] };
        expect(ddl.createPartitionSql(events, { name: "q1", bound })).toBe(`CREATE TABLE "app"."q1" PARTITION OF "app"."events" FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')`);
        expect(ddl.createDefaultPartitionSql(events, "events_default")).toBe('CREATE TABLE "app"."events_default" PARTITION OF "app"."events" DEFAULT');
        expect(ddl.attachPartitionSql(events, "q1", bound)).toBe(`ALTER TABLE "app"."events" ATTACH PARTITION "app"."q1" FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')`);
        expect(ddl.attachPartitionSql(events, "d", "default")).toBe('ALTER TABLE "app"."events" ATTACH PARTITION "app"."d" DEFAULT');
        expect(ddl.detachPartitionSql(events, "q1")).toBe('ALTER TABLE "app"."events" DETACH PARTITION "app"."q1"');
        expect(ddl.dropTableSql("app", "q1")).toBe('DROP TABLE "app"."q1"');
    });

    it("moves default-partition rows through the parent, keeping identity values", () => {
        const sql = ddl.moveDefaultRowsSql(events, keyColumns(events), "events_default", [
            { kind: "range", from: ["2024-01-01"], to: ["2024-04-01"] },
            { kind: "range", from: ["2024-04-01"], to: ["2024-07-01"] },
        ]);
        expect(sql).toBe(
            'WITH moved AS (DELETE FROM "app"."events_default" WHERE ("created_at" >= \'2024-01-01\' AND "created_at" < \'2024-04-01\') OR ("created_at" >= \'2024-04-01\' AND "created_at" < \'2024-07-01\') RETURNING "id", "event_type", "created_at") ' +
                'INSERT INTO "app"."events" ("id", "event_type", "created_at") OVERRIDING SYSTEM VALUE SELECT "id", "event_type", "created_at" FROM moved',
        );
    });

    it("uses row comparison for multi-column ranges and IN for lists", () => {
        const key = [
            { name: "a", type: "int", kind: "integer" as const },
            { name: "b", type: "date", kind: "date" as const },
        ];
        expect(ddl.boundCondition(key, { kind: "range", from: [1, "2024-01-01"], to: [2, "2024-01-01"] })).toBe(`ROW("a", "b") >= ROW(1, '2024-01-01') AND ROW("a", "b") < ROW(2, '2024-01-01')`);
        expect(ddl.boundCondition([{ name: "region", type: "text", kind: "opaque" }], { kind: "list", values: ["US", "it's"] })).toBe(`"region" IN ('US', 'it''s')`);
    });

    it("builds indexes on the parent, or ON ONLY plus CONCURRENTLY per partition", () => {
        const ix = { name: "events_created_at_idx", columns: ["created_at"], unique: false, method: "btree" };
        expect(ddl.createIndexSql(events, ix)).toBe('CREATE INDEX "events_created_at_idx" ON "app"."events" USING btree ("created_at")');
        expect(ddl.createIndexOnOnlySql(events, { ...ix, unique: true })).toBe('CREATE UNIQUE INDEX IF NOT EXISTS "events_created_at_idx" ON ONLY "app"."events" USING btree ("created_at")');
        expect(ddl.buildPartitionIndexSql("app", "q1", "q1_created_at_idx", ix)).toEqual([
            'DROP INDEX CONCURRENTLY IF EXISTS "app"."q1_created_at_idx"',
            'CREATE INDEX CONCURRENTLY "q1_created_at_idx" ON "app"."q1" USING btree ("created_at")',
            'ALTER INDEX "app"."events_created_at_idx" ATTACH PARTITION "app"."q1_created_at_idx"',
        ]);
    });

    it("alters columns and the primary key", () => {
        expect(ddl.addColumnSql(events, { name: "note", type: "text", notNull: false, default: "'x'" })).toBe(`ALTER TABLE "app"."events" ADD COLUMN "note" text DEFAULT ('x')`);
        expect(ddl.dropColumnSql(events, "note")).toBe('ALTER TABLE "app"."events" DROP COLUMN "note"');
        expect(ddl.setNotNullSql(events, "note", false)).toBe('ALTER TABLE "app"."events" ALTER COLUMN "note" DROP NOT NULL');
        expect(ddl.setDefaultSql(events, "note", undefined)).toBe('ALTER TABLE "app"."events" ALTER COLUMN "note" DROP DEFAULT');
        expect(ddl.setDefaultSql(events, "note", "'y'")).toBe(`ALTER TABLE "app"."events" ALTER COLUMN "note" SET DEFAULT ('y')`);
        expect(ddl.dropConstraintSql(events, "events_pkey")).toBe('ALTER TABLE "app"."events" DROP CONSTRAINT "events_pkey"');
        expect(ddl.addPrimaryKeySql(events, ["id", "created_at"])).toBe('ALTER TABLE "app"."events" ADD PRIMARY KEY ("id", "created_at")');
    });

    it("quotes a hostile table name into one identifier", () => {
        const hostile = { ...events, name: 'x"; drop table y; --' };
        expect(ddl.detachPartitionSql(hostile, "p")).toBe('ALTER TABLE "app"."x""; drop table y; --" DETACH PARTITION "app"."p"');
    });
});

describe("probeColumnDefinition", () => {
    it("keeps only what the server must spell: type and default", () => {
        expect(ddl.probeColumnDefinition({ name: "t", type: "timestamptz", notNull: true, default: "now()" })).toBe('"t" timestamptz DEFAULT (now())');
        expect(ddl.probeColumnDefinition({ name: "id", type: "bigint", notNull: false, identity: "always" })).toBe('"id" bigint');
    });
});

describe("assertEmptySql", () => {
    it("locks the table and fails the transaction if it has rows", () => {
        expect(ddl.assertEmptySql("app", "events")).toEqual([
            'LOCK TABLE "app"."events" IN ACCESS EXCLUSIVE MODE',
            `DO $pgscale$BEGIN IF EXISTS (SELECT 1 FROM "app"."events") THEN RAISE EXCEPTION 'table % received rows after pgscale planned to recreate it empty', 'app.events' USING ERRCODE = '55000'; END IF; END$pgscale$`,
        ]);
    });
    it("picks a dollar-quote tag the body does not contain", () => {
        expect(ddl.assertEmptySql("app", "x$pgscale$y")[1]).toMatch(/^DO \$pgscale0\$.*\$pgscale0\$$/);
    });
});
