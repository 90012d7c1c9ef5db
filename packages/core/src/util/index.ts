// Small helpers every package needs once: canonical JSON for diffs and fingerprints, a pause between polls,
// hedged status reads, a string as one shell word, a SHA-256 in hex.
export { stableJson } from "./stable-json";
export { sleep } from "./sleep";
export { hedge } from "./hedge";
export { shellQuote } from "./shell-quote";
export { sha256Hex } from "./sha256";
