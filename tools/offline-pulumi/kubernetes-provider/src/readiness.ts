// When a created or updated object counts as ready, as the real provider awaits it: workloads until
// their pods are ready at the current generation, Jobs until complete, Services with a selector until
// an endpoint is ready. Pure: takes the live objects, says ready, failed (with why) or waiting (with why).
import { Obj } from "./client";

export type Readiness = { state: "ready" } | { state: "waiting"; why: string } | { state: "failed"; why: string };

const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const n = (v: unknown, d = 0): number => (typeof v === "number" ? v : d);
const ready: Readiness = { state: "ready" };
const waiting = (why: string): Readiness => ({ state: "waiting", why });

function generationSeen(obj: Obj): boolean {
    return n(o(obj.status).observedGeneration, -1) >= n(o(obj.metadata).generation);
}

export function deploymentReadiness(obj: Obj): Readiness {
    const spec = o(obj.spec), status = o(obj.status);
    const want = n(spec.replicas, 1);
    if (!generationSeen(obj)) return waiting("the controller has not seen the current generation");
    const failed = (Array.isArray(status.conditions) ? status.conditions : []).map(o)
        .find((c) => c.type === "Progressing" && c.status === "False");
    if (failed) return { state: "failed", why: `${failed.reason}: ${failed.message}` };
    if (n(status.updatedReplicas) < want) return waiting(`${n(status.updatedReplicas)}/${want} replicas updated`);
    if (n(status.availableReplicas) < want) return waiting(`${n(status.availableReplicas)}/${want} replicas available`);
    if (n(status.replicas) > want) return waiting(`${n(status.replicas) - want} old replicas terminating`);
    return ready;
}

export function statefulSetReadiness(obj: Obj): Readiness {
    const spec = o(obj.spec), status = o(obj.status);
    const want = n(spec.replicas, 1);
    if (!generationSeen(obj)) return waiting("the controller has not seen the current generation");
    if (n(status.readyReplicas) < want) return waiting(`${n(status.readyReplicas)}/${want} replicas ready`);
    const rolling = o(o(spec.updateStrategy).rollingUpdate);
    const onDelete = o(spec.updateStrategy).type === "OnDelete";
    if (!onDelete && rolling.partition === undefined && status.updateRevision !== status.currentRevision) {
        return waiting(`rolling out revision ${String(status.updateRevision)} (${n(status.updatedReplicas)}/${want} updated)`);
    }
    return ready;
}

export function jobReadiness(obj: Obj): Readiness {
    const status = o(obj.status);
    for (const c of (Array.isArray(status.conditions) ? status.conditions : []).map(o)) {
        if (c.type === "Failed" && c.status === "True") return { state: "failed", why: `${c.reason}: ${c.message}` };
        if (c.type === "Complete" && c.status === "True") return ready;
    }
    return waiting(`${n(status.active)} active, ${n(status.succeeded)} succeeded, ${n(status.failed)} failed pods`);
}

/** A Service that routes to pods by selector waits for one ready endpoint; headless, ExternalName and selector-less ones do not. */
export function serviceNeedsEndpoints(obj: Obj): boolean {
    const spec = o(obj.spec);
    return spec.type !== "ExternalName" && spec.clusterIP !== "None" && Object.keys(o(spec.selector)).length > 0;
}

export function endpointsReadiness(endpoints: Obj | undefined): Readiness {
    const subsets = Array.isArray(endpoints?.subsets) ? (endpoints!.subsets as unknown[]).map(o) : [];
    return subsets.some((s) => Array.isArray(s.addresses) && s.addresses.length > 0) ? ready : waiting("no ready endpoint yet");
}
