export { Schema } from "./resource";
export type { SchemaArgs } from "./resource";
export { schemaProvider } from "./provider";
export { schemaHandlers } from "./handlers";
