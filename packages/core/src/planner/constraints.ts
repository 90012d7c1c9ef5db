/**
 * The constraint vocabulary `pgscale plan` understands. Free text is allowed
 * (the playbook types constraints as strings); words outside this list are
 * carried into the plan as notes rather than rejected, but a known key with a
 * bad value is an error, because silently dropping it would change the plan.
 */
export const CONSTRAINT_VOCABULARY = {
    "no-downtime": "every step runs online: ATTACH instead of copy, CONCURRENTLY index builds, switchover instead of restart, faster failure detection",
    budget: "fewest nodes that still meet the goal: at most 2 replicas, sharding only when a node cannot hold the data",
    "managed-service": "the database is a managed service (RDS, Cloud SQL, Azure...): no Patroni/etcd/HAProxy; use the provider's HA, replicas and pooler with the planned settings",
    "zero-data-loss": "no acknowledged write may be lost on failover: synchronous replication",
    "session-state": "the application relies on session state (SET, advisory locks, LISTEN, WITH HOLD cursors, prepared statements): session pooling",
    "max-connections=<n>": "the server's max_connections (default: what the plan sets, or 200)",
    "growth-gb-per-month=<x>": "data growth of the table (default: table_size_gb / 12, i.e. a year of history)",
    "retention-months=<n>": "keep this many months of data; older partitions are detached",
    "partition-by=<range|list|hash>": "override the partitioning strategy (default: range on time)",
} as const;

export type PartitionStrategy = "range" | "list" | "hash";

export interface PlanConstraints {
    noDowntime: boolean;
    budget: boolean;
    managedService: boolean;
    zeroDataLoss: boolean;
    sessionState: boolean;
    maxConnections?: number;
    growthGbPerMonth?: number;
    retentionMonths?: number;
    partitionBy?: PartitionStrategy;
    /** Constraints outside the vocabulary, verbatim. */
    unrecognised: string[];
}

const FLAGS = {
    "no-downtime": "noDowntime",
    budget: "budget",
    "managed-service": "managedService",
    "zero-data-loss": "zeroDataLoss",
    "session-state": "sessionState",
} as const;

type Valued = "maxConnections" | "growthGbPerMonth" | "retentionMonths" | "partitionBy";

const VALUED: Record<string, { key: Valued; parse(v: string): number | PartitionStrategy | undefined; expect: string }> = {
    "max-connections": { key: "maxConnections", parse: (v) => intAtLeast(v, 10), expect: "an integer >= 10, e.g. max-connections=200" },
    "growth-gb-per-month": { key: "growthGbPerMonth", parse: (v) => positive(v), expect: "a number > 0, e.g. growth-gb-per-month=40" },
    "retention-months": { key: "retentionMonths", parse: (v) => intAtLeast(v, 1), expect: "an integer >= 1, e.g. retention-months=12" },
    "partition-by": {
        key: "partitionBy",
        parse: (v) => (["range", "list", "hash"].includes(v) ? (v as PartitionStrategy) : undefined),
        expect: "range, list or hash",
    },
};

function intAtLeast(v: string, min: number): number | undefined {
    return /^\d+$/.test(v) && Number(v) >= min ? Number(v) : undefined;
}

function positive(v: string): number | undefined {
    return /^\d+(\.\d+)?$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
}

/** "No downtime", "no_downtime" and "NO-DOWNTIME" mean the same. */
function normalise(c: string): string {
    return c.trim().toLowerCase().replace(/[\s_]+/g, "-").replace(/-*=-*/, "=");
}

/** Why `c` is invalid, or undefined. Unknown words are not invalid. */
export function constraintProblem(c: string): string | undefined {
    const n = normalise(c);
    if (n === "") return "is empty";
    const [key, value] = n.split("=", 2);
    const valued = VALUED[key];
    if (!valued) return undefined;
    if (value === undefined) return `"${key}" needs a value: ${valued.expect}`;
    return valued.parse(value) === undefined ? `"${key}" must be ${valued.expect}, got "${value}"` : undefined;
}

/** Reads constraints that passed `constraintProblem`. */
export function readConstraints(list: readonly string[]): PlanConstraints {
    const out: PlanConstraints = { noDowntime: false, budget: false, managedService: false, zeroDataLoss: false, sessionState: false, unrecognised: [] };
    for (const c of list) {
        const n = normalise(c);
        const [key, value] = n.split("=", 2);
        if (key in FLAGS && value === undefined) out[FLAGS[key as keyof typeof FLAGS]] = true;
        else if (VALUED[key] && value !== undefined) (out as unknown as Record<string, unknown>)[VALUED[key].key] = VALUED[key].parse(value);
        else out.unrecognised.push(c);
    }
    return out;
}
