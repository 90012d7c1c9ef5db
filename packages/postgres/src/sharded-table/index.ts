export { ShardedTable } from "./resource";
export type { ShardedTableArgs, ShardArgs } from "./resource";
export { shardedTableProvider } from "./provider";
export { shardedTableHandlers, ShardPlanRefusedError } from "./handlers";
/** The slot (on the coordinator) a shard's reference-table subscription reads: what a PatroniCluster's `logicalSlots` declares. */
export { referenceSlotName } from "@pgscale/core";
