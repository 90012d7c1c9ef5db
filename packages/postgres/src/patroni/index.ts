export { PatroniDynamicConfig } from "./dynamic-config";
export type { PatroniDynamicConfigArgs, PatroniMemberEndpoint } from "./dynamic-config";
export { PostgresVersionGuard } from "./version-guard";
export type { PostgresVersionGuardArgs } from "./version-guard";
