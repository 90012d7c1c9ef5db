// The genuine provider's Service await (service.go, README.md "Await semantics"), rule by rule.
import { ENDPOINTS_SETTLE_MS, EndpointsSettling, serviceAwaitsEndpoints, serviceReadiness } from "./service-readiness";

const svc = (spec: object, status: object = {}) => ({ spec, status });
const selector = { app: "db" };
const endpoints = (subsets: object[], resourceVersion = "1") => ({ metadata: { resourceVersion }, subsets });
const ip = [{ ip: "10.0.0.1" }];

describe("which Services wait for their Endpoints", () => {
    it("a ClusterIP Service with a selector waits", () => {
        expect(serviceAwaitsEndpoints(svc({ selector }))).toBe(true);
        expect(serviceAwaitsEndpoints(svc({ type: "NodePort", selector }))).toBe(true);
    });
    it("a Service without a selector does not (its Endpoints are someone else's)", () => {
        expect(serviceAwaitsEndpoints(svc({ ports: [{ port: 5432 }] }))).toBe(false);
        expect(serviceAwaitsEndpoints(svc({ selector: {} }))).toBe(false);
    });
    it("headless and ExternalName Services do not", () => {
        expect(serviceAwaitsEndpoints(svc({ clusterIP: "None", selector }))).toBe(false);
        expect(serviceAwaitsEndpoints(svc({ type: "ExternalName", externalName: "x.example", selector }))).toBe(false);
    });
});

describe("Service readiness", () => {
    it("a selector-less or headless Service is ready at once, whatever its Endpoints", () => {
        expect(serviceReadiness(svc({ ports: [] }), undefined, false).state).toBe("ready");
        expect(serviceReadiness(svc({ clusterIP: "None", selector }), endpoints([{ notReadyAddresses: ip }]), false).state).toBe("ready");
    });
    it("is ready with no endpoints at all once they settled: it waits for pods that exist, not for pods to come", () => {
        expect(serviceReadiness(svc({ selector }), endpoints([]), true).state).toBe("ready");
        expect(serviceReadiness(svc({ selector }), endpoints([]), false).state).toBe("waiting");
    });
    it("waits while any selected pod is not ready, settled or not, and at the timeout too", () => {
        const mixed = endpoints([{ addresses: ip, notReadyAddresses: [{ ip: "10.0.0.2" }] }]);
        expect(serviceReadiness(svc({ selector }), mixed, true).state).toBe("waiting");
        expect(serviceReadiness(svc({ selector }), mixed, true, true).state).toBe("waiting");
        expect(serviceReadiness(svc({ selector }), endpoints([{ addresses: ip }]), true).state).toBe("ready");
    });
    it("at the timeout accepts unsettled Endpoints with nothing pending", () => {
        expect(serviceReadiness(svc({ selector }), endpoints([{ addresses: ip }]), false, true).state).toBe("ready");
    });
    it("a LoadBalancer waits for an ingress address, with or without a selector", () => {
        expect(serviceReadiness(svc({ type: "LoadBalancer" }), undefined, true).state).toBe("waiting");
        expect(serviceReadiness(svc({ type: "LoadBalancer", selector }), endpoints([{ addresses: ip }]), true).state).toBe("waiting");
        expect(serviceReadiness(svc({ type: "LoadBalancer" }, { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } }), undefined, false).state).toBe("ready");
    });
});

describe("Endpoints settling", () => {
    it("settles 10 s after the last change, and starts over at each change", () => {
        const s = new EndpointsSettling();
        expect(ENDPOINTS_SETTLE_MS).toBe(10_000);
        expect(s.observe(endpoints([], "1"), 0)).toBe(false);
        expect(s.observe(endpoints([], "1"), 9_999)).toBe(false);
        expect(s.observe(endpoints([], "2"), 10_000)).toBe(false);
        expect(s.observe(endpoints([], "2"), 19_999)).toBe(false);
        expect(s.observe(endpoints([], "2"), 20_000)).toBe(true);
    });
    it("never settles while there are no Endpoints", () => {
        const s = new EndpointsSettling();
        expect(s.observe(undefined, 0)).toBe(false);
        expect(s.observe(undefined, 60_000)).toBe(false);
    });
});
