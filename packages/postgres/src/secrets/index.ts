export * from "./generated-secret";
export * from "./first-value";
