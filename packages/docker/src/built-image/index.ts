export { BuiltImage } from "./resource";
export { builtImageHandlers } from "./handlers";
export { IMAGES_DIR, CONTEXT_LABEL, contextDigest, ensureImage } from "./build";
export type { EnsureImageInput, EnsuredImage } from "./build";
