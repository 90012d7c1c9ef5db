import { DoctorFacts, PartitionedTable, PartitionSettings, QueryPlanFacts } from "./facts";
import { Finding, notGathered, ok, problem } from "./finding";
import { scannedRelations } from "./explain";

const AREA = "partitions";

/** enable_partition_pruning and constraint_exclusion, the playbook's first two checks. */
export function checkPartitionSettings(s: PartitionSettings): Finding[] {
    const findings: Finding[] = [];
    findings.push(s.enablePartitionPruning === "on"
        ? ok(AREA, "partitions.pruning_setting", "enable_partition_pruning = on")
        : problem("warning", AREA, "partitions.pruning_setting", `enable_partition_pruning = ${s.enablePartitionPruning}: every query scans every partition`,
            "Set enable_partition_pruning = on (the default): in the cluster's parameters, or find the ALTER ROLE / ALTER DATABASE ... SET that turned it off."));
    findings.push(s.constraintExclusion === "off"
        ? problem("warning", AREA, "partitions.constraint_exclusion", "constraint_exclusion = off: inheritance-based partitions and UNION ALL views are never excluded",
            "Set constraint_exclusion = partition (the default); declarative partitions rely on enable_partition_pruning instead.")
        : ok(AREA, "partitions.constraint_exclusion", `constraint_exclusion = ${s.constraintExclusion}`));
    return findings;
}

/** "RANGE (created_at)" -> "created_at". */
function keyColumns(key: string): string {
    return /^\w+\s*\((.*)\)$/.exec(key)?.[1] ?? key;
}

function list(names: string[], max = 4): string {
    const short = names.map((n) => n.replace(/^public\./, ""));
    return short.length > max ? `${short.slice(0, max).join(", ")}, +${short.length - max} more` : short.join(", ");
}

/** Did the plan of the checked query skip the partitions its WHERE clause excludes? */
export function checkQueryPruning(q: QueryPlanFacts, settings: PartitionSettings | undefined): Finding[] {
    const scanned = new Set(scannedRelations(q.plan));
    if (!q.partitionedTables.length) {
        return [ok(AREA, "partitions.query", `the query reads no partitioned table (scans: ${list([...scanned]) || "none"})`)];
    }
    return q.partitionedTables.flatMap((t: PartitionedTable) => [...pruning(t, scanned, settings), ...shardRouting(t, scanned)]);
}

function pruning(t: PartitionedTable, scanned: Set<string>, settings: PartitionSettings | undefined): Finding[] {
    const hit = t.leaves.filter((l) => scanned.has(l));
    const name = t.name.replace(/^public\./, "");
    if (hit.length === 0) return [ok(AREA, "partitions.query", `${name}: every partition pruned (no partition can hold matching rows)`)];
    if (hit.length < t.leaves.length || t.leaves.length === 1) {
        return [ok(AREA, "partitions.query", `${name}: pruned to ${hit.length} of ${t.leaves.length} partitions (${list(hit)})`)];
    }
    const detail = `${name}: partition not used: the plan scans all ${t.leaves.length} partitions (${list(hit)}); partition key ${t.key}`;
    const fix = settings && settings.enablePartitionPruning !== "on"
        ? "enable_partition_pruning is off in this session: turn it on, then check EXPLAIN again."
        : `Make the WHERE clause match the partition key: constrain ${keyColumns(t.key)} with constants or stable expressions ` +
          "(=, <, >, BETWEEN, IN), not a function or cast of the key column; then check EXPLAIN for the partitions scanned.";
    return [problem("warning", AREA, "partitions.query", detail, fix)];
}

/**
 * A sharded table (foreign partitions, one server per shard): does the query reach one shard? A
 * filter on the shard key reaches one; a query that reaches every shard is a fan-out, which is
 * right for a report and wrong for a lookup by key.
 */
function shardRouting(t: PartitionedTable, scanned: Set<string>): Finding[] {
    const servers = t.shards ?? {};
    const all = [...new Set(Object.values(servers))];
    if (all.length < 2) return [];
    const reached = [...new Set(t.leaves.filter((l) => scanned.has(l) && servers[l]).map((l) => servers[l]))].sort();
    const name = t.name.replace(/^public\./, "");
    if (reached.length < all.length || reached.length <= 1) {
        return [ok(AREA, "partitions.shard_query", `${name}: reaches ${reached.length} of ${all.length} shards${reached.length ? ` (${list(reached)})` : ""}`)];
    }
    return [problem("warning", AREA, "partitions.shard_query",
        `${name}: the query reaches all ${all.length} shards (${list(reached)}); shard key ${t.key}`,
        `A lookup should filter on the shard key ${keyColumns(t.key)} (= or IN with constants, or a range inside one shard's slices) so the coordinator sends it to one shard; ` +
        "a query without it runs on every shard (concurrently with async_capable, but every shard does the work).")];
}

export function checkPartitions(facts: DoctorFacts): Finding[] {
    const findings: Finding[] = [];
    const settings = facts.partitionSettings?.ok ? facts.partitionSettings.value : undefined;
    if (facts.partitionSettings) {
        findings.push(...(facts.partitionSettings.ok
            ? checkPartitionSettings(facts.partitionSettings.value)
            : [notGathered(AREA, "partitions.pruning_setting", "could not read the planner settings", facts.partitionSettings)]));
    }
    if (facts.query) {
        findings.push(...(facts.query.ok
            ? checkQueryPruning(facts.query.value, settings)
            : [problem("warning", AREA, "partitions.query", `could not EXPLAIN the query: ${facts.query.error}`,
                "Check the SQL: doctor runs EXPLAIN only (never executes it), one statement, with values inlined ($1 parameters are not supported).")]));
    }
    return findings;
}
