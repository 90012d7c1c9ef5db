import { fitIdentifier, hashPartitionName } from "../partition/naming";
import type { DesiredBound } from "../partition/resolve";
import type { PartitionedTableSpec, PartitionEntrySpec } from "../partition/spec";
import type { ShardedTableSpec } from "./spec";

// The slices of a sharded table and the shard that holds each. A slice is one
// partition of the coordinator's parent (a foreign table) and the partition of the
// shard's local table it points at, with the same name and bound: postgres_fdw does
// not send a partition's bound to the remote side, so each foreign partition must
// read a remote table that holds its slice only, never the whole shard.

export interface Slice {
    /** The foreign partition on the coordinator and the local partition on the shard. */
    name: string;
    shard: string;
    bound: DesiredBound;
    /** The spec field the slice comes from, for error paths. */
    origin: (string | number)[];
}

type Spec = Pick<ShardedTableSpec, "name" | "shardBy" | "shards">;

/** The hash modulus: shardBy.modulus, or one slice per shard. */
export function hashModulus(spec: Spec): number {
    return spec.shardBy.strategy === "hash" ? spec.shardBy.modulus ?? spec.shards.length : 0;
}

/**
 * Which shard holds hash remainder r of M over N shards. "round-robin" (r mod N) makes
 * shard i exactly the keys whose hash is i modulo N, so a shard's slices together are
 * one coarser hash partition (MODULUS N, REMAINDER i); "contiguous" (r div M/N) keeps
 * each shard's remainders adjacent, which is how a later split by halves reads best.
 */
export function hashShardIndex(r: number, modulus: number, shards: number, assignment: "round-robin" | "contiguous"): number {
    return assignment === "round-robin" ? r % shards : Math.floor(r / (modulus / shards));
}

export function slicesOf(spec: Spec): Slice[] {
    const by = spec.shardBy;
    const out: Slice[] = [];
    if (by.strategy === "hash") {
        const m = hashModulus(spec);
        const n = spec.shards.length;
        if (m % n !== 0) return out;
        for (let r = 0; r < m; r++) {
            const shard = spec.shards[hashShardIndex(r, m, n, by.assignment)].name;
            out.push({ name: hashPartitionName(spec.name, r), shard, bound: { kind: "hash", modulus: m, remainder: r }, origin: ["shardBy", "modulus"] });
        }
        return out;
    }
    spec.shards.forEach((s, i) => {
        if (by.strategy === "range") {
            (s.ranges ?? []).forEach((r, k) => {
                const tuple = (v: typeof r.from) => (Array.isArray(v) ? v : [v]);
                out.push({ name: fitIdentifier(`${spec.name}_${s.name}_${k}`, ""), shard: s.name, bound: { kind: "range", from: tuple(r.from), to: tuple(r.to) }, origin: ["shards", i, "ranges", k] });
            });
        } else if (s.values) {
            out.push({ name: fitIdentifier(`${spec.name}_${s.name}`, ""), shard: s.name, bound: { kind: "list", values: s.values }, origin: ["shards", i] });
        }
    });
    return out;
}

export function sliceEntry(slice: Slice): PartitionEntrySpec {
    const b = slice.bound;
    switch (b.kind) {
        case "hash":
            return { name: slice.name, modulus: b.modulus, remainder: b.remainder };
        case "range":
            return { name: slice.name, from: b.from, to: b.to };
        case "list":
            return { name: slice.name, values: b.values };
    }
}

/** The coordinator's parent as a PartitionedTable spec: the slices are its partitions. */
export function coordinatorTable(spec: ShardedTableSpec, slices = slicesOf(spec)): PartitionedTableSpec {
    return {
        schema: spec.schema,
        name: spec.name,
        columns: spec.columns,
        primaryKey: spec.primaryKey,
        partitionBy: spec.shardBy.strategy === "range" ? { strategy: "range", columns: spec.shardBy.columns, contiguous: false } : { strategy: spec.shardBy.strategy, columns: spec.shardBy.columns },
        partitions: slices.map(sliceEntry),
        defaultPartition: false,
        indexes: [],
        removalPolicy: "retain",
        dataLoss: { dropRemovedPartitions: false, dropRemovedColumns: false, recreateOnKeyChange: false },
        adoptExisting: false,
    };
}

/** One slice as the parent of the local partitions (localPartitioning), as a PartitionedTable spec. */
export function localSliceTable(spec: ShardedTableSpec, slice: string): PartitionedTableSpec | null {
    const lp = spec.localPartitioning;
    if (!lp) return null;
    const partitions = lp.partitions.map((e) => (e.name !== undefined ? { ...e, name: fitIdentifier(`${slice}_${e.name}`, "") } : e));
    return { ...coordinatorTable(spec, []), name: slice, partitionBy: lp.partitionBy, partitions, defaultPartition: lp.defaultPartition };
}

const prefix = (spec: Pick<ShardedTableSpec, "schema" | "name">) => (spec.schema === "public" ? spec.name : `${spec.schema}_${spec.name}`);

/** The coordinator's foreign server for a shard (servers are per database, not per schema). */
export function foreignServerName(spec: Pick<ShardedTableSpec, "schema" | "name">, shard: string): string {
    return fitIdentifier(`${prefix(spec)}_${shard}`, "");
}

/** The shard's role the coordinator logs in as: DML on this table's slices, nothing else. */
export function shardRoleName(spec: Pick<ShardedTableSpec, "schema" | "name">, shard: string): string {
    return fitIdentifier(`${prefix(spec)}_${shard}`, "_fdw");
}
