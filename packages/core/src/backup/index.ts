export * from "./spec";
export * from "./render";
export * from "./drill";
export * from "./info";
export * from "./findings";
export * from "./member";
export * from "./restore-check";
export * from "./drill-pod";
