// Small helpers every package needs once: canonical JSON for diffs and fingerprints, a pause between polls.
export { stableJson } from "./stable-json";
export { sleep } from "./sleep";
