export * from "./rolling-ops";
export * from "./rollout";
export * from "./docker-members";
