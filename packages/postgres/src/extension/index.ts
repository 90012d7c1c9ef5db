export { Extension } from "./resource";
export type { ExtensionArgs } from "./resource";
export { extensionProvider } from "./provider";
export { extensionHandlers } from "./handlers";
