import { PgscaleValidationError } from "../validation";
import { connectionIssues, serverEndpoint } from "./connections";
import { parseShardedTable, type ShardedTableInput } from "./spec";
import { hashShardIndex, slicesOf } from "./slices";

export const ordersInput = (over: Partial<ShardedTableInput> = {}): ShardedTableInput => ({
    name: "orders",
    columns: [
        { name: "customer_id", type: "bigint", notNull: true },
        { name: "id", type: "bigint", notNull: true },
        { name: "total", type: "numeric" },
        { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
    ],
    primaryKey: ["customer_id", "id"],
    shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 },
    shards: [{ name: "s1" }, { name: "s2" }, { name: "s3" }],
    ...over,
});

const fields = (input: unknown) => {
    try {
        parseShardedTable(input, "ShardedTable t");
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues.map((i) => `${i.field}: ${i.message}`);
        throw e;
    }
    return [];
};

describe("ShardedTable spec", () => {
    it("fills the documented defaults", () => {
        const spec = parseShardedTable(ordersInput({ shardBy: { strategy: "hash", columns: ["customer_id"] } }), "t");
        expect(spec).toMatchObject({ schema: "public", removalPolicy: "retain", moveRowsOnShardRemoval: false, foreignServer: { fetchSize: 10_000, asyncCapable: true, connectTimeoutSeconds: 5 }, shardBy: { assignment: "round-robin" } });
        expect(slicesOf(spec).map((s) => s.bound)).toEqual([0, 1, 2].map((r) => ({ kind: "hash", modulus: 3, remainder: r })));
    });

    it("refuses a shard key outside the primary key, naming the field", () => {
        expect(fields(ordersInput({ primaryKey: ["id"] }))).toEqual(['primaryKey: must include the shard key "customer_id": each shard enforces the key on its own rows only']);
    });

    it("refuses a modulus that is not a multiple of the shard count", () => {
        expect(fields(ordersInput({ shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 8 } }))).toEqual([
            "shardBy.modulus: must be a multiple of the shard count (3) so every shard holds the same number of slices; 8 is not",
        ]);
    });

    it("refuses fewer than 2 shards, duplicate names, identity columns and unknown key columns", () => {
        expect(fields(ordersInput({ shards: [{ name: "s1" }] }))).toContain("shards: a sharded table needs at least 2 shards");
        expect(fields(ordersInput({ shards: [{ name: "s1" }, { name: "s2" }, { name: "s1" }] }))).toContain('shards[2].name: "s1" is also the name of shards[0]');
        const ident = ordersInput();
        (ident.columns as any)[1] = { name: "id", type: "bigint", identity: "always" };
        expect(fields(ident)[0]).toMatch(/^columns\[1\]\.identity: identity columns are not supported/);
        expect(fields(ordersInput({ shardBy: { strategy: "hash", columns: ["nope"] }, primaryKey: ["nope"] }))).toEqual(
            expect.arrayContaining(['shardBy.columns[0]: "nope" is not a column']),
        );
    });

    it("refuses overlapping ranges, naming both shards' fields", () => {
        const input = ordersInput({
            shardBy: { strategy: "range", columns: ["customer_id"] },
            shards: [
                { name: "s1", ranges: [{ from: 0, to: 1000 }] },
                { name: "s2", ranges: [{ from: 900, to: 2000 }] },
            ],
        });
        expect(fields(input)).toEqual(["shards[1].ranges[0]: range overlaps shards[0].ranges[0]"]);
    });

    it("refuses a list value on two shards, and fields of another strategy", () => {
        const input = ordersInput({
            columns: [{ name: "region", type: "text", notNull: true }, { name: "id", type: "bigint" }],
            primaryKey: ["region", "id"],
            shardBy: { strategy: "list", columns: ["region"] },
            shards: [
                { name: "eu", values: ["DE", "FR"] },
                { name: "us", values: ["US", "FR"], ranges: [{ from: "a", to: "b" }] },
            ],
        });
        expect(fields(input)).toEqual([
            "shards[1].ranges: only range sharding takes ranges (shardBy.strategy is list)",
            'shards[1].values[1]: "FR" is already listed in shards[0]',
        ]);
    });

    it("checks local partitioning with PartitionedTable's rules, under its own field", () => {
        const bad = ordersInput({ localPartitioning: { partitionBy: { strategy: "range", columns: ["created_at"] }, partitions: [{ name: "2024", from: "2024-01-01", to: "2025-01-01" }] } });
        expect(fields(bad)).toEqual(['primaryKey: must include the localPartitioning column(s) "created_at": PostgreSQL enforces uniqueness per partition only']);
        const good = parseShardedTable({ ...bad, primaryKey: ["customer_id", "id", "created_at"] }, "t");
        expect(good.localPartitioning?.defaultPartition).toBe(false);
        expect(fields({ ...bad, primaryKey: ["customer_id", "id", "created_at"], localPartitioning: { ...bad.localPartitioning, partitionBy: { strategy: "hash", columns: ["customer_id"] }, partitions: [{ modulus: 2 }] } })).toEqual([
            "localPartitioning.partitionBy.columns: partitions each slice again by the shard key (customer_id); use another column, e.g. a timestamp",
        ]);
    });
});

describe("slices", () => {
    it("round-robin gives shard i the remainders congruent to i modulo N; contiguous gives adjacent runs", () => {
        expect([0, 1, 2, 3, 4, 5].map((r) => hashShardIndex(r, 6, 3, "round-robin"))).toEqual([0, 1, 2, 0, 1, 2]);
        expect([0, 1, 2, 3, 4, 5].map((r) => hashShardIndex(r, 6, 3, "contiguous"))).toEqual([0, 0, 1, 1, 2, 2]);
        const spec = parseShardedTable(ordersInput(), "t");
        expect(slicesOf(spec).map((s) => `${s.name}@${s.shard}`)).toEqual(["orders_0@s1", "orders_1@s2", "orders_2@s3", "orders_3@s1", "orders_4@s2", "orders_5@s3"]);
    });

    it("range and list slices are named after their shard", () => {
        const spec = parseShardedTable(
            ordersInput({ shardBy: { strategy: "range", columns: ["customer_id"] }, shards: [{ name: "a", ranges: [{ from: 0, to: 10 }, { from: 20, to: 30 }] }, { name: "b", ranges: [{ from: 10, to: 20 }] }] }),
            "t",
        );
        expect(slicesOf(spec).map((s) => [s.name, s.shard])).toEqual([["orders_a_0", "a"], ["orders_a_1", "a"], ["orders_b_0", "b"]]);
    });
});

describe("connections", () => {
    const shards = (...uris: string[]) => uris.map((uri, i) => ({ name: `s${i}`, uri }));
    it("refuses a shard that is the coordinator's database, two shards on one database, and non-URIs, without printing secrets", () => {
        const issues = connectionIssues("postgresql://admin:pw@db:5432/app", shards("postgresql://x:secret1@db/app", "postgresql://a:b@h2:6432/app", "postgresql://c:d@H2:6432/app", "host=x"));
        expect(issues).toEqual([
            { field: "shards[0].uri", message: "is the coordinator's database (db:5432/app); a shard is another database, usually another cluster" },
            { field: "shards[2].uri", message: "is the same database as shards[1] (h2:6432/app)" },
            { field: "shards[3].uri", message: "must be a postgresql:// URI" },
        ]);
        expect(JSON.stringify(issues)).not.toContain("secret1");
        expect(connectionIssues("postgresql://a@db/app", shards("postgresql://a@db/s1", "postgresql://a@db:5433/app"))).toEqual([]);
    });

    it("the foreign server reaches the shard as fromCoordinator says", () => {
        expect(serverEndpoint({}, "postgresql://u:p@127.0.0.1:55432/s1")).toEqual({ host: "127.0.0.1", port: 55432, dbname: "s1" });
        expect(serverEndpoint({ fromCoordinator: { host: "shard1-haproxy", port: 5000 } }, "postgresql://u:p@localhost:15000/app")).toEqual({ host: "shard1-haproxy", port: 5000, dbname: "app" });
    });
});
