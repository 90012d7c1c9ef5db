// Programmatic access to the stand-in (tests, tooling); the plugin entry point is main.ts.
export { KubernetesStandinProvider, PROVIDER_VERSION } from "./provider";
export type { ProviderConfig } from "./provider";
export { KINDS } from "./kinds";
