export * from "./generated-secret";
