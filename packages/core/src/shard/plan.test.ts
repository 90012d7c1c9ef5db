import type { CoordinatorCatalog, ShardCatalog, ShardedPlanInput } from "./catalog";
import { summarizeShardedPlan } from "./catalog";
import { planShardedRemoval, planShardedTable } from "./plan";
import { ordersInput } from "./spec.test";
import { parseShardedTable, type ShardedTableInput } from "./spec";
import { slicesOf } from "./slices";
import { currentPlacement, moveServerName, placeSlices } from "./placement";
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
                options: { host: "10.0.0.1", port: String(inp.endpoints[s.name].port), dbname: "app", async_capable: "true", fetch_size: "10000", connect_timeout: "5" },
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
            "[coordinator] + create server orders_s1 (10.0.0.1:5432/app, async_capable true, fetch_size 10000, connect_timeout 5)",
            "[coordinator] + create user mapping for PUBLIC on orders_s1 as orders_s1_fdw",
            "[coordinator] + create server orders_s2 (10.0.0.1:5433/app, async_capable true, fetch_size 10000, connect_timeout 5)",
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
        expect(sql).toContain(`CREATE SERVER "orders_s1" FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '10.0.0.1', port '5432', dbname 'app', async_capable 'true', fetch_size '10000', connect_timeout '5')`);
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
            { field: "shards", reason: "shard s3 is no longer in shards, and its slice orders_5 holds rows: set moveRowsOnShardRemoval: true to move it online to the remaining shards (orders_5 to s2), or keep s3 in shards; nothing was changed" },
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

describe("adding a shard moves the fewest slices, online", () => {
    const two = () => input({ shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 } });
    const three = () => input({ shards: [{ name: "s1" }, { name: "s2" }, { name: "s3" }], shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 } });
    /** The two-shard table, applied, with rows everywhere, seen by the three-shard spec. */
    function grown() {
        const before = two();
        const done = applied(before);
        done.coordinator.partitions.forEach((p) => (p.hasRows = true));
        Object.values(done.shards).forEach((sh) => sh.slices.forEach((x) => (x.hasRows = true)));
        const after = three();
        // The passwords of the last apply: nothing to reset.
        Object.values(after.credentials).forEach((c) => (c.fresh = false));
        return { ...after, previous: before.desired, coordinator: done.coordinator, shards: { ...done.shards, s3: after.shards.s3 } };
    }

    it("keeps every slice where it is and gives the new shard the highest remainders of the others", () => {
        const inp = grown();
        const where = currentPlacement(inp.desired, inp.coordinator, ["s1", "s2", "s3"]);
        expect(where).toEqual({ orders_0: "s1", orders_1: "s2", orders_2: "s1", orders_3: "s2", orders_4: "s1", orders_5: "s2" });
        expect(placeSlices(inp.desired, where).map((s) => `${s.name}@${s.shard}`)).toEqual(["orders_0@s1", "orders_1@s2", "orders_2@s1", "orders_3@s2", "orders_4@s3", "orders_5@s3"]);
        // A new table follows the rule (round-robin) instead.
        expect(placeSlices(inp.desired, {}).map((s) => s.shard)).toEqual(["s1", "s2", "s3", "s1", "s2", "s3"]);
    });

    it("creates the new shard's slices, moves each slice that holds rows in three steps, then drops the old copies", () => {
        const plan = planShardedTable(grown());
        expect(plan.refusals).toEqual([]);
        expect(summarizeShardedPlan(plan)).toEqual([
            "[s3] + create table public.orders PARTITION BY HASH (customer_id)",
            "[s3] + create slice orders_4 FOR VALUES WITH (MODULUS 6, REMAINDER 4)",
            "[s3] + create slice orders_5 FOR VALUES WITH (MODULUS 6, REMAINDER 5)",
            "[s3] + create role orders_s3_fdw LOGIN (password generated, kept secret)",
            "[s3] + grant orders_s3_fdw CONNECT on the database",
            "[s3] + grant orders_s3_fdw SELECT, INSERT, UPDATE, DELETE on all 2 slices",
            "[coordinator] + create server orders_s3 (10.0.0.1:5434/app, async_capable true, fetch_size 10000, connect_timeout 5)",
            "[coordinator] + create user mapping for PUBLIC on orders_s3 as orders_s3_fdw",
            "[coordinator] ~ move slice orders_4 from s1 to s3: route it through server orders_4_to_s3_move",
            "[coordinator] ~ move slice orders_4 from s1 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3",
            "[coordinator] ~ move slice orders_4 to s3: read it through server orders_s3",
            "[coordinator] ~ move slice orders_5 from s2 to s3: route it through server orders_5_to_s3_move",
            "[coordinator] ~ move slice orders_5 from s2 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3",
            "[coordinator] ~ move slice orders_5 to s3: read it through server orders_s3",
            "[s1] - drop slice orders_4 on s1 (moved to s3; the coordinator reads it there)",
            "[s2] - drop slice orders_5 on s2 (moved to s3; the coordinator reads it there)",
        ]);
        const drops = plan.steps.filter((s) => s.after);
        expect(drops.map((s) => s.target)).toEqual(["s1", "s2"]);
        const copy = plan.steps.find((s) => s.summary.includes("copy its rows") && s.summary.includes("orders_4"))!;
        expect(copy).toMatchObject({ transactional: false, sensitive: true });
        expect(copy.statements.slice(0, 3)).toEqual(["BEGIN", "SET LOCAL lock_timeout = '30s'", 'CREATE TRIGGER "pgscale_move_hold" BEFORE UPDATE ON "public"."orders_4" FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()']);
        // Copied to the new shard's slice, compared, then the slice's own server points there: no lock on the parent.
        expect(copy.statements.join("\n")).toMatch(/INSERT INTO "public"."orders_4_copy" SELECT \* FROM "public"."orders_4"\nDO \$pgscale\$.*RAISE EXCEPTION.*\nALTER SERVER "orders_4_to_s3_move" OPTIONS \(SET host '10.0.0.1', SET port '5434', SET dbname 'app'\)/s);
        expect(copy.statements.some((q) => /DETACH|ACCESS EXCLUSIVE/.test(q))).toBe(false);
        expect(copy.statements.slice(-2)).toEqual(['DROP TRIGGER "pgscale_move_hold" ON "public"."orders_4"', "COMMIT"]);
    });

    it("resumes an interrupted move from what the catalogs show", () => {
        const inp = grown();
        const mv = (slice: string, at: string) => {
            const p = inp.coordinator.partitions.find((x) => x.name === slice)!;
            p.server = `${slice}_to_s3_move`;
            inp.coordinator.servers.push({ name: p.server, options: { host: "10.0.0.1", port: String(inp.endpoints[at].port), dbname: "app", async_capable: "true", fetch_size: "10000", connect_timeout: "5" }, mappingUser: `orders_${at}_fdw` });
        };
        mv("orders_4", "s1"); // routed, not copied
        mv("orders_5", "s3"); // copied, not switched
        // The new shard already holds a partial copy of orders_4 from the interrupted copy.
        inp.shards.s3 = { schemaExists: true, parent: { strategy: "hash", keyColumns: ["customer_id"], hasRows: true }, slices: [{ name: "orders_4", bound: "FOR VALUES WITH (modulus 6, remainder 4)", hasRows: true }, { name: "orders_5", bound: "FOR VALUES WITH (modulus 6, remainder 5)", hasRows: true }], role: { exists: true, connect: true, privileges: { orders_4: ["SELECT", "INSERT", "UPDATE", "DELETE"], orders_5: ["SELECT", "INSERT", "UPDATE", "DELETE"] } } };
        const plan = planShardedTable(inp);
        expect(plan.refusals).toEqual([]);
        expect(summarizeShardedPlan(plan).filter((l) => l.includes("move slice"))).toEqual([
            "[coordinator] ~ move slice orders_4 from s1 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3",
            "[coordinator] ~ move slice orders_4 to s3: read it through server orders_s3",
            "[coordinator] ~ move slice orders_5 to s3: read it through server orders_s3",
        ]);
        const copy = plan.steps.find((s) => s.summary.includes("copy its rows"))!;
        expect(copy.statements).toContain('DELETE FROM "public"."orders_4_copy"');
    });

    it("names a move server after the schema too, as servers are per database", () => {
        expect(moveServerName({ schema: "public", name: "orders" }, "orders_4", "s3")).toBe("orders_4_to_s3_move");
        expect(moveServerName({ schema: "sales", name: "orders" }, "orders_4", "s3")).toBe("sales_orders_4_to_s3_move");
    });

    it("never drops rows of a slice the coordinator does not read through a partition", () => {
        const inp = grown();
        inp.coordinator.partitions = inp.coordinator.partitions.filter((p) => p.name !== "orders_4");
        const plan = planShardedTable(inp);
        expect(plan.steps.filter((s) => s.after).map((s) => s.summary)).toEqual(["- drop slice orders_5 on s2 (moved to s3; the coordinator reads it there)"]);
        expect(plan.notes).toEqual(["orders_4 on s1 holds rows the coordinator does not read from there, and is not this shard's slice; it is left as it is"]);
    });
});

describe("removing a shard moves its slices with moveRowsOnShardRemoval, online", () => {
    const shardsOf = (names: string[], modulus = 6) => ({ shards: names.map((name) => ({ name })), shardBy: { strategy: "hash" as const, columns: ["customer_id"], modulus } });
    /** The table applied over `before`, rows everywhere, seen by a spec over `after`; the last apply's passwords (the removed shards' too). */
    function shrunk(before: string[], after: string[], over: Partial<ShardedTableInput> = {}, modulus = 6) {
        const was = input(shardsOf(before, modulus));
        const done = applied(was);
        done.coordinator.partitions.forEach((p) => (p.hasRows = true));
        Object.values(done.shards).forEach((sh) => sh.slices.forEach((x) => (x.hasRows = true)));
        const now = input({ ...shardsOf(after, modulus), ...over });
        Object.values(was.credentials).forEach((c) => (c.fresh = false));
        const shards = Object.fromEntries(after.map((n) => [n, done.shards[n]]));
        // The spec's shards' endpoints as they were (a shard removed from the middle shifts no one).
        return { ...now, endpoints: Object.fromEntries(after.map((n) => [n, was.endpoints[n]])), credentials: was.credentials, previous: was.desired, coordinator: done.coordinator, shards };
    }
    const removeS2 = (optIn: boolean) => shrunk(["s1", "s2", "s3"], ["s1", "s3"], optIn ? { moveRowsOnShardRemoval: true } : {});

    it("gives the removed shard's slices to the remaining shards, evenly and always the same way", () => {
        const inp = removeS2(true);
        const where = currentPlacement(inp.desired, inp.coordinator, ["s1", "s3", "s2"]);
        expect(where).toEqual({ orders_0: "s1", orders_1: "s2", orders_2: "s3", orders_3: "s1", orders_4: "s2", orders_5: "s3" });
        expect(placeSlices(inp.desired, where).map((s) => `${s.name}@${s.shard}`)).toEqual(["orders_0@s1", "orders_1@s1", "orders_2@s3", "orders_3@s1", "orders_4@s3", "orders_5@s3"]);
        // Four shards to three over 12 slices: each remaining shard takes one of s4's three, in the order of shards.
        const big = shrunk(["s1", "s2", "s3", "s4"], ["s1", "s2", "s3"], { moveRowsOnShardRemoval: true }, 12);
        const placed = placeSlices(big.desired, currentPlacement(big.desired, big.coordinator, ["s1", "s2", "s3", "s4"]));
        expect(["s1", "s2", "s3"].map((n) => placed.filter((s) => s.shard === n).length)).toEqual([4, 4, 4]);
        expect(placed.filter((s) => ["orders_3", "orders_7", "orders_11"].includes(s.name)).map((s) => s.shard)).toEqual(["s1", "s2", "s3"]);
        expect(planShardedTable(big).refusals).toEqual([]);
    });

    it("is refused without the opt-in, naming shards, the option and where each slice would go", () => {
        const plan = planShardedTable(removeS2(false));
        expect(plan.steps).toEqual([]);
        expect(plan.refusals).toEqual([
            { field: "shards", reason: "shard s2 is no longer in shards, and its slices orders_1, orders_4 hold rows: set moveRowsOnShardRemoval: true to move them online to the remaining shards (orders_1 to s1, orders_4 to s3), or keep s2 in shards; nothing was changed" },
        ]);
        // Empty slices need no opt-in: their foreign partitions are re-created on the remaining shards.
        const empty = removeS2(false);
        empty.coordinator.partitions.forEach((p) => (p.hasRows = false));
        expect(planShardedTable(empty).refusals).toEqual([]);
    });

    it("moves each slice of the removed shard in three steps, then drops its server and leaves its tables and role", () => {
        const plan = planShardedTable(removeS2(true));
        expect(plan.refusals).toEqual([]);
        expect(summarizeShardedPlan(plan)).toEqual([
            "[s1] + create slice orders_1 FOR VALUES WITH (MODULUS 6, REMAINDER 1)",
            "[s1] + grant orders_s1_fdw SELECT, INSERT, UPDATE, DELETE on orders_1",
            "[s3] + create slice orders_4 FOR VALUES WITH (MODULUS 6, REMAINDER 4)",
            "[s3] + grant orders_s3_fdw SELECT, INSERT, UPDATE, DELETE on orders_4",
            "[coordinator] ~ move slice orders_1 from s2 to s1: route it through server orders_1_to_s1_move",
            "[coordinator] ~ move slice orders_1 from s2 to s1: copy its rows (its writes wait), verify counts and checksums, read it from s1",
            "[coordinator] ~ move slice orders_1 to s1: read it through server orders_s1",
            "[coordinator] ~ move slice orders_4 from s2 to s3: route it through server orders_4_to_s3_move",
            "[coordinator] ~ move slice orders_4 from s2 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3",
            "[coordinator] ~ move slice orders_4 to s3: read it through server orders_s3",
            "[coordinator] - drop server orders_s2 and its user mapping (shard s2 removed; its tables, which keep their copies of the rows moved off it, and its role on the shard are left)",
        ]);
        // The move server reads the removed shard as its own server did, as its role of the last apply.
        const route = plan.steps.find((s) => s.summary.includes("orders_1_to_s1_move") && s.summary.includes("route"))!;
        expect(route.statements).toEqual(expect.arrayContaining([
            `CREATE SERVER "orders_1_to_s1_move" FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '10.0.0.1', port '5433', dbname 'app', async_capable 'true', fetch_size '10000', connect_timeout '5')`,
            `CREATE USER MAPPING FOR PUBLIC SERVER "orders_1_to_s1_move" OPTIONS (user 'orders_s2_fdw', password 'pw-s2')`,
        ]));
        // Nothing runs on the removed shard, and nothing is dropped there.
        expect(plan.steps.filter((s) => s.target === "s2")).toEqual([]);
        expect(plan.steps.flatMap((s) => s.statements).filter((q) => /^DROP (TABLE|ROLE)/.test(q))).toEqual([]);
    });

    it("resumes a move off a removed shard from what the catalogs show, and refuses one it cannot route", () => {
        const inp = removeS2(true);
        const p = inp.coordinator.partitions.find((x) => x.name === "orders_1")!;
        p.server = "orders_1_to_s1_move"; // routed, still reading s2: its copy did not finish
        inp.coordinator.servers.push({ name: p.server, options: { ...inp.coordinator.servers.find((x) => x.name === "orders_s2")!.options }, mappingUser: "orders_s2_fdw" });
        expect(summarizeShardedPlan(planShardedTable(inp)).filter((l) => l.includes("orders_1"))).toEqual([
            "[s1] + create slice orders_1 FOR VALUES WITH (MODULUS 6, REMAINDER 1)",
            "[s1] + grant orders_s1_fdw SELECT, INSERT, UPDATE, DELETE on orders_1",
            "[coordinator] ~ move slice orders_1 from s2 to s1: copy its rows (its writes wait), verify counts and checksums, read it from s1",
            "[coordinator] ~ move slice orders_1 to s1: read it through server orders_s1",
        ]);
        // The opt-in withdrawn half-way: the rest is refused, the routed slice too.
        expect(planShardedTable({ ...inp, desired: { ...inp.desired, moveRowsOnShardRemoval: false } }).refusals.map((r) => r.reason)).toEqual([
            expect.stringMatching(/^shard s2 is no longer in shards, and its slices orders_1, orders_4 hold rows: set moveRowsOnShardRemoval: true/),
        ]);
        // Without the last apply's password of the removed shard's role, a move cannot start.
        const { s2: _gone, ...rest } = inp.credentials;
        expect(planShardedTable({ ...removeS2(true), credentials: rest }).refusals).toEqual([
            { field: "shards", reason: "slice orders_1 holds rows on shard s2, removed from shards, and the last apply's password of its role orders_s2_fdw is not in the state to route the move through; nothing was changed" },
            { field: "shards", reason: "slice orders_4 holds rows on shard s2, removed from shards, and the last apply's password of its role orders_s2_fdw is not in the state to route the move through; nothing was changed" },
        ]);
    });

    it("moves whole slices only: a changed modulus, or range and list sharding, stay refused", () => {
        const remodulus = shrunk(["s1", "s2", "s3"], ["s1", "s3"], { moveRowsOnShardRemoval: true, shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 4 } });
        expect(planShardedTable(remodulus).refusals).toEqual(expect.arrayContaining([
            { field: "shards", reason: "partition orders_4 (server orders_s2) holds rows and is no longer a slice of the spec; its shard s2 is no longer in shards, and a removed shard's slices move (moveRowsOnShardRemoval) only while shardBy.modulus stays the same; nothing was changed" },
        ]));
        const ranged = () => parseShardedTable(ordersInput({ moveRowsOnShardRemoval: true, shardBy: { strategy: "range", columns: ["customer_id"] }, shards: [{ name: "s1", ranges: [{ from: 0, to: 10 }] }, { name: "s2", ranges: [{ from: 10, to: 20 }] }] }), "t");
        expect(ranged).toThrow("moveRowsOnShardRemoval: moves hash slices only (shardBy.strategy is range): a range shard's slices are its own ranges; give them to other shards first (their rows move), then remove the shard");
    });
});

describe("a range or list slice the spec gives to another shard moves there, keeping its name", () => {
    /** `before` applied with rows in every slice, seen by a spec of `after` (the endpoints and passwords as they were). */
    function reassigned(shardBy: ShardedTableInput["shardBy"], before: ShardedTableInput["shards"], after: ShardedTableInput["shards"]) {
        const was = input({ shardBy, shards: before });
        const done = applied(was);
        done.coordinator.partitions.forEach((p) => (p.hasRows = true));
        Object.values(done.shards).forEach((sh) => sh.slices.forEach((x) => (x.hasRows = true)));
        const now = input({ shardBy, shards: after });
        Object.values(now.credentials).forEach((c) => (c.fresh = false));
        return { ...now, previous: was.desired, coordinator: done.coordinator, shards: { ...now.shards, ...done.shards } };
    }
    const range = { strategy: "range" as const, columns: ["customer_id"] };

    it("range: a range given to a new shard moves online in three steps and leaves its old table to clean up; the shard's other range stays as it is", () => {
        const inp = reassigned(range,
            [{ name: "s1", ranges: [{ from: 0, to: 10 }, { from: 10, to: 20 }] }, { name: "s2", ranges: [{ from: 20, to: 30 }] }],
            [{ name: "s1", ranges: [{ from: 10, to: 20 }] }, { name: "s2", ranges: [{ from: 20, to: 30 }] }, { name: "s3", ranges: [{ from: 0, to: 10 }] }]);
        const plan = planShardedTable(inp);
        expect(plan.refusals).toEqual([]);
        expect(summarizeShardedPlan(plan).filter((l) => /slice|move/.test(l))).toEqual([
            "[s3] + create slice orders_s1_0 FOR VALUES FROM (0) TO (10)",
            "[s3] + grant orders_s3_fdw SELECT, INSERT, UPDATE, DELETE on all 1 slices",
            "[coordinator] ~ move slice orders_s1_0 from s1 to s3: route it through server orders_s1_0_to_s3_move",
            "[coordinator] ~ move slice orders_s1_0 from s1 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3",
            "[coordinator] ~ move slice orders_s1_0 to s3: read it through server orders_s3",
            "[s1] - drop slice orders_s1_0 on s1 (moved to s3; the coordinator reads it there)",
        ]);
        // The range left on s1 keeps its name and place: nothing to do for it.
        expect(plan.steps.flatMap((s) => s.statements).some((q) => q.includes("orders_s1_1"))).toBe(false);
    });

    it("list: values given to another shard move with their slice; the shard they left gets a new slice of a new name for its new values", () => {
        const list = { strategy: "list" as const, columns: ["customer_id"] };
        const inp = reassigned(list,
            [{ name: "s1", values: [1, 2] }, { name: "s2", values: [3] }],
            [{ name: "s1", values: [1, 2] }, { name: "s2", values: [4] }, { name: "s3", values: [3] }]);
        const plan = planShardedTable(inp);
        expect(plan.refusals).toEqual([]);
        const lines = summarizeShardedPlan(plan);
        expect(lines).toEqual(expect.arrayContaining([
            "[s3] + create slice orders_s2 FOR VALUES IN (3)",
            "[coordinator] ~ move slice orders_s2 from s2 to s3: copy its rows (its writes wait), verify counts and checksums, read it from s3",
            "[s2] + create slice orders_s2_2 FOR VALUES IN (4)",
            "[coordinator] + create foreign partition orders_s2_2 FOR VALUES IN (4) on orders_s2",
        ]));
        expect(lines.filter((l) => l.includes("orders_s1"))).toEqual([]);
    });

    it("a range that moves within its shard's list, or a bound that changes, is as before: nothing to do, and refused while it holds rows", () => {
        const reordered = reassigned(range,
            [{ name: "s1", ranges: [{ from: 0, to: 10 }, { from: 10, to: 20 }] }, { name: "s2", ranges: [{ from: 20, to: 30 }] }],
            [{ name: "s1", ranges: [{ from: 10, to: 20 }, { from: 0, to: 10 }] }, { name: "s2", ranges: [{ from: 20, to: 30 }] }]);
        expect(planShardedTable(reordered)).toMatchObject({ refusals: [] });
        expect(summarizeShardedPlan(planShardedTable(reordered)).filter((l) => /slice|partition|move/.test(l))).toEqual([]);
        const split = reassigned(range,
            [{ name: "s1", ranges: [{ from: 0, to: 10 }] }, { name: "s2", ranges: [{ from: 10, to: 20 }] }],
            [{ name: "s1", ranges: [{ from: 0, to: 5 }] }, { name: "s2", ranges: [{ from: 10, to: 20 }] }, { name: "s3", ranges: [{ from: 5, to: 10 }] }]);
        expect(planShardedTable(split).refusals.map((r) => r.field)).toContain("shards[0].ranges[0]");
    });
});
