export { BuiltImage } from "./resource";
export { builtImageHandlers } from "./handlers";
export { IMAGES_DIR, CONTEXT_LABEL, contextDigest, ensureImage, EnsureImageInput, EnsuredImage } from "./build";
