export { ShardedTable } from "./resource";
export type { ShardedTableArgs, ShardArgs } from "./resource";
export { shardedTableProvider } from "./provider";
export { shardedTableHandlers, ShardPlanRefusedError } from "./handlers";
