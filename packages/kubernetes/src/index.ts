// pgscale's HA constructs on Kubernetes: the same names and specs as @pgscale/docker.
export * from "./etcd";
export * from "./patroni";
export * from "./haproxy";
export * from "./pgbouncer";
export * from "./prometheus";
export * from "./alertmanager";
export { MONITOR_ROLE, STATS_USER } from "./monitoring";
export { DEFAULT_IMAGES, IMAGE_USERS } from "./images";
export type { ServiceEndpoint } from "./service-endpoint";
export type { NamespaceRef } from "./namespace";
export type { BackupStorageArgs, PlacementArgs, StorageArgs } from "./platform";
export { patroniRoleRules, patroniEndpointNames } from "./patroni-rbac";
export type { DeclaredDatabase, DeclaredRole } from "./declared-access";
export { RestoreDrill, restoreDrillPodHandlers } from "./restore-drill";
export { restoreCheckPodHandlers } from "./restore-check";
export type { RestoreDrillArgs } from "./restore-drill";
export { pgscaleProviders } from "./providers";
