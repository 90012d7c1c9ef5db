export * from "./spec";
export * from "./render";
