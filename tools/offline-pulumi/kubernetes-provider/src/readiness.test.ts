import { deploymentReadiness, endpointsReadiness, jobReadiness, serviceNeedsEndpoints, statefulSetReadiness } from "./readiness";

describe("readiness", () => {
    it("waits for a Deployment's replicas to be updated and available at the current generation", () => {
        const d = (status: object, generation = 2) => ({ metadata: { generation }, spec: { replicas: 2 }, status });
        expect(deploymentReadiness(d({ observedGeneration: 1, updatedReplicas: 2, availableReplicas: 2, replicas: 2 })).state).toBe("waiting");
        expect(deploymentReadiness(d({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 1, replicas: 2 }))).toEqual({ state: "waiting", why: "1/2 replicas available" });
        expect(deploymentReadiness(d({ observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2, replicas: 2 })).state).toBe("ready");
        expect(deploymentReadiness(d({ observedGeneration: 2, conditions: [{ type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "m" }] })).state).toBe("failed");
    });
    it("waits for a StatefulSet's pods to be ready and on the update revision", () => {
        const s = (status: object) => ({ metadata: { generation: 1 }, spec: { replicas: 3 }, status: { observedGeneration: 1, ...status } });
        expect(statefulSetReadiness(s({ readyReplicas: 2 }))).toEqual({ state: "waiting", why: "2/3 replicas ready" });
        expect(statefulSetReadiness(s({ readyReplicas: 3, currentRevision: "a", updateRevision: "b", updatedReplicas: 1 })).state).toBe("waiting");
        expect(statefulSetReadiness(s({ readyReplicas: 3, currentRevision: "b", updateRevision: "b" })).state).toBe("ready");
    });
    it("follows a Job to completion or failure", () => {
        expect(jobReadiness({ status: { active: 1 } }).state).toBe("waiting");
        expect(jobReadiness({ status: { conditions: [{ type: "Complete", status: "True" }] } }).state).toBe("ready");
        expect(jobReadiness({ status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }] } }))
            .toEqual({ state: "failed", why: "BackoffLimitExceeded: Job has reached the specified backoff limit" });
    });
    it("waits for an endpoint only for Services that select pods", () => {
        expect(serviceNeedsEndpoints({ spec: { selector: { app: "x" } } })).toBe(true);
        expect(serviceNeedsEndpoints({ spec: {} })).toBe(false);
        expect(serviceNeedsEndpoints({ spec: { clusterIP: "None", selector: { app: "x" } } })).toBe(false);
        expect(serviceNeedsEndpoints({ spec: { type: "ExternalName", selector: { app: "x" } } })).toBe(false);
        expect(endpointsReadiness(undefined).state).toBe("waiting");
        expect(endpointsReadiness({ subsets: [{ notReadyAddresses: [{ ip: "10.0.0.1" }] }] }).state).toBe("waiting");
        expect(endpointsReadiness({ subsets: [{ addresses: [{ ip: "10.0.0.1" }] }] }).state).toBe("ready");
    });
});
