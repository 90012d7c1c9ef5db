export { PatroniDynamicConfig } from "./dynamic-config";
export type { PatroniDynamicConfigArgs, PatroniMemberEndpoint } from "./dynamic-config";
