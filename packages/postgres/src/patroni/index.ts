export { PatroniDynamicConfig } from "./dynamic-config";
export type { PatroniDynamicConfigArgs, PatroniMemberEndpoint } from "./dynamic-config";
export * from "./rolling-ops";
export * from "./rollout";
export * from "./docker-members";
