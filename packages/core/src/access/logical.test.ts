import { PgscaleValidationError } from "../validation";
import { parsePublication, parseSubscription, planPublication, planPublicationRemoval, planSubscription, planSubscriptionRemoval, subscriberConninfo } from ".";

describe("Publication", () => {
    const spec = (over = {}) => parsePublication({ name: "orders_pub", tables: ["orders", "sales.items"], ...over }, "Publication p");
    const catalog = { publication: null, missing: [], withoutIdentity: [] };
    it("qualifies bare table names with public and refuses names that are not schema.table", () => {
        expect(spec().tables).toEqual(["public.orders", "sales.items"]);
        expect(() => spec({ tables: ["a.b.c"] })).toThrow(PgscaleValidationError);
        expect(() => spec({ tables: [] })).toThrow(/tables/);
    });
    it("creates for the listed tables and operations", () => {
        expect(planPublication({ desired: spec({ publish: ["insert", "update"] }), catalog, intent: "create" }).steps[0].statements)
            .toEqual([`CREATE PUBLICATION "orders_pub" FOR TABLE "public"."orders", "sales"."items" WITH (publish = 'insert, update')`]);
        expect(planPublication({ desired: spec({ tables: "all" }), catalog, intent: "create" }).steps[0].statements[0]).toContain("FOR ALL TABLES");
    });
    it("advances the publisher's kept slots past the publication's creation, each after its commit", () => {
        const steps = planPublication({ desired: spec({ slots: ["items_slot"] }), catalog, intent: "create" }).steps;
        expect(steps.map((s) => s.summary)).toEqual([
            "create publication orders_pub of public.orders, sales.items (insert, update, delete, truncate)",
            "advance slot items_slot to the current WAL position (past the publication's creation)",
        ]);
        expect(steps[1].transactional).toBe(false);
        expect(steps[1].statements[0]).toMatch(/pg_replication_slot_advance\('items_slot', pg_current_wal_lsn\(\)\)/);
        expect(() => spec({ slots: ["Items"] })).toThrow(/slots/);
    });
    it("refuses a missing table, or one without a replica identity while updates or deletes are published", () => {
        const bad = { ...catalog, missing: ["sales.items"], withoutIdentity: ["public.orders"] };
        expect(planPublication({ desired: spec(), catalog: bad, intent: "create" }).refusals.map((r) => r.field)).toEqual(["tables[1]", "tables[0]"]);
        expect(planPublication({ desired: spec({ publish: ["insert", "truncate"] }), catalog: { ...bad, missing: [] }, intent: "create" }).refusals).toEqual([]);
    });
    it("changes tables and operations in place; refuses switching to or from all tables", () => {
        const current = { name: "orders_pub", allTables: false, tables: ["public.orders"], publish: ["insert", "update", "delete", "truncate"] };
        expect(planPublication({ desired: spec(), catalog: { ...catalog, publication: current }, intent: "update" }).steps[0].statements)
            .toEqual([`ALTER PUBLICATION "orders_pub" SET TABLE "public"."orders", "sales"."items"`]);
        expect(planPublication({ desired: spec({ tables: "all" }), catalog: { ...catalog, publication: current }, intent: "update" }).refusals[0].field).toBe("tables");
        expect(planPublicationRemoval(spec())[0].statements).toEqual([`DROP PUBLICATION IF EXISTS "orders_pub"`]);
    });
});

describe("Subscription", () => {
    const publisher = "postgresql://rep:s3cret@pub-0:5432/appdb";
    const spec = (over = {}) => parseSubscription({ name: "orders_sub", publisher, publications: ["orders_pub"], ...over }, "Subscription s");
    it("creates outside a transaction, the publisher's URI kept out of the summary", () => {
        const plan = planSubscription({ desired: spec(), catalog: { subscription: null }, intent: "create" });
        expect(plan.steps[0]).toMatchObject({ transactional: false, sensitive: true });
        expect(plan.steps[0].statements[0]).toBe(`CREATE SUBSCRIPTION "orders_sub" CONNECTION '${publisher}?connect_timeout=10' PUBLICATION "orders_pub" WITH (copy_data = true, enabled = true)`);
        expect(subscriberConninfo(`${publisher}?connect_timeout=3&sslmode=require`)).toBe(`${publisher}?connect_timeout=3&sslmode=require`);
        expect(plan.steps[0].summary).not.toContain("s3cret");
    });
    it("refuses a publisher that is not a postgresql:// URI", () => {
        expect(() => spec({ publisher: "host=pub-0" })).toThrow(/publisher/);
    });
    it("changes publications, connection and enabled in place; drops its slot with it", () => {
        const current = { name: "orders_sub", enabled: true, publications: ["orders_pub"], slotName: "orders_sub" };
        const plan = planSubscription({ desired: spec({ publications: ["orders_pub", "more"], enabled: false, publisher: publisher.replace("s3cret", "n3w") }), previous: spec(), catalog: { subscription: current }, intent: "update" });
        expect(plan.steps.map((s) => s.summary)).toEqual([
            "subscription orders_sub: new publisher connection",
            "subscription orders_sub: publications orders_pub -> orders_pub, more",
            "disable subscription orders_sub",
        ]);
        expect(planSubscriptionRemoval(spec())[0]).toMatchObject({ statements: [`DROP SUBSCRIPTION IF EXISTS "orders_sub"`], transactional: false });
    });
    it("reads a slot the publisher keeps (createSlot false), and leaves it there when removed", () => {
        const kept = spec({ slotName: "orders_slot", createSlot: false });
        const plan = planSubscription({ desired: kept, catalog: { subscription: null }, intent: "create" });
        expect(plan.steps[0].statements[0]).toMatch(/WITH \(copy_data = true, enabled = true, slot_name = 'orders_slot', create_slot = false\)$/);
        const removal = planSubscriptionRemoval(kept)[0];
        expect(removal.summary).toBe("drop subscription orders_sub, leaving slot orders_slot to the publisher");
        expect(removal.statements[0]).toMatch(/ALTER SUBSCRIPTION "orders_sub" DISABLE.*ALTER SUBSCRIPTION "orders_sub" SET \(slot_name = NONE\)/);
        expect(removal.statements[1]).toBe(`DROP SUBSCRIPTION IF EXISTS "orders_sub"`);
    });
    it("refuses to change the slot of an existing subscription", () => {
        const current = { name: "orders_sub", enabled: true, publications: ["orders_pub"], slotName: "orders_sub" };
        const plan = planSubscription({ desired: spec({ slotName: "other", createSlot: false }), previous: spec(), catalog: { subscription: current }, intent: "update" });
        expect(plan.refusals.map((r) => r.field)).toEqual(["slotName", "createSlot"]);
        expect(() => spec({ slotName: "Bad-Name" })).toThrow(/slotName/);
    });
});
