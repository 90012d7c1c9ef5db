// Ephemeral PostgreSQL clusters for application test suites, from the @pgscale/docker constructs.
export { startCluster, startPostgres } from "./start";
export { TestCluster, TestDatabase, clusterFromEnv } from "./test-cluster";
export type { ClusterOptions, PostgresOptions, StartOptions, Profile, ImageOverrides } from "./options";
export type { FailoverResult, RejoinOptions, WaitOptions } from "./chaos";
export type { MemberStatus } from "./patroni-rest";
export type { ClusterInfo, MemberInfo, ServiceInfo } from "./cluster-info";
export { ENV } from "./cluster-info";
export { prune } from "./prune";
export { DEFAULT_REUSE_TTL } from "./reuse-policy";
export type { PruneOptions, PruneReport } from "./prune";
export { jestGlobalSetup, jestGlobalTeardown } from "./jest";
export type { ProgressLogger } from "./progress";
export { FAST_PARAMETERS } from "./fast-profile";
export { LABELS, PROJECT } from "./labels";
export { waitFor } from "./wait";
