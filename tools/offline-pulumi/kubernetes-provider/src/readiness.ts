// When a created or updated workload counts as ready, by the genuine provider's rules (sources in
// README.md, "Await semantics"). Pure: takes the live objects, says ready, failed (with why) or
// waiting (with why). The genuine provider reports a failure only where it fails early; everything
// else waits until the timeout, naming what it waits for.
import { Obj } from "./client";

export type Readiness = { state: "ready" } | { state: "waiting"; why: string } | { state: "failed"; why: string };

export const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const n = (v: unknown, d = 0): number => (typeof v === "number" ? v : d);
const conditions = (obj: Obj): Obj[] => (Array.isArray(o(obj.status).conditions) ? (o(obj.status).conditions as unknown[]).map(o) : []);
export const READY: Readiness = { state: "ready" };
export const waiting = (why: string): Readiness => ({ state: "waiting", why });

/**
 * statefulset.go: all of spec.replicas, status.replicas, readyReplicas and currentReplicas equal,
 * and currentRevision (set) equal to updateRevision. With OnDelete after the first generation only
 * replicas and readyReplicas count. No observedGeneration check: right after an update the genuine
 * provider may accept the status from before it, and so does this.
 */
export function statefulSetReadiness(obj: Obj): Readiness {
    const spec = o(obj.spec), status = o(obj.status);
    const generation = n(o(obj.metadata).generation);
    if (generation === 0) return waiting("the StatefulSet has no generation yet");
    const want = n(spec.replicas);
    const replicas = n(status.replicas), ready = n(status.readyReplicas), current = n(status.currentReplicas);
    if (generation > 1 && o(spec.updateStrategy).type === "OnDelete") {
        return replicas === want && ready === want ? READY : waiting(`${ready}/${want} replicas ready`);
    }
    if (!(replicas === want && ready === want && current === want)) {
        return waiting(`${ready}/${want} replicas ready, ${current}/${want} at the current revision, ${replicas} in all`);
    }
    const cur = typeof status.currentRevision === "string" ? status.currentRevision : "";
    if (cur === "" || cur !== status.updateRevision) {
        return waiting(`the controller has not advanced from revision "${cur}" to "${String(status.updateRevision ?? "")}"`);
    }
    return READY;
}

const REVISION = "deployment.kubernetes.io/revision";

/**
 * deployment.go: once the controller observed the current generation, the ReplicaSet of the
 * Deployment's revision has as many ready replicas as it asks for, the Deployment is Available
 * and, after the first revision, Progressing with reason NewReplicaSetAvailable. A Progressing or
 * Available condition that is False does not end the wait: it is reported and the wait goes on.
 */
export function deploymentReadiness(obj: Obj, replicaSets: Obj[]): Readiness {
    const meta = o(obj.metadata), status = o(obj.status);
    if (status.observedGeneration === undefined || n(status.observedGeneration) !== n(meta.generation)) {
        return waiting("the controller has not seen the current generation");
    }
    const revision = o(meta.annotations)[REVISION];
    if (typeof revision !== "string" || revision === "") return waiting("the controller has made no ReplicaSet yet");
    const problems: string[] = [];
    let available = false, newReplicaSetAvailable = false;
    for (const c of conditions(obj)) {
        if (c.type === "Progressing") {
            if (c.status !== "True") problems.push(`[${String(c.reason)}] ${String(c.message)}`);
            newReplicaSetAvailable = c.reason === "NewReplicaSetAvailable" && c.status === "True";
        }
        if (c.type === "Available") {
            available = c.status === "True";
            if (!available) problems.push(`[${String(c.reason)}] ${String(c.message)}`);
        }
    }
    const uid = meta.uid;
    const rs = replicaSets.find((r) => o(o(r.metadata).annotations)[REVISION] === revision
        && (Array.isArray(o(r.metadata).ownerReferences) ? (o(r.metadata).ownerReferences as unknown[]).map(o) : []).some((ref) => ref.uid === uid));
    const specReplicas = rs ? n(o(rs.spec).replicas, 1) : 1;
    const readyReplicas = rs ? o(rs.status).readyReplicas : undefined;
    const rsReady = rs !== undefined && (typeof readyReplicas === "number" ? readyReplicas >= specReplicas : specReplicas === 0);
    const ok = revision === "1" ? available && rsReady : available && newReplicaSetAvailable && rsReady;
    if (ok) return READY;
    const why = rs ? `${n(readyReplicas)}/${specReplicas} pods of revision ${revision} ready` : `no ReplicaSet of revision ${revision} yet`;
    return waiting([why, ...problems].join("; "));
}

/**
 * job.go with checker/job/check.go: started (status.startTime) and condition Complete True. A
 * Failed condition ends the wait only for the reasons BackoffLimitExceeded and DeadlineExceeded.
 */
export function jobReadiness(obj: Obj): Readiness {
    const status = o(obj.status);
    const byType = new Map(conditions(obj).map((c) => [c.type, c]));
    const failed = byType.get("Failed");
    if (failed?.status === "True" && (failed.reason === "BackoffLimitExceeded" || failed.reason === "DeadlineExceeded")) {
        return { state: "failed", why: `[${failed.reason}] ${String(failed.message)}` };
    }
    if (status.startTime === undefined) return waiting("the Job has not started");
    if (byType.get("Complete")?.status === "True") return READY;
    return waiting(`${n(status.active)} active, ${n(status.succeeded)} succeeded, ${n(status.failed)} failed pods`);
}

/**
 * awaiters.go (`untilCoreV1PersistentVolumeClaimBound`, `...Ready` since pulumi-kubernetes PR #3130; PR #4181): a
 * claim is ready once Bound; when created under a StorageClass that binds WaitForFirstConsumer, once
 * Pending too (it binds only when a pod uses it, so waiting for Bound would never end). Without a
 * known bind mode (no class, or the class not found) it waits for Bound, and so on an update.
 */
export function persistentVolumeClaimReadiness(claim: Obj, op: "create" | "update", bindMode: string | undefined): Readiness {
    const phase = o(claim.status).phase;
    if (phase === "Bound") return READY;
    if (op === "create" && phase === "Pending" && bindMode === "WaitForFirstConsumer") return READY;
    return waiting(`the claim is ${typeof phase === "string" ? phase : "not bound yet"}, not Bound`);
}
