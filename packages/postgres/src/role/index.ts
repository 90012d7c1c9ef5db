export { Role } from "./resource";
export type { RoleArgs } from "./resource";
export { roleProvider } from "./provider";
export { roleHandlers } from "./handlers";
