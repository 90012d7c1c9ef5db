// Partitioned tables as data: the spec and its rules, the rolling window, the
// catalog snapshot, DDL rendering and the plan from actual to desired.
export * from "./spec";
