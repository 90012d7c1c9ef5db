import type { CoordinatorCatalog, ShardCatalog, ShardedPlanInput } from "./catalog";
import { summarizeShardedPlan } from "./catalog";
import { planShardedRemoval, planShardedTable } from "./plan";
import { ordersInput } from "./spec.test";
import { parseShardedTable, type ShardedTableInput } from "./spec";
import { slicesOf } from "./slices";
import { renderBound } from "../partition/bounds";

const emptyShard = (): ShardCatalog => ({ schemaExists: true, parent: null, slices: [], role: { exists: false, connect: false, privileges: {} } });
const emptyCoordinator = (): CoordinatorCatalog => ({ fdwInstalled: false, servers: [], parent: null, partitions: [] });

function input(over: Partial<ShardedTableInput> = {}, catalogs?: Partial<Pick<ShardedPlanInput, "coordinator" | "shards">>): ShardedPlanInput {
    const desired = parseShardedTable(ordersInput({ shards: [{ name: "s1" }, { name: "s2" }], shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 4 }, ...over }), "t");
    const names = desired.shards.map((s) => s.name);
    return {
        desired,
        endpoints: Object.fromEntries(names.map((n, i) => [n, { host: "10.0.0.1", port: 5432 + i, dbname: "app" }])),
        credentials: Object.fromEntries(names.map((n) => [n, { user: `orders_${n}_fdw`, password: `pw-${n}`, verifier: `SCRAM-SHA-256$4096:salt$${n}`, fresh: true }])),
        coordinator: catalogs?.coordinator ?? emptyCoordinator(),
        shards: catalogs?.shards ?? Object.fromEntries(names.map((n) => [n, emptyShard()])),
    };
}

/** The catalogs as they are once `plan` of `inp` has run. */
function applied(inp: ShardedPlanInput): Pick<ShardedPlanInput, "coordinator" | "shards"> {
    const slices = slicesOf(inp.desired);
    const dml = ["SELECT", "INSERT", "UPDATE", "DELETE"];
    const parent = { strategy: inp.desired.shardBy.strategy, keyColumns: inp.desired.shardBy.columns };
    const bound = (b: (typeof slices)[number]["bound"]) => renderBound(b);
    return {
        coordinator: {
            fdwInstalled: true,
            servers: inp.desired.shards.map((s) => ({
                name: `orders_${s.name}`,
                options: { host: "10.0.0.1", port: String(inp.endpoints[s.name].port), dbname: "app", async_capable: "true", fetch_size: "10000" },
                mappingUser: `orders_${s.name}_fdw`,
            })),
            parent,
            partitions: slices.map((s) => ({ name: s.name, bound: bound(s.bound), server: `orders_${s.shard}`, hasRows: false })),
        },
        shards: Object.fromEntries(
            inp.desired.shards.map((sh) => {
                const mine = slices.filter((s) => s.shard === sh.name);
                return [sh.name, { schemaExists: true, parent: { ...parent, hasRows: false }, slices: mine.map((s) => ({ name: s.name, bound: bound(s.bound), hasRows: false })), role: { exists: true, connect: true, privileges: Object.fromEntries(mine.map((s) => [s.name, dml])) } }];
            }),
        ),
    };
}

describe("planShardedTable", () => {
    it("creates the shards' tables and roles first, then the coordinator's servers, mappings, parent and foreign partitions", () => {
        const plan = planShardedTable(input());
        expect(plan.refusals).toEqual([]);
        expect(summarizeShardedPlan(plan)).toEqual([
            "[s1] + create table public.orders PARTITION BY HASH (customer_id)",
            "[s1] + create slice orders_0 FOR VALUES WITH (MODULUS 4, REMAINDER 0)",
            "[s1] + create slice orders_2 FOR VALUES WITH (MODULUS 4, REMAINDER 2)",
            "[s1] + create role orders_s1_fdw LOGIN (password generated, kept secret)",
            "[s1] + grant orders_s1_fdw CONNECT on the database",
            "[s1] + grant orders_s1_fdw SELECT, INSERT, UPDATE, DELETE on all 2 slices",
            "[s2] + create table public.orders PARTITION BY HASH (customer_id)",
            "[s2] + create slice orders_1 FOR VALUES WITH (MODULUS 4, REMAINDER 1)",
            "[s2] + create slice orders_3 FOR VALUES WITH (MODULUS 4, REMAINDER 3)",
            "[s2] + create role orders_s2_fdw LOGIN (password generated, kept secret)",
            "[s2] + grant orders_s2_fdw CONNECT on the database",
            "[s2] + grant orders_s2_fdw SELECT, INSERT, UPDATE, DELETE on all 2 slices",
            "[coordinator] + create extension postgres_fdw",
            "[coordinator] + create server orders_s1 (10.0.0.1:5432/app, async_capable true, fetch_size 10000)",
            "[coordinator] + create user mapping for PUBLIC on orders_s1 as orders_s1_fdw",
            "[coordinator] + create server orders_s2 (10.0.0.1:5433/app, async_capable true, fetch_size 10000)",
            "[coordinator] + create user mapping for PUBLIC on orders_s2 as orders_s2_fdw",
            "[coordinator] + create table public.orders PARTITION BY HASH (customer_id)",
            "[coordinator] + create foreign partition orders_0 FOR VALUES WITH (MODULUS 4, REMAINDER 0) on orders_s1",
            "[coordinator] + create foreign partition orders_1 FOR VALUES WITH (MODULUS 4, REMAINDER 1) on orders_s2",
            "[coordinator] + create foreign partition orders_2 FOR VALUES WITH (MODULUS 4, REMAINDER 2) on orders_s1",
            "[coordinator] + create foreign partition orders_3 FOR VALUES WITH (MODULUS 4, REMAINDER 3) on orders_s2",
        ]);
        const sql = plan.steps.flatMap((s) => s.statements);
        expect(sql).toContain(`CREATE TABLE "public"."orders" (\n    "customer_id" bigint NOT NULL,\n    "id" bigint NOT NULL,\n    "total" numeric,\n    "created_at" timestamptz NOT NULL DEFAULT (now()),\n    PRIMARY KEY ("customer_id", "id")\n) PARTITION BY HASH ("customer_id")`);
        // The coordinator's parent has no primary key: foreign partitions carry no index.
        expect(sql.filter((s) => s.startsWith('CREATE TABLE "public"."orders" (')).map((s) => s.includes("PRIMARY KEY"))).toEqual([true, true, false]);
        expect(sql).toContain(`CREATE SERVER "orders_s1" FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '10.0.0.1', port '5432', dbname 'app', async_capable 'true', fetch_size '10000')`);
        expect(sql).toContain(`CREATE FOREIGN TABLE "public"."orders_2" PARTITION OF "public"."orders" FOR VALUES WITH (MODULUS 4, REMAINDER 2) SERVER "orders_s1" OPTIONS (schema_name 'public', table_name 'orders_2')`);
        expect(sql).toContain(`GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."orders_0", "public"."orders_2" TO "orders_s1_fdw"`);
        // Passwords and verifiers only in steps marked sensitive, never in a summary.
        const secretSteps = plan.steps.filter((s) => s.statements.some((q) => /pw-s1|SCRAM/.test(q)));
        expect(secretSteps.map((s) => s.summary)).toEqual(["+ create role orders_s1_fdw LOGIN (password generated, kept secret)", "+ create role orders_s2_fdw LOGIN (password generated, kept secret)", "+ create user mapping for PUBLIC on orders_s1 as orders_s1_fdw"]);
        expect(secretSteps.every((s) => s.sensitive)).toBe(true);
        expect(summarizeShardedPlan(plan).join("\n")).not.toMatch(/pw-s|SCRAM/);
    });

    it("has nothing to do once applied, and reports drift as the steps that repair it", () => {
        const inp = input();
        const done = applied(inp);
        const noop = { ...inp, ...done, credentials: Object.fromEntries(Object.entries(inp.credentials).map(([k, c]) => [k, { ...c, fresh: false }])) };
        expect(planShardedTable(noop)).toEqual({ steps: [], refusals: [], notes: [] });
        done.coordinator.servers[0].options.fetch_size = "100";
        done.shards.s2.role.privileges.orders_3 = ["SELECT"];
        done.shards.s1.role.connect = false;
        expect(summarizeShardedPlan(planShardedTable({ ...noop, ...done }))).toEqual([
            "[s1] + grant orders_s1_fdw CONNECT on the database",
            "[s2] + grant orders_s2_fdw SELECT, INSERT, UPDATE, DELETE on orders_3",
            "[coordinator] ~ alter server orders_s1: fetch_size 10000",
        ]);
    });

    it("refuses to remove a shard whose slices hold rows, and drops only foreign tables when they are empty", () => {
        const three = input({ shards: [{ name: "s1" }, { name: "s2" }, { name: "s3" }], shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 } });
        const done = applied(three);
        const two = { ...input({ shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 } }), previous: three.desired, coordinator: done.coordinator, shards: { s1: done.shards.s1, s2: done.shards.s2 } };
        done.coordinator.partitions.find((p) => p.name === "orders_5")!.hasRows = true;
        const refused = planShardedTable(two);
        expect(refused.steps).toEqual([]);
        expect(refused.refusals).toEqual(expect.arrayContaining([
            { field: "shardBy.modulus", reason: "slice orders_5 holds rows on server orders_s3 and would move to s2; moving rows between shards is not supported yet; nothing was changed" },
        ]));
        done.coordinator.partitions.forEach((p) => (p.hasRows = false));
        const ok = planShardedTable(two);
        expect(ok.refusals).toEqual([]);
        expect(ok.steps.filter((s) => s.target === "coordinator").map((s) => s.summary)).toEqual(expect.arrayContaining([
            "- drop foreign partition orders_2 (empty; it moves to s1 or changes its bound)",
            "- drop server orders_s3 and its user mapping (shard s3 removed; its tables and role on the shard are left)",
        ]));
        expect(ok.steps.flatMap((s) => s.statements).filter((q) => /^DROP TABLE/.test(q))).toEqual([]);
    });

    it("refuses a key change while a shard holds rows, and rebuilds empty tables otherwise", () => {
        const inp = input();
        const done = applied(inp);
        const byId = { ...input({ primaryKey: ["customer_id", "id"], shardBy: { strategy: "hash", columns: ["id"], modulus: 4 } }), ...done };
        done.shards.s2.parent!.hasRows = true;
        expect(planShardedTable(byId).refusals).toEqual([{ field: "shardBy", reason: "the table exists with another shard key or strategy and holds rows on s2; moving rows between shards is not supported yet; nothing was changed" }]);
        done.shards.s2.parent!.hasRows = false;
        const rebuilt = planShardedTable(byId);
        expect(rebuilt.refusals).toEqual([]);
        const s1 = rebuilt.steps.find((s) => s.target === "s1" && s.summary.startsWith("- drop empty table"))!;
        // The emptiness is asserted under a lock in the same transaction as the DROP.
        expect(s1.statements[0]).toMatch(/^LOCK TABLE "public"."orders" IN ACCESS EXCLUSIVE MODE/);
        expect(s1.statements[2]).toBe('DROP TABLE "public"."orders"');
    });

    it("never recreates a relation of the table's name that is not partitioned (the user's table), whatever it holds", () => {
        // A plain table reads as a parent with no strategy and no partitions: nothing says it holds rows.
        const plain = { strategy: null, keyColumns: [] };
        for (const catalogs of [
            { coordinator: { ...emptyCoordinator(), fdwInstalled: true, parent: plain } },
            { shards: { s1: emptyShard(), s2: { ...emptyShard(), parent: { ...plain, hasRows: false } } } },
        ]) {
            const plan = planShardedTable(input({}, catalogs));
            expect(plan.steps).toEqual([]);
            expect(plan.refusals).toEqual([{ field: "name", reason: expect.stringMatching(/^public\.orders exists on (coordinator|shard s2) and is not a partitioned table; .*nothing was changed$/) }]);
        }
        const destroy = input({ removalPolicy: "destroy" }, { coordinator: { ...emptyCoordinator(), parent: plain } });
        const removal = planShardedRemoval(destroy);
        expect(removal.steps).toEqual([]);
        expect(removal.refusals.map((r) => r.field)).toEqual(["removalPolicy"]);
    });

    it("asserts the coordinator's parent is empty, under a lock, before it drops it for a new key", () => {
        const done = applied(input());
        const byId = { ...input({ primaryKey: ["customer_id", "id"], shardBy: { strategy: "hash", columns: ["id"], modulus: 4 } }), ...done };
        const drop = planShardedTable(byId).steps.find((s) => s.target === "coordinator" && s.summary.startsWith("- drop table"))!;
        expect(drop.statements[0]).toMatch(/^LOCK TABLE "public"."orders" IN ACCESS EXCLUSIVE MODE/);
        expect(drop.statements[1]).toMatch(/^DO .*RAISE EXCEPTION/);
        expect(drop.statements[2]).toBe('DROP TABLE "public"."orders"');
    });

    it("refuses a column change (not supported yet)", () => {
        const inp = input();
        const changed = input({ columns: [...inp.desired.columns, { name: "note", type: "text", notNull: false }] });
        expect(planShardedTable({ ...changed, previous: inp.desired, ...applied(inp) }).refusals.map((r) => r.field)).toEqual(["columns"]);
    });
});

describe("planShardedRemoval", () => {
    it("retain drops nothing; destroy is refused while a shard holds rows, else drops the coordinator's objects first", () => {
        const inp = input();
        const done = applied(inp);
        expect(planShardedRemoval({ desired: inp.desired, ...done }).steps).toEqual([]);
        const destroy = { ...input({ removalPolicy: "destroy" }), ...done };
        done.shards.s1.parent!.hasRows = true;
        expect(planShardedRemoval(destroy)).toMatchObject({ steps: [], refusals: [{ field: "removalPolicy", reason: "shard s1 holds rows of public.orders; delete them first (pgscale drops no rows)" }] });
        done.shards.s1.parent!.hasRows = false;
        expect(summarizeShardedPlan(planShardedRemoval(destroy))).toEqual([
            "[coordinator] - drop table public.orders and its foreign partitions",
            "[coordinator] - drop server orders_s1 and its user mapping",
            "[coordinator] - drop server orders_s2 and its user mapping",
            "[s1] - drop empty table public.orders and its slices",
            "[s1] - drop role orders_s1_fdw",
            "[s2] - drop empty table public.orders and its slices",
            "[s2] - drop role orders_s2_fdw",
        ]);
    });
});

describe("local partitioning", () => {
    it("each slice is partitioned again on its shard, its partitions named after it", () => {
        const plan = planShardedTable(input({
            primaryKey: ["customer_id", "id", "created_at"],
            localPartitioning: { partitionBy: { strategy: "range", columns: ["created_at"] }, partitions: [{ name: "2024", from: "2024-01-01", to: "2025-01-01" }], defaultPartition: true },
        }));
        const slice = plan.steps.find((s) => s.summary.startsWith("+ create slice orders_0"))!;
        expect(slice.summary).toBe("+ create slice orders_0 FOR VALUES WITH (MODULUS 4, REMAINDER 0) partitioned by created_at");
        expect(slice.statements).toEqual([
            `CREATE TABLE "public"."orders_0" PARTITION OF "public"."orders" FOR VALUES WITH (MODULUS 4, REMAINDER 0) PARTITION BY RANGE ("created_at")`,
            `CREATE TABLE "public"."orders_0_2024" PARTITION OF "public"."orders_0" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`,
            `CREATE TABLE "public"."orders_0_default" PARTITION OF "public"."orders_0" DEFAULT`,
        ]);
    });
});
