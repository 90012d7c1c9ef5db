export { Grant } from "./resource";
export type { GrantArgs } from "./resource";
export { grantProvider } from "./provider";
export { grantHandlers } from "./handlers";
