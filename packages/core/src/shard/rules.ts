import { partitionedTableIssues, type SpecIssue } from "../partition/rules";
import { coordinatorTable, hashModulus, localSliceTable, slicesOf } from "./slices";
import type { ShardedTableSpec } from "./spec";

// Cross-field rules of a ShardedTable spec. The key, columns and slices are checked
// by PartitionedTable's own rules, run on the coordinator's parent (the slices are its
// partitions) and on one slice as the parent of the local partitions; their paths are
// mapped back to the ShardedTable field the user wrote.

type Add = (path: (string | number)[], message: string) => void;

export function shardedTableIssues(spec: ShardedTableSpec): SpecIssue[] {
    const issues: SpecIssue[] = [];
    const add: Add = (path, message) => issues.push({ path, message });
    const names = new Map<string, number>();
    spec.shards.forEach((s, i) => {
        const prev = names.get(s.name);
        if (prev !== undefined) add(["shards", i, "name"], `"${s.name}" is also the name of shards[${prev}]`);
        else names.set(s.name, i);
    });
    spec.columns.forEach((c, i) => {
        // Each shard would draw from a sequence of its own: the values would collide across shards.
        if (c.identity) add(["columns", i, "identity"], "identity columns are not supported on a sharded table (each shard's sequence would hand out the same values); use a uuid or a key the application assigns");
    });
    const missing = spec.shardBy.columns.filter((k) => !spec.primaryKey.includes(k));
    if (missing.length) add(["primaryKey"], `must include the shard key ${missing.map((k) => `"${k}"`).join(", ")}: each shard enforces the key on its own rows only`);
    strategyRules(spec, add);

    const slices = slicesOf(spec);
    referenceRules(spec, slices.map((s) => s.name), add);
    const coordinator = coordinatorTable(spec, slices);
    for (const issue of partitionedTableIssues(coordinator)) {
        const [head, i, ...rest] = issue.path;
        if (head === "partitions" && typeof i === "number") {
            // PartitionedTable names the other slice as partitions[k] ("name"): say which shard field it is.
            const message = issue.message.replace(/partitions\[(\d+)\] \("[^"]*"\)|partitions\[(\d+)\]/g, (_m, a, b) => fieldOf(slices[Number(a ?? b)]?.origin ?? []));
            add([...(slices[i]?.origin ?? ["shards"]), ...rest], message);
        } else if (head === "partitionBy") add(["shardBy", ...issue.path.slice(1)], issue.message.replace("partition column", "shard key column"));
        else if (head !== "primaryKey") add(issue.path, issue.message);
    }
    if (spec.localPartitioning && slices.length) {
        const local = localSliceTable(spec, slices[0].name)!;
        for (const issue of partitionedTableIssues(local)) {
            const [head] = issue.path;
            if (head === "partitions" || head === "partitionBy" || head === "defaultPartition") add(["localPartitioning", ...issue.path], issue.message);
            else if (head === "primaryKey") add(["primaryKey"], issue.message.replace("partition column", "localPartitioning column"));
        }
        const keyOverlap = spec.localPartitioning.partitionBy.columns.filter((c) => spec.shardBy.columns.includes(c));
        if (keyOverlap.length) add(["localPartitioning", "partitionBy", "columns"], `partitions each slice again by the shard key (${keyOverlap.join(", ")}); use another column, e.g. a timestamp`);
    }
    return issues;
}

function strategyRules(spec: ShardedTableSpec, add: Add): void {
    const by = spec.shardBy;
    const n = spec.shards.length;
    if (by.strategy === "hash") {
        const m = hashModulus(spec);
        if (m % n !== 0) add(["shardBy", "modulus"], `must be a multiple of the shard count (${n}) so every shard holds the same number of slices; ${m} is not`);
    }
    if (by.strategy !== "hash" && spec.moveRowsOnShardRemoval)
        add(["moveRowsOnShardRemoval"], `moves hash slices only (shardBy.strategy is ${by.strategy}): a ${by.strategy} shard's slices are its own ${by.strategy === "range" ? "ranges" : "values"}; give them to other shards first (their rows move), then remove the shard`);
    spec.shards.forEach((s, i) => {
        if (by.strategy !== "range" && s.ranges !== undefined) add(["shards", i, "ranges"], `only range sharding takes ranges (shardBy.strategy is ${by.strategy})`);
        if (by.strategy !== "list" && s.values !== undefined) add(["shards", i, "values"], `only list sharding takes values (shardBy.strategy is ${by.strategy})`);
        if (by.strategy === "range" && !s.ranges?.length) add(["shards", i, "ranges"], "range sharding needs at least one range per shard");
        if (by.strategy === "list" && s.values === undefined) add(["shards", i, "values"], "list sharding needs the values each shard holds");
    });
}

/** A reference table's name is its own (not the sharded table's, a slice's or another's); its key names its columns. */
function referenceRules(spec: ShardedTableSpec, slices: string[], add: Add): void {
    const seen = new Map<string, number>();
    spec.referenceTables.forEach((t, i) => {
        if (t.name === spec.name) add(["referenceTables", i, "name"], `"${t.name}" is the sharded table's own name`);
        else if (slices.includes(t.name)) add(["referenceTables", i, "name"], `"${t.name}" is the name of one of the sharded table's slices`);
        const prev = seen.get(t.name);
        if (prev !== undefined) add(["referenceTables", i, "name"], `"${t.name}" is also the name of referenceTables[${prev}]`);
        else seen.set(t.name, i);
        const columns = new Set(t.columns.map((c) => c.name));
        t.primaryKey.forEach((k, j) => {
            if (!columns.has(k)) add(["referenceTables", i, "primaryKey", j], `"${k}" is not one of the table's columns`);
        });
    });
}

/** `["shards", 1, "ranges", 0]` as "shards[1].ranges[0]". */
export function fieldOf(path: readonly (string | number)[]): string {
    return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), "");
}
