export { PartitionedTable } from "./resource";
export type { PartitionedTableArgs } from "./resource";
export { partitionedTableProvider } from "./provider";
export { partitionedTableHandlers, PartitionPlanRefusedError } from "./handlers";

export type { PartitionedTableOutputs } from "./state";
