/**
 * JSON with every object's keys sorted, so two values that differ only in key order (the Pulumi
 * engine does not keep it) serialize alike. Members that are undefined are left out, as JSON does.
 * Container fingerprints are digests of this text and live in stacks' state: changing the key
 * order (localeCompare) would change every fingerprint and replace every container.
 */
export function stableJson(v: unknown): string {
    return JSON.stringify(v, (_k, x) =>
        x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x);
}
