export * from "./spec";
export * from "./render";
export * from "./drill";
