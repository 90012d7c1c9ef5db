// Partitioned tables as data: the spec and its rules, the rolling window, the
// catalog snapshot, DDL rendering and the plan from actual to desired state.
export * from "./spec";
export { partitionedTableIssues } from "./rules";
export type { SpecIssue } from "./rules";
export { parseInterval, formatInterval, addInterval, floorToInterval } from "./interval";
export type { CalendarInterval, IntervalUnit } from "./interval";
export { keyKindOf, normalizeKeyValue, compareTuples } from "./values";
export type { KeyKind, KeyValue, NormalizedValue } from "./values";
export { defaultPartitionName, hashPartitionName, rollingPartitionName, indexName, partitionIndexName, fitIdentifier } from "./naming";
export { keyColumns, explicitPartitions, desiredDefaultPartition, resolvedIndexes, entryBound } from "./resolve";
export type { DesiredBound, DesiredPartition, KeyColumn, ResolvedIndex } from "./resolve";
export { rollingWindow, rollingPartition, isRollingPartition, boundText } from "./rolling";
export type { RollingWindow } from "./rolling";
export { renderBound, describeCatalogBound, parseCatalogBound, boundsEqual, rangeMicros, BoundParseError } from "./bounds";
export type { CatalogBound, CatalogDatum } from "./bounds";
export { observeCatalog, emptyCatalog } from "./catalog";
export type { CatalogColumn, CatalogExtensions, CatalogIndex, CatalogPartition, CatalogState, CatalogTable, CronJob, ObservedTable, PartmanConfig } from "./catalog";
export * as partitionDdl from "./ddl";
export * as partmanSql from "./partman";
export { planPartitionedTable, planRemoval, summarizePlan, normalizeType } from "./plan";
export type { PartitionPlan, PlanInput, PlanRefusal, PlanStep, StepAction } from "./plan";
