// Small helpers every package needs once: canonical JSON for diffs and fingerprints.
export { stableJson } from "./stable-json";
