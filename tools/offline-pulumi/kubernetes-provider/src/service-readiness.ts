// A Service's readiness by the genuine provider's rules (service.go, sources in README.md): a
// LoadBalancer waits for an ingress address; a Service that selects pods (not headless, not
// ExternalName, with a selector) also waits until its Endpoints have no not-ready address and have
// not changed for 10 seconds. No endpoints at all is ready: the wait is for pods that exist.
import { Obj } from "./client";
import { o, READY, Readiness, waiting } from "./readiness";

/** How long the Endpoints must stay unchanged before the Service counts as settled. */
export const ENDPOINTS_SETTLE_MS = 10_000;

const selectorOf = (svc: Obj): Obj => o(o(svc.spec).selector);

/** Whether the genuine provider waits on the Service's Endpoints (shouldWaitForPods). */
export function serviceAwaitsEndpoints(svc: Obj): boolean {
    const spec = o(svc.spec);
    return spec.type !== "ExternalName" && spec.clusterIP !== "None" && Object.keys(selectorOf(svc)).length > 0;
}

export interface EndpointsState {
    /** Some subset has a ready address. */
    ready: boolean;
    /** Some subset has a not-ready address: the Service waits for it. */
    pending: boolean;
}

export function endpointsState(endpoints: Obj | undefined): EndpointsState {
    const subsets = Array.isArray(endpoints?.subsets) ? (endpoints!.subsets as unknown[]).map(o) : [];
    const nonEmpty = (key: string) => subsets.some((s) => Array.isArray(s[key]) && (s[key] as unknown[]).length > 0);
    return { ready: nonEmpty("addresses"), pending: nonEmpty("notReadyAddresses") };
}

function loadBalancerReady(svc: Obj): boolean {
    if (o(svc.spec).type !== "LoadBalancer") return true;
    const ingress = o(o(svc.status).loadBalancer).ingress;
    return Array.isArray(ingress) && ingress.length > 0;
}

/**
 * The Service's state now. `settled` says whether its Endpoints have been unchanged for
 * ENDPOINTS_SETTLE_MS; `final` is the last look at the timeout, where the genuine provider accepts
 * an unsettled Service whose Endpoints have nothing pending.
 */
export function serviceReadiness(svc: Obj, endpoints: Obj | undefined, settled: boolean, final = false): Readiness {
    if (!loadBalancerReady(svc)) return waiting("no IP address allocated to the load balancer");
    if (!serviceAwaitsEndpoints(svc)) return READY;
    const ep = endpointsState(endpoints);
    if (ep.pending) return waiting("selected pods are not ready");
    if (settled || final) return READY;
    return waiting("endpoints settling");
}

/** Tells when a Service's Endpoints last changed (by resourceVersion), to know when they settled. */
export class EndpointsSettling {
    private version: string | undefined;
    private changedAt: number | undefined;

    /** Records an observation; true once the Endpoints have existed unchanged for ENDPOINTS_SETTLE_MS. */
    observe(endpoints: Obj | undefined, now: number): boolean {
        if (!endpoints) return false;
        const version = String(o(endpoints.metadata).resourceVersion ?? "");
        if (this.changedAt === undefined || version !== this.version) {
            this.version = version;
            this.changedAt = now;
        }
        return now - this.changedAt >= ENDPOINTS_SETTLE_MS;
    }
}
