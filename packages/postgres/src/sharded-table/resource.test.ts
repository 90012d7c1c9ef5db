import * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError, type ShardedTableInput } from "@pgscale/core";

// The construct's graph under Pulumi mocks (no engine): validation of the spec and of plain
// connection strings before any registration, every connection and credential a secret, and
// a serialized provider that carries no credential.

const registered: pulumi.runtime.MockResourceArgs[] = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push(args);
            return { id: `public.${args.inputs.name}`, state: args.inputs };
        },
        call: () => ({}),
    },
    "project",
    "stack",
    false,
);

const { ShardedTable, shardedTableProvider } = require("../index") as typeof import("../index");

const COORD = "postgresql://admin:hunter2-coord@coord.internal:5432/app";
const shardUri = (n: number) => `postgresql://admin:hunter2-shard${n}@shard${n}.internal:5432/app`;
const spec = (): Omit<ShardedTableInput, "shards"> => ({
    name: "orders",
    columns: [
        { name: "customer_id", type: "bigint", notNull: true },
        { name: "id", type: "bigint", notNull: true },
    ],
    primaryKey: ["customer_id", "id"],
    shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 4 },
});
const settle = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("ShardedTable", () => {
    it("refuses a bad spec and a shard that is the coordinator before registering anything, naming the field", () => {
        const before = registered.length;
        expect(() => new ShardedTable("bad", { ...spec(), coordinator: COORD, shards: [{ name: "s1", uri: shardUri(1) }] })).toThrow(/shards: a sharded table needs at least 2 shards/);
        expect(() => new ShardedTable("bad", { ...spec(), coordinator: COORD, shards: [{ name: "s1", uri: shardUri(1) }, { name: "s2", uri: COORD.replace("hunter2-coord", "x") }] })).toThrow(PgscaleValidationError);
        try {
            new ShardedTable("bad", { ...spec(), coordinator: COORD, shards: [{ name: "s1", uri: shardUri(1) }, { name: "s2", uri: COORD.replace("hunter2-coord", "x") }] });
        } catch (e) {
            expect((e as Error).message).toBe("ShardedTable bad: invalid input\n  - shards[1].uri: is the coordinator's database (coord.internal:5432/app); a shard is another database, usually another cluster");
        }
        expect(registered.length).toBe(before);
    });

    it("registers the defaulted spec, with the coordinator and the shards' URIs as secrets and no URI in the spec", async () => {
        const t = new ShardedTable("orders", { ...spec(), coordinator: COORD, shards: [{ name: "s1", uri: shardUri(1) }, { name: "s2", uri: pulumi.output(shardUri(2)) }] });
        await settle(t.urn);
        const args = registered.find((r) => r.name === "orders")!;
        expect(args.type).toBe("pulumi-nodejs:dynamic/pgscale:ShardedTable");
        expect(args.inputs).toMatchObject({ schema: "public", removalPolicy: "retain", moveRowsOnShardRemoval: false, foreignServer: { fetchSize: 10000, asyncCapable: true, connectTimeoutSeconds: 5 }, shards: [{ name: "s1" }, { name: "s2" }] });
        const secret = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
        expect(args.inputs.coordinator).toEqual(secret(COORD));
        expect(args.inputs.shardConnections).toEqual(secret({ s1: shardUri(1), s2: shardUri(2) }));
        expect(JSON.stringify({ ...args.inputs, coordinator: null, shardConnections: null })).not.toContain("hunter2");
    });
});

describe("shardedTableProvider serialization", () => {
    it("captures no credential and stays small", async () => {
        const { text } = await pulumi.runtime.serializeFunction(() => shardedTableProvider, { allowSecrets: false });
        expect(text).not.toContain("hunter2");
        expect(text).not.toMatch(/postgres(ql)?:\/\//);
        expect(text.length).toBeLessThan(8_000);
    });
});
