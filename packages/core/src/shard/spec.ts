import { z } from "zod";
import { parseSpec, withRules } from "../validation";
import { columnSpec, identifier, keyValue, partitionBySpec, partitionEntrySpec } from "../partition/spec";
import { shardedTableIssues } from "./rules";
import { referenceTableSpec } from "./reference-spec";

// The inputs of ShardedTable, connections aside (they are secrets and travel apart:
// see connections.ts). Strict objects: a misspelt option is an error. Cross-field
// rules live in ./rules.

const boundValue = z.union([keyValue, z.array(keyValue).min(1)]);

/** How the coordinator reaches a shard when that differs from how pgscale does (e.g. a container network name). */
export const shardReachSpec = z.strictObject({
    /** Default: the host of the shard's uri. */
    host: z.string().min(1).optional(),
    /** Default: the port of the shard's uri (5432 when it has none). */
    port: z.number().int().min(1).max(65535).optional(),
});

export const shardSpec = z.strictObject({
    /** Names the shard's foreign server, role and slices; a short identifier such as "s1". */
    name: identifier,
    /** Range sharding: the key ranges this shard holds (from inclusive, to exclusive). */
    ranges: z.array(z.strictObject({ from: boundValue, to: boundValue })).optional(),
    /** List sharding: the key values this shard holds. */
    values: z.array(keyValue).min(1).optional(),
    fromCoordinator: shardReachSpec.optional(),
});
export type ShardSpec = z.output<typeof shardSpec>;

export const shardBySpec = z.discriminatedUnion("strategy", [
    z.strictObject({
        strategy: z.literal("hash"),
        columns: z.array(identifier).min(1),
        /** Hash slices; a multiple of the shard count. Default: the shard count. */
        modulus: z.number().int().min(2).max(1024).optional(),
        /** Which shard holds remainder r: "round-robin" (r mod N, the default) or "contiguous" (r div M/N). */
        assignment: z.enum(["round-robin", "contiguous"]).default("round-robin"),
    }),
    z.strictObject({ strategy: z.literal("range"), columns: z.array(identifier).min(1) }),
    z.strictObject({ strategy: z.literal("list"), columns: z.array(identifier).length(1, "list sharding takes exactly one column") }),
]);
export type ShardBySpec = z.output<typeof shardBySpec>;

/** Each slice on a shard partitioned again, e.g. by time: the slice is the parent of these partitions. */
export const localPartitioningSpec = z.strictObject({
    partitionBy: partitionBySpec,
    /** Named `<slice>_<name>` on the shard (hash `{ modulus }`: `<slice>_<remainder>`). */
    partitions: z.array(partitionEntrySpec).min(1),
    /** A default partition `<slice>_default` on each slice. Default false. */
    defaultPartition: z.boolean().default(false),
});
export type LocalPartitioningSpec = z.output<typeof localPartitioningSpec>;

export const foreignServerSpec = z.strictObject({
    /** Rows postgres_fdw fetches per round trip. Default 10000 (postgres_fdw's own default is 100). */
    fetchSize: z.number().int().min(1).max(1_000_000).default(10_000),
    /** Scan the shards of a fan-out query concurrently (Async Foreign Scan). Default true. */
    asyncCapable: z.boolean().default(true),
    /**
     * libpq's `connect_timeout` of the coordinator's connections to a shard, in seconds (libpq
     * waits forever without it); at least 2. Default 5. When a shard's primary dies, HAProxy can
     * hold a connection attempt made just before it marks the server down until the client gives
     * up: this ends it on PostgreSQL 15. PostgreSQL 16 and later connect postgres_fdw without it
     * (only a cancel, e.g. statement_timeout, ends the wait; docs/sharding.md).
     */
    connectTimeoutSeconds: z.number().int().min(2).max(3600).default(5),
});

export const shardedTableFields = z.strictObject({
    schema: identifier.default("public"),
    name: identifier,
    columns: z.array(columnSpec).min(1),
    /** Required: it must include the shard key, as each shard enforces it on its own rows only. */
    primaryKey: z.array(identifier).min(1),
    shardBy: shardBySpec,
    shards: z.array(shardSpec).min(2, "a sharded table needs at least 2 shards"),
    localPartitioning: localPartitioningSpec.optional(),
    foreignServer: foreignServerSpec.default({ fetchSize: 10_000, asyncCapable: true, connectTimeoutSeconds: 5 }),
    /**
     * Small tables every shard holds a full, current copy of, to join with the sharded table there:
     * the coordinator's table is the one to write, replicated to each shard by logical replication
     * (a publication on the coordinator, a subscription on each shard; the shards' copies refuse
     * writes). Needs wal_level = logical on the coordinator. Default: none.
     */
    referenceTables: z.array(referenceTableSpec).default([]),
    /** Where the shards' subscriptions reach the coordinator, when that differs from how pgscale does. Default: the coordinator URI's host and port. */
    coordinatorFromShards: shardReachSpec.optional(),
    /**
     * Removing a shard from `shards` while its slices hold rows (hash sharding, the modulus unchanged):
     * true moves each of its slices online to the remaining shards (each, in the order of `shards`,
     * takes the lowest remainders until it holds modulus / shards slices; the same route, copy with
     * counts and checksums compared, and switch as when a shard is added), then
     * drops the coordinator's server and user mapping for it; its tables, which keep their copies of
     * the moved rows, and its role are left on it. False refuses the removal, naming `shards`, with
     * nothing changed. Default false.
     */
    moveRowsOnShardRemoval: z.boolean().default(false),
    /** Deleting the resource: "retain" (default) leaves every object; "destroy" drops them, refused while any shard holds rows. */
    removalPolicy: z.enum(["retain", "destroy"]).default("retain"),
});

export type ShardedTableInput = z.input<typeof shardedTableFields>;
export type ShardedTableSpec = z.output<typeof shardedTableFields>;

export const shardedTableSpec = withRules(shardedTableFields, shardedTableIssues);

/** Validates ShardedTable inputs; throws PgscaleValidationError naming every bad field. */
export function parseShardedTable(input: unknown, subject: string): ShardedTableSpec {
    return parseSpec(shardedTableSpec, input, subject);
}
