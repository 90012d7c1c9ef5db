// Programmatic access to the stand-in (tests, tooling); the plugin entry point is main.ts.
export { DockerStandinProvider, PROVIDER_VERSION } from "./provider";
export type { ProviderConfig } from "./provider";
export { SPECS, CONTAINER, IMAGE, NETWORK, REMOTE_IMAGE, VOLUME } from "./schema";
export * as wire from "./properties";
export { patchProviderService, configureResponse, checkConfigResponse } from "./provider-service";
export type { Callback, ConfigFailure, GrpcModule } from "./provider-service";
