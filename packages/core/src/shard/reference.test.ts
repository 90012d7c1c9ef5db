import { PgscaleValidationError } from "../validation";
import { planReferenceRemoval, planReferenceTables, referencePublisherUri, type ReferenceCoordinatorCatalog, type ReferencePlanInput, type ReferenceShardCatalog } from "./reference";
import { parseShardedTable, type ShardedTableInput } from "./spec";
import { ordersInput } from "./spec.test";

const countries = { name: "countries", columns: [{ name: "code", type: "text", notNull: true }, { name: "label", type: "text" }], primaryKey: ["code"] };

const fields = (over: Partial<ShardedTableInput>) => {
    try {
        parseShardedTable(ordersInput(over), "ShardedTable t");
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues.map((i) => `${i.field}: ${i.message}`);
        throw e;
    }
    return [];
};

const coordinator = (over: Partial<ReferenceCoordinatorCatalog> = {}): ReferenceCoordinatorCatalog => ({
    walLevel: "logical", tables: [], publication: null, role: { exists: false, replication: false, connect: false, selectOn: [] }, slots: [], ...over,
});
const shard = (over: Partial<ReferenceShardCatalog> = {}): ReferenceShardCatalog => ({ tables: [], guardExists: false, subscription: null, subscribed: [], ...over });

function input(over: Partial<ShardedTableInput> = {}, catalogs: Partial<Pick<ReferencePlanInput, "coordinator" | "shards" | "removed">> = {}): ReferencePlanInput {
    const desired = parseShardedTable(ordersInput({ referenceTables: [countries], ...over }), "t");
    return {
        desired,
        publisher: { host: "coord", port: 5000, dbname: "app", params: { sslmode: "require" } },
        credential: { user: "orders_ref_repl", password: "pw", verifier: "SCRAM-SHA-256$v", fresh: true },
        coordinator: catalogs.coordinator ?? coordinator(),
        shards: catalogs.shards ?? Object.fromEntries(desired.shards.map((s) => [s.name, shard()])),
        ...(catalogs.removed ? { removed: catalogs.removed } : {}),
    };
}

describe("reference tables: spec", () => {
    it("defaults to none", () => {
        expect(parseShardedTable(ordersInput(), "t").referenceTables).toEqual([]);
    });

    it("refuses one without a primary key, with a key outside its columns, named as the sharded table, a slice or another, naming the field", () => {
        const { primaryKey: _pk, ...keyless } = countries;
        const noKey = "a reference table needs a primary key: logical replication identifies each updated or deleted row by it";
        expect(fields({ referenceTables: [keyless as typeof countries] })).toEqual([`referenceTables[0].primaryKey: ${noKey}`]);
        expect(fields({ referenceTables: [{ ...countries, primaryKey: [] }] })).toEqual([`referenceTables[0].primaryKey: ${noKey}`]);
        expect(fields({ referenceTables: [{ ...countries, primaryKey: ["iso"] }] })).toEqual(['referenceTables[0].primaryKey[0]: "iso" is not one of the table\'s columns']);
        expect(fields({ referenceTables: [{ ...countries, name: "orders" }, { ...countries, name: "orders_2" }, countries, countries] })).toEqual([
            'referenceTables[0].name: "orders" is the sharded table\'s own name',
            'referenceTables[1].name: "orders_2" is the name of one of the sharded table\'s slices',
            'referenceTables[3].name: "countries" is also the name of referenceTables[2]',
        ]);
    });
});

describe("reference tables: plan", () => {
    it("refuses a coordinator without wal_level = logical, naming the field and what to set, with no step", () => {
        const plan = planReferenceTables(input({}, { coordinator: coordinator({ walLevel: "replica" }) }));
        expect(plan.steps).toEqual([]);
        expect(plan.refusals).toEqual([{ field: "referenceTables", reason: expect.stringContaining("the coordinator runs with wal_level = replica; reference tables are replicated by logical replication, which needs wal_level = logical (a PatroniCluster sets it when its logicalSlots declares the shards' slots: orders_ref_s1, orders_ref_s2, orders_ref_s3;") }]);
    });

    it("refuses a coordinator relation of the name that is not a table, or a table without a primary key or with other columns", () => {
        const refusals = (t: ReferenceCoordinatorCatalog["tables"][number]) => planReferenceTables(input({}, { coordinator: coordinator({ tables: [t] }) })).refusals.map((r) => r.field);
        expect(refusals({ name: "countries", kind: "p", columns: ["code", "label"], hasPrimaryKey: false })).toEqual(["referenceTables[0].name"]);
        expect(refusals({ name: "countries", kind: "r", columns: ["code", "label"], hasPrimaryKey: false })).toEqual(["referenceTables[0].primaryKey"]);
        expect(refusals({ name: "countries", kind: "r", columns: ["code"], hasPrimaryKey: true })).toEqual(["referenceTables[0].columns"]);
        expect(refusals({ name: "countries", kind: "r", columns: ["label", "code"], hasPrimaryKey: true })).toEqual([]);
    });

    it("creates the copies first, then the coordinator's side, and subscribes each shard through a slot made on the coordinator", () => {
        const plan = planReferenceTables(input());
        const where = (target: string) => plan.steps.filter((s) => s.target === target).map((s) => `${s.after ? "after " : ""}${s.summary}`);
        expect(where("s1")).toEqual([
            "+ create function orders_ref_readonly() refusing writes to the reference tables' copies",
            "+ create reference table copy public.countries (read-only)",
            "after + create subscription orders_ref_s1 to orders_ref (copying existing rows)",
        ]);
        expect(where("coordinator")).toEqual([
            "+ create reference table public.countries",
            "+ create role orders_ref_repl LOGIN REPLICATION (password generated, kept secret)",
            "+ grant orders_ref_repl CONNECT on the database",
            "+ grant orders_ref_repl SELECT on countries",
            "+ create publication orders_ref of public.countries (insert, update, delete, truncate)",
            "+ create slot orders_ref_s1 for shard s1", "+ create slot orders_ref_s2 for shard s2", "+ create slot orders_ref_s3 for shard s3",
        ]);
        const sub = plan.steps.find((s) => s.target === "s2" && s.after)!;
        expect(sub).toMatchObject({ transactional: false, sensitive: true });
        expect(sub.statements[0]).toContain("CONNECTION 'postgresql://orders_ref_repl:pw@coord:5000/app?sslmode=require&connect_timeout=10' PUBLICATION \"orders_ref\" WITH (copy_data = true, enabled = true, slot_name = 'orders_ref_s2', create_slot = false)");
        expect(plan.steps.filter((s) => s.summary.includes("create slot")).every((s) => s.transactional === false)).toBe(true);
    });

    it("with none declared, stops the replication an earlier apply made and keeps the tables; drops an idle slot of a removed shard, leaves one in use with a note", () => {
        const subscription = { name: "orders_ref_s1", enabled: true, publications: ["orders_ref"], slotName: "orders_ref_s1" };
        const plan = planReferenceTables(input({ referenceTables: [] }, {
            coordinator: coordinator({ publication: { name: "orders_ref", allTables: false, tables: ["public.countries"], publish: [] }, slots: [{ name: "orders_ref_s1", active: true }, { name: "orders_ref_s9", active: true }] }),
            shards: { s1: shard({ subscription, tables: [{ name: "countries", kind: "r", hasRows: true, guarded: true }] }), s2: shard(), s3: shard() },
        }));
        expect(plan.steps.map((s) => `[${s.target}] ${s.summary}`)).toEqual([
            "[s1] - drop subscription orders_ref_s1, leaving slot orders_ref_s1 to the publisher (no reference tables; the copies stay)",
            "[coordinator] - drop publication orders_ref",
            "[coordinator] - drop slot orders_ref_s1 (no shard subscribes to it)",
        ]);
        expect(plan.notes).toEqual([expect.stringContaining("slot orders_ref_s9 on the coordinator belongs to no shard of the spec and is in use")]);
        expect(plan.steps.some((s) => s.statements.some((q) => /DROP TABLE/i.test(q)))).toBe(false);
    });

    describe("a shard removed from the spec", () => {
        const subscription = { name: "orders_ref_s4", enabled: true, publications: ["orders_ref"], slotName: "orders_ref_s4" };
        const subscribed = (s: string) => shard({ subscription: { ...subscription, name: `orders_ref_${s}`, slotName: `orders_ref_${s}` }, guardExists: true, tables: [{ name: "countries", kind: "r", hasRows: true, guarded: true }], subscribed: [{ name: "countries", state: "r" }] });
        const publication = { name: "orders_ref", allTables: false, tables: ["public.countries"], publish: ["insert", "update", "delete", "truncate"] };
        const role = { exists: true, replication: true, connect: true, selectOn: ["countries"] };
        const slots = (active: boolean) => [...["s1", "s2", "s3"].map((s) => ({ name: `orders_ref_${s}`, active: true })), { name: "orders_ref_s4", active }];
        const removedPlan = (removed: ReferencePlanInput["removed"], active = true, over: Partial<ShardedTableInput> = {}) =>
            planReferenceTables({
                ...input(over, { coordinator: coordinator({ publication, role, tables: [{ name: "countries", kind: "r", columns: ["code", "label"], hasPrimaryKey: true }], slots: slots(active) }), shards: { s1: subscribed("s1"), s2: subscribed("s2"), s3: subscribed("s3") }, removed }),
                credential: { user: "orders_ref_repl", password: "pw", verifier: "SCRAM-SHA-256$v", fresh: false },
            });

        it("stops its subscription there, before the coordinator's steps, then drops its slot; its copies stay", () => {
            const plan = removedPlan({ s4: subscribed("s4") });
            expect(plan.refusals).toEqual([]);
            expect(plan.notes).toEqual([]);
            expect(plan.steps.map((s) => `[${s.target}] ${s.summary}`)).toEqual([
                "[s4] - drop subscription orders_ref_s4, leaving slot orders_ref_s4 to the publisher (shard s4 removed; its copies of the reference tables stay)",
                "[coordinator] - drop slot orders_ref_s4 (shard s4 removed)",
            ]);
            const [unsubscribe, slot] = plan.steps;
            // Not `after`: the removed shard's step runs with the shards', before any coordinator step (moves, the server's drop, the slot's).
            expect(unsubscribe).toMatchObject({ transactional: false });
            expect(unsubscribe.after).toBeUndefined();
            expect(unsubscribe.statements.join("\n")).toMatch(/SET \(slot_name = NONE\)[\s\S]*DROP SUBSCRIPTION IF EXISTS "orders_ref_s4"/);
            expect(slot.statements[0]).toContain("pg_drop_replication_slot('orders_ref_s4')");
            expect(plan.steps.flatMap((s) => s.statements).join("\n")).not.toMatch(/DROP TABLE/i);
        });

        it("does the same when the spec no longer declares reference tables", () => {
            const plan = removedPlan({ s4: subscribed("s4") }, true, { referenceTables: [] });
            expect(plan.steps.map((s) => `[${s.target}] ${s.summary}`)).toEqual(expect.arrayContaining([
                "[s4] - drop subscription orders_ref_s4, leaving slot orders_ref_s4 to the publisher (shard s4 removed; its copies of the reference tables stay)",
                "[coordinator] - drop slot orders_ref_s4 (shard s4 removed)",
            ]));
        });

        it("drops an idle slot of a removed shard without a subscription there", () => {
            expect(removedPlan({ s4: shard() }, false).steps.map((s) => `[${s.target}] ${s.summary}`)).toEqual(["[coordinator] - drop slot orders_ref_s4 (shard s4 removed)"]);
        });

        it("refuses, naming shards and the statements to run there, while the slot is in use and the shard cannot be reached", () => {
            const plan = removedPlan({ s4: { unreachable: "cannot connect to PostgreSQL: connect ECONNREFUSED 10.0.0.4:5432" } });
            expect(plan.steps).toEqual([]);
            expect(plan.refusals).toEqual([{
                field: "shards",
                reason:
                    "shard s4 is no longer in shards and still subscribes to the reference tables: slot orders_ref_s4 on the coordinator is in use and keeps WAL there while it is; " +
                    "its subscription could not be dropped with the last up's connection to s4 (cannot connect to PostgreSQL: connect ECONNREFUSED 10.0.0.4:5432). " +
                    "Drop it on s4 (ALTER SUBSCRIPTION \"orders_ref_s4\" DISABLE; ALTER SUBSCRIPTION \"orders_ref_s4\" SET (slot_name = NONE); DROP SUBSCRIPTION \"orders_ref_s4\") and run up again; nothing was changed",
            }]);
            // Once its subscription no longer reads the slot, the slot goes without reaching the shard.
            expect(removedPlan({ s4: { unreachable: "x" } }, false).steps.map((s) => s.summary)).toEqual(["- drop slot orders_ref_s4 (shard s4 removed)"]);
        });
    });

    it("removal drops no table", () => {
        const steps = planReferenceRemoval(input().desired, coordinator({ publication: { name: "orders_ref", allTables: false, tables: [], publish: [] }, slots: [{ name: "orders_ref_s1", active: false }], role: { exists: true, replication: true, connect: true, selectOn: [] } }), { s1: shard({ subscription: { name: "orders_ref_s1", enabled: true, publications: [], slotName: "orders_ref_s1" } }) });
        expect(steps.map((s) => `[${s.target}] ${s.summary}`)).toEqual([
            "[s1] - drop subscription orders_ref_s1, leaving slot orders_ref_s1 to the publisher",
            "[coordinator] - drop publication orders_ref",
            "[coordinator] - drop slot orders_ref_s1",
            "[coordinator] - drop role orders_ref_repl",
        ]);
        expect(steps.flatMap((s) => s.statements).join("\n")).not.toMatch(/DROP TABLE/i);
    });

    it("the publisher URI encodes the credential and keeps the coordinator URI's options", () => {
        expect(referencePublisherUri({ host: "::1", port: 5432, dbname: "my db" }, { user: "r", password: "a/b@c" })).toBe("postgresql://r:a%2Fb%40c@[::1]:5432/my%20db");
    });
});
