// Pulumi dynamic providers that talk to live servers.
export * from "./secrets";
export * from "./patroni";
export * from "./partitioned-table";
export * from "./sharded-table";
export * from "./role";
export * from "./grant";
export * from "./database";
export * from "./schema";
export * from "./extension";
export * from "./publication";
export * from "./subscription";
export { AccessPlanRefusedError, PgscaleSqlError, redact } from "./sql";
export * from "./replication";
export { packageRequire, loadFromPackage } from "./own-package";
export type { PackageLocation, PackageRequire } from "./own-package";
export * from "./drill/restore-drill-base";
