export * from "./dynamic-config";
