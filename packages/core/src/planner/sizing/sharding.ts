import { Decision } from "../types";
import { round } from "../metrics";
import { ACTIVE_SHARE } from "./pool";
import { sizeHashPartitions } from "./partitions";

/**
 * Past ~2 TB a single node is limited by operations rather than queries:
 * rebuilding a replica or restoring a backup at ~200 MB/s takes hours, and
 * VACUUM and backup windows grow with it.
 */
export const SINGLE_NODE_LIMIT_GB = 2000;
export const PARTITIONS_PER_SHARD = 4;

export interface ShardingFacts {
    sizeGb: number;
    rowsMillions: number;
    growthGbPerMonth: number;
    growthRowsMillionsPerMonth: number;
    connectionsPeak: number;
    writeShare: number;
    /** Server connections one primary can give to the application. */
    nodeBudget: number;
}

export interface ShardingPlan {
    shard: boolean;
    shards: number;
    modulus: number;
    projectedGb: number;
    decisions: Decision[];
}

/**
 * Shard (hash partitions as postgres_fdw foreign tables on N servers) only
 * when one primary cannot hold the data or the writes; otherwise partition
 * on one node by the same key, which keeps the move to shards per partition.
 */
export function planSharding(f: ShardingFacts, budget: boolean): ShardingPlan {
    const projectedGb = f.sizeGb + 24 * f.growthGbPerMonth;
    const projectedRows = f.rowsMillions + 24 * f.growthRowsMillionsPerMonth;
    const activeWrites = Math.ceil(f.connectionsPeak * f.writeShare * ACTIVE_SHARE);
    const tooBig = projectedGb > SINGLE_NODE_LIMIT_GB;
    const tooManyWrites = activeWrites > f.nodeBudget;
    const shard = tooBig || tooManyWrites;
    // Without the budget constraint shards start half full, leaving room to grow before a reshard.
    const perShardGb = budget ? SINGLE_NODE_LIMIT_GB : SINGLE_NODE_LIMIT_GB / 2;
    const shards = shard ? Math.max(2, Math.ceil(projectedGb / perShardGb), Math.ceil(activeWrites / f.nodeBudget)) : 1;
    // Not sharding yet: still enough partitions for a first split into two shards.
    const hash = sizeHashPartitions(projectedGb, projectedRows, (shard ? shards : 2) * PARTITIONS_PER_SHARD);
    // ShardedTable gives every shard the same number of slices: the modulus is a multiple of the shard count.
    const modulus = shard ? shards * Math.ceil(hash.modulus / shards) : hash.modulus;
    const facts = `projected size in 24 months ${round(projectedGb)} GB (limit ${SINGLE_NODE_LIMIT_GB} GB per node); ~${activeWrites} concurrent write transactions at peak (${f.connectionsPeak} x ${round(f.writeShare * 100, 0)}% writes x ${ACTIVE_SHARE * 100}% active) against ${f.nodeBudget} server connections on one primary`;
    const decisions: Decision[] = [
        shard
            ? { topic: "shard?", choice: `yes, ${shards} shards`, why: `${facts}: ${[tooBig && "the data outgrows one node", tooManyWrites && "the writes outgrow one primary"].filter(Boolean).join(" and ")}. ${budget ? "Constraint budget: shards filled up to the limit" : "Shards start at most half full to leave room before resharding"}` }
            : { topic: "shard?", choice: "no, not yet", why: `${facts}: one primary holds both. Sharding would add cross-shard queries without atomic commits; hash-partition on one node by the shard key instead, so each partition can later move to a shard on its own` },
        {
            ...hash.decision,
            choice: String(modulus),
            why:
                `at least ${PARTITIONS_PER_SHARD} partitions per ${shard ? "shard" : "future shard (2 to start)"} so rebalancing moves whole partitions; ` +
                hash.decision.why +
                (modulus !== hash.modulus ? `; then to ${modulus}, a multiple of the ${shards} shards, so each holds ${modulus / shards} (a partition still splits in two by doubling its modulus)` : ""),
        },
    ];
    return { shard, shards, modulus, projectedGb, decisions };
}
