export * from "./generated-secret";
export * from "./first-value";
export * from "./generated-tls";
export * from "./s3-keys";
