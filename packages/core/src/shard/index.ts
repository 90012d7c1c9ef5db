// Sharded tables as data: the spec and its rules, the slices and the shard each
// lands on (and how one moves when shards are added or removed), the connections' checks, DDL rendering and the plan from the live
// catalogs of the coordinator and the shards.
export { shardedTableFields, shardedTableSpec, parseShardedTable, shardSpec, shardBySpec, localPartitioningSpec, foreignServerSpec } from "./spec";
export type { ShardedTableInput, ShardedTableSpec, ShardSpec, ShardBySpec, LocalPartitioningSpec } from "./spec";
export { shardedTableIssues } from "./rules";
export { currentPlacement, moveServerName, placeSlices } from "./placement";
export { slicesOf, hashModulus, hashShardIndex, coordinatorTable, localSliceTable, foreignServerName, shardRoleName } from "./slices";
export type { Slice } from "./slices";
export { endpointOf, connectionIssues, serverEndpoint } from "./connections";
export type { Endpoint } from "./connections";
export * as shardDdl from "./ddl";
export { planShardedTable, planShardedRemoval } from "./plan";
export { summarizeShardedPlan } from "./catalog";
export type { CoordinatorCatalog, ShardCatalog, ShardCredential, ShardedPlan, ShardedPlanInput, ShardedStep, Strategy as ShardStrategy } from "./catalog";
export { referenceTableSpec } from "./reference-spec";
export type { ReferenceTableInput, ReferenceTableSpec } from "./reference-spec";
export { planReferenceTables, planReferenceRemoval, referencePublicationName, referenceRoleName, referenceSlotName, referenceGuardName, REFERENCE_TRIGGER } from "./reference";
export type { ReferenceCoordinatorCatalog, ReferenceShardCatalog, ReferencePlanInput, RemovedReferenceShard } from "./reference";
