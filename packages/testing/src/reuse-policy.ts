import * as crypto from "crypto";
import { FieldIssue, stableJson } from "@pgscale/core";
import { DEFAULT_IMAGES } from "@pgscale/core";
import type { StartPlan } from "./options";
import type { OwnerState } from "./owner";

// The pure decisions of cluster reuse: what identifies a cluster, when an idle one expires, and
// what prune does with a kept cluster. Kept apart from the I/O so they are unit-tested alone.

/**
 * An hour: long enough to survive a coffee break between two runs of a suite, short enough that a
 * forgotten cluster (hundreds of MiB with profile "fast") does not linger for the day.
 */
export const DEFAULT_REUSE_TTL = 3600;

export function reuseTtlIssues(ttl: unknown, reuse: unknown): FieldIssue[] {
    if (ttl === undefined) return [];
    if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) return [{ field: "reuseTtl", message: `must be a number of seconds > 0, not ${JSON.stringify(ttl)}` }];
    if (reuse !== true) return [{ field: "reuseTtl", message: "only applies with reuse: true" }];
    return [];
}

/**
 * What makes two starts interchangeable: everything that shapes the cluster (kind, profile,
 * topology, Patroni and PostgreSQL settings, images, application database and owner), the package
 * version (a new version may build other containers from the same options) and the OS user (a
 * cluster's passwords live in that user's state directory). Not in it: the name prefix, the
 * passphrase, logging, prune and the TTL, which change nothing in the containers.
 */
export function reuseSpec(plan: StartPlan, version: string, uid: number): Record<string, unknown> {
    return {
        kind: plan.kind,
        profile: plan.profile,
        etcdMembers: plan.etcdMembers,
        pooler: plan.pooler,
        synchronousMode: plan.synchronousMode,
        patroni: plan.patroni,
        // Resolved: the default image references carry the package version too.
        images: { ...DEFAULT_IMAGES, ...plan.images },
        version,
        uid,
    };
}

/** 16 hex digits of SHA-256 over the spec's stable JSON: short enough for a label, collisions negligible. */
export function reuseKey(spec: Record<string, unknown>): string {
    return crypto.createHash("sha256").update(stableJson(spec)).digest("hex").slice(0, 16);
}

/** A kept cluster's bookkeeping, as prune and a reusing start read it. */
export interface ReuseState {
    /** Epoch ms of the last start that took it or the last stop() that released it. */
    lastUsed: number;
    /** Seconds, as the last start asked. */
    ttl: number;
    /** Leases held by live processes (dead holders do not count: they can no longer use it). */
    liveLeases: number;
}

export type ReuseVerdict = "in-use" | "idle" | "expired";

/** In use while a live process holds a lease, however old; else expired once idle for longer than its TTL. */
export function reuseVerdict(s: ReuseState, now: number): ReuseVerdict {
    if (s.liveLeases > 0) return "in-use";
    return now - s.lastUsed > s.ttl * 1000 ? "expired" : "idle";
}

/** What prune knows about one cluster on the engine or in a state directory. */
export interface PruneCandidate {
    /** State of the process that created it (for a kept cluster: long gone, by design). */
    owner: OwnerState;
    /** Carries the reuse label (or its directory a reuse record). */
    reuse: boolean;
    /** Its directory lies under the state root being pruned. */
    underRoot: boolean;
    /** "ok": the reuse record was read; "missing": no record in a directory that exists (start died before it was ready); "unreadable": another user's directory, or gone. */
    record: "ok" | "missing" | "unreadable";
    state?: ReuseState;
}

export type PruneMode = "expired" | "idle";

/**
 * prune's rule. A cluster that is not kept for reuse is reaped when its owner is dead, as before.
 * A kept cluster outlives its owner, so it is judged by its record instead: reaped once expired
 * (mode "idle": as soon as no live process holds it), never while a live process holds a lease.
 * Only the prune of its own state root judges a kept cluster; a start that died before the
 * cluster was ready left no record and is a crashed run like any other.
 */
export function pruneDecision(c: PruneCandidate, now: number, mode: PruneMode = "expired"): { reap: boolean; why: string } {
    if (!c.reuse) return c.owner === "dead" ? { reap: true, why: "owner process gone" } : { reap: false, why: `owner ${c.owner}` };
    if (c.owner === "foreign") return { reap: false, why: "started on another host" };
    if (!c.underRoot) return { reap: false, why: "kept cluster of another state root" };
    if (c.record === "unreadable") return { reap: false, why: "kept cluster whose record cannot be read" };
    if (c.record === "missing") return c.owner === "dead" ? { reap: true, why: "start died before the cluster was ready" } : { reap: false, why: "still starting" };
    const verdict = reuseVerdict(c.state!, now);
    if (verdict === "expired") return { reap: true, why: `idle for longer than its TTL (${c.state!.ttl} s)` };
    if (verdict === "idle" && mode === "idle") return { reap: true, why: "idle (prune of idle kept clusters)" };
    return { reap: false, why: `kept cluster ${verdict}` };
}
