// Whether and how long the provider waits, by the genuine provider's rules (metadata/overrides.go,
// await/await.go; sources in README.md): the engine's customTimeouts first, then the
// pulumi.com/timeoutSeconds annotation, then 10 minutes; pulumi.com/skipAwait "true" skips the
// readiness wait, and the deletion wait only for the kinds that always allowed it.
import { Obj } from "./client";
import { o } from "./readiness";

export const SKIP_AWAIT = "pulumi.com/skipAwait";
export const TIMEOUT_SECONDS = "pulumi.com/timeoutSeconds";
export const DEFAULT_TIMEOUT_SECONDS = 600;

const annotation = (inputs: Obj, key: string): unknown => o(o(inputs.metadata).annotations)[key];

/** Only the exact string "true" counts (IsAnnotationTrue). */
export function skipsAwait(inputs: Obj): boolean {
    return annotation(inputs, SKIP_AWAIT) === "true";
}

/** Kinds whose deletion skipAwait skips (allowsSkipAwaitWithDelete); every other kind waits until gone. */
const SKIP_DELETE_KINDS = new Set(["Namespace", "Pod", "ReplicationController", "DaemonSet", "Deployment", "StatefulSet", "Job"]);

export function skipsDeleteAwait(kind: string, inputs: Obj): boolean {
    return skipsAwait(inputs) && SKIP_DELETE_KINDS.has(kind);
}

/**
 * The wait's length in seconds (TimeoutDuration): the request's timeout (the resource's
 * customTimeouts for this operation) when non-zero, else an integer timeoutSeconds annotation,
 * else 10 minutes.
 */
export function timeoutSeconds(requestTimeout: number | undefined, inputs: Obj): number {
    if (requestTimeout) return requestTimeout;
    const raw = annotation(inputs, TIMEOUT_SECONDS);
    if (typeof raw === "string" && /^[+-]?\d+$/.test(raw)) return Number(raw);
    return DEFAULT_TIMEOUT_SECONDS;
}
