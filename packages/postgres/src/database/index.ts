export { Database } from "./resource";
export type { DatabaseArgs } from "./resource";
export { databaseProvider } from "./provider";
export { databaseHandlers } from "./handlers";
