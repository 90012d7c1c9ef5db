import { attachMigration, copyMigration, hashTableDdl, listTableDdl, newTableName } from "./migration-sql";
import { LIST_EXAMPLE, TABLE_TEMPLATES } from "./tables";

// The statements were also run against PostgreSQL 15 while writing them; these
// tests pin the properties that make them safe.

describe("attachMigration (range)", () => {
    const m = attachMigration(TABLE_TEMPLATES.range, "2026-12-01", [{ name: "events_p2026_12", from: "2026-12-01", to: "2027-01-01" }]);

    test("online preparation: CONCURRENTLY index, NOT VALID check, then VALIDATE", () => {
        expect(m.prepare[0]).toMatch(/^CREATE UNIQUE INDEX CONCURRENTLY "events_id_created_at_key" ON "public"."events" \("id", "created_at"\);$/);
        expect(m.prepare[1]).toContain(`CHECK ("created_at" >= '1970-01-01 00:00:00+00' AND "created_at" < '2026-12-01 00:00:00+00') NOT VALID`);
        expect(m.prepare[2]).toBe(`ALTER TABLE "public"."events" VALIDATE CONSTRAINT "events_legacy_bounds";`);
    });

    test("one transaction with a lock timeout; bounds equal the check; identity continues", () => {
        expect(m.swap[0]).toBe("BEGIN;");
        expect(m.swap[1]).toBe("SET LOCAL lock_timeout = '5s';");
        expect(m.swap[m.swap.length - 1]).toBe("COMMIT;");
        const sql = m.swap.join("\n");
        expect(sql).toContain(`PRIMARY KEY USING INDEX "events_id_created_at_key"`);
        expect(sql).toContain(`ATTACH PARTITION "public"."events_legacy" FOR VALUES FROM ('1970-01-01 00:00:00+00') TO ('2026-12-01 00:00:00+00');`);
        expect(sql).toContain("RESTART WITH");
        expect(sql).toContain(`PARTITION BY RANGE ("created_at")`);
        expect(sql).toContain(`CREATE TABLE "public"."events_p2026_12" PARTITION OF "public"."events" FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2027-01-01 00:00:00+00');`);
    });
});

describe("copyMigration (hash, list)", () => {
    const t = TABLE_TEMPLATES.hash;
    test("offline: one INSERT ... SELECT, no trigger", () => {
        const m = copyMigration(t, hashTableDdl(t, newTableName(t), 4), false);
        expect(m.mirror).toEqual([]);
        expect(m.backfill).toEqual([`INSERT INTO "public"."user_sessions_new" ("id", "user_id", "data") SELECT "id", "user_id", "data" FROM "public"."user_sessions";`]);
        expect(m.swap.join("\n")).not.toContain("TRIGGER");
    });

    test("online: mirror trigger, committed batches, trigger dropped inside the swap", () => {
        const m = copyMigration(t, [], true);
        expect(m.mirror[1]).toContain("AFTER INSERT OR UPDATE OR DELETE");
        expect(m.backfill[0]).toMatch(/COMMIT; END LOOP/);
        expect(m.swap.indexOf(`DROP TRIGGER "user_sessions_mirror" ON "public"."user_sessions";`)).toBeGreaterThan(m.swap.indexOf(`LOCK TABLE "public"."user_sessions" IN ACCESS EXCLUSIVE MODE;`));
    });

    test("identity columns are copied with OVERRIDING SYSTEM VALUE and continue after the swap", () => {
        const o = TABLE_TEMPLATES.list;
        const m = copyMigration(o, listTableDdl(o, newTableName(o), LIST_EXAMPLE), false);
        expect(m.backfill[0]).toContain("OVERRIDING SYSTEM VALUE");
        expect(m.swap.join("\n")).toContain("RESTART WITH");
        expect(m.create).toContain(`CREATE TABLE "public"."orders_eu" PARTITION OF "public"."orders_new" FOR VALUES IN ('UK', 'DE', 'FR');`);
    });

    test("hash partitions carry the final names and every remainder", () => {
        const ddl = hashTableDdl(t, "user_sessions_new", 8);
        expect(ddl).toHaveLength(9);
        expect(ddl[8]).toBe(`CREATE TABLE "public"."user_sessions_7" PARTITION OF "public"."user_sessions_new" FOR VALUES WITH (MODULUS 8, REMAINDER 7);`);
    });
});
