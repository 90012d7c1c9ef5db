import type { PartitionedTableSpec, PartitionEntrySpec } from "./spec";
import { keyKindOf, type KeyKind, type KeyValue } from "./values";
import { defaultPartitionName, hashPartitionName, indexName } from "./naming";

// The spec in the form the validator, the renderer and the planner work with:
// every partition named, hash shorthands expanded, bounds as tuples, index names chosen.

export type DesiredBound =
    | { kind: "range"; from: KeyValue[]; to: KeyValue[] }
    | { kind: "list"; values: KeyValue[] }
    | { kind: "hash"; modulus: number; remainder: number };

export interface DesiredPartition {
    name: string;
    bound: DesiredBound;
    /** Index in spec.partitions (for error paths), or "rolling" for window partitions. */
    origin: number | "rolling";
}

export interface KeyColumn {
    name: string;
    type: string;
    kind: KeyKind;
}

export interface ResolvedIndex {
    name: string;
    columns: string[];
    unique: boolean;
    method: string;
}

/** Partition key columns with their declared types; a key column missing from `columns` gets kind "opaque". */
export function keyColumns(spec: Pick<PartitionedTableSpec, "columns" | "partitionBy">): KeyColumn[] {
    return spec.partitionBy.columns.map((name) => {
        const col = spec.columns.find((c) => c.name === name);
        return { name, type: col?.type ?? "", kind: col ? keyKindOf(col.type) : "opaque" };
    });
}

function tuple(v: KeyValue | KeyValue[] | undefined): KeyValue[] {
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The bound an entry describes under `strategy`, or null when the entry lacks what the strategy needs. */
export function entryBound(strategy: PartitionedTableSpec["partitionBy"]["strategy"], e: PartitionEntrySpec): DesiredBound | null {
    switch (strategy) {
        case "range":
            return e.from === undefined || e.to === undefined ? null : { kind: "range", from: tuple(e.from), to: tuple(e.to) };
        case "list":
            return e.values ? { kind: "list", values: e.values } : null;
        case "hash":
            return e.modulus !== undefined && e.remainder !== undefined ? { kind: "hash", modulus: e.modulus, remainder: e.remainder } : null;
    }
}

/** Partitions declared in `partitions`, hash `{ modulus }` shorthands expanded to every remainder. */
export function explicitPartitions(spec: Pick<PartitionedTableSpec, "name" | "partitionBy" | "partitions">): DesiredPartition[] {
    const out: DesiredPartition[] = [];
    spec.partitions.forEach((e, i) => {
        if (spec.partitionBy.strategy === "hash" && e.modulus !== undefined && e.remainder === undefined && e.name === undefined) {
            for (let r = 0; r < e.modulus; r++) {
                out.push({ name: hashPartitionName(spec.name, r), bound: { kind: "hash", modulus: e.modulus, remainder: r }, origin: i });
            }
            return;
        }
        const bound = entryBound(spec.partitionBy.strategy, e);
        if (bound && e.name !== undefined) out.push({ name: e.name, bound, origin: i });
    });
    return out;
}

/** Name of the desired default partition, or null. pg_partman mode leaves it to pg_partman. */
export function desiredDefaultPartition(spec: Pick<PartitionedTableSpec, "name" | "defaultPartition" | "maintenance">): string | null {
    if (spec.maintenance) return null;
    if (spec.defaultPartition === false) return null;
    return spec.defaultPartition === true ? defaultPartitionName(spec.name) : spec.defaultPartition.name;
}

export function resolvedIndexes(spec: Pick<PartitionedTableSpec, "name" | "indexes">): ResolvedIndex[] {
    return spec.indexes.map((ix) => ({
        name: ix.name ?? indexName(spec.name, ix.columns),
        columns: ix.columns,
        unique: ix.unique,
        method: ix.method,
    }));
}
