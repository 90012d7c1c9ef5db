export { Publication } from "./resource";
export type { PublicationArgs } from "./resource";
export { publicationProvider } from "./provider";
export { publicationHandlers } from "./handlers";
