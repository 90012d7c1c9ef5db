// Each case is a rule of the genuine provider's await logic (README.md, "Await semantics"); a
// change that makes the stand-in wait more or less than the genuine provider fails here.
import { deploymentReadiness, jobReadiness, statefulSetReadiness } from "./readiness";

describe("StatefulSet (statefulset.go)", () => {
    const sts = (status: object, spec: object = {}, generation = 1) =>
        ({ metadata: { generation }, spec: { replicas: 3, ...spec }, status });
    const done = { replicas: 3, readyReplicas: 3, currentReplicas: 3, currentRevision: "r1", updateRevision: "r1" };

    it("is ready when replicas, ready and current replicas all equal spec.replicas on one revision", () => {
        expect(statefulSetReadiness(sts(done)).state).toBe("ready");
        expect(statefulSetReadiness(sts({ ...done, readyReplicas: 2 })).state).toBe("waiting");
        expect(statefulSetReadiness(sts({ ...done, currentReplicas: 2 })).state).toBe("waiting");
    });
    it("waits for a scale-down to finish: more replicas than asked for is not ready", () => {
        expect(statefulSetReadiness(sts({ ...done, replicas: 3, readyReplicas: 3, currentReplicas: 3 }, { replicas: 2 })).state).toBe("waiting");
    });
    it("waits until the controller advanced currentRevision to updateRevision, and for a revision at all", () => {
        expect(statefulSetReadiness(sts({ ...done, updateRevision: "r2" })).state).toBe("waiting");
        expect(statefulSetReadiness(sts({ ...done, currentRevision: undefined, updateRevision: undefined })).state).toBe("waiting");
    });
    it("checks no observedGeneration: a status from before an update counts", () => {
        expect(statefulSetReadiness({ ...sts(done, {}, 2), status: { ...done, observedGeneration: 1 } }).state).toBe("ready");
    });
    it("with OnDelete after the first generation, counts replicas and ready replicas only", () => {
        const onDelete = { updateStrategy: { type: "OnDelete" } };
        expect(statefulSetReadiness(sts({ replicas: 3, readyReplicas: 3, currentRevision: "r1", updateRevision: "r2" }, onDelete, 2)).state).toBe("ready");
        expect(statefulSetReadiness(sts({ replicas: 3, readyReplicas: 3, currentRevision: "r1", updateRevision: "r2" }, onDelete, 1)).state).toBe("waiting");
    });
});

describe("Deployment (deployment.go)", () => {
    const uid = "d-uid";
    const dep = (revision: string, conditions: object[], observedGeneration = 2) => ({
        metadata: { uid, generation: 2, annotations: { "deployment.kubernetes.io/revision": revision } },
        spec: { replicas: 2 },
        status: { observedGeneration, conditions },
    });
    const rs = (revision: string, readyReplicas: number | undefined, owner = uid, replicas = 2) => ({
        metadata: { annotations: { "deployment.kubernetes.io/revision": revision }, ownerReferences: [{ uid: owner }] },
        spec: { replicas },
        status: readyReplicas === undefined ? {} : { readyReplicas },
    });
    const available = { type: "Available", status: "True" };
    const rolledOut = { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" };

    it("first revision: Available and its ReplicaSet's pods all ready", () => {
        expect(deploymentReadiness(dep("1", [available]), [rs("1", 2)]).state).toBe("ready");
        expect(deploymentReadiness(dep("1", [available]), [rs("1", 1)]).state).toBe("waiting");
        expect(deploymentReadiness(dep("1", []), [rs("1", 2)]).state).toBe("waiting");
    });
    it("later revisions also need Progressing with reason NewReplicaSetAvailable", () => {
        expect(deploymentReadiness(dep("2", [available]), [rs("2", 2)]).state).toBe("waiting");
        expect(deploymentReadiness(dep("2", [available, rolledOut]), [rs("2", 2)]).state).toBe("ready");
    });
    it("looks only at the ReplicaSet of the current revision that the Deployment owns", () => {
        expect(deploymentReadiness(dep("2", [available, rolledOut]), [rs("1", 2)]).state).toBe("waiting");
        expect(deploymentReadiness(dep("2", [available, rolledOut]), [rs("2", 2, "someone-else")]).state).toBe("waiting");
        expect(deploymentReadiness(dep("1", [available]), [rs("1", undefined, uid, 0)]).state).toBe("ready");
    });
    it("waits until the controller observed the current generation", () => {
        expect(deploymentReadiness(dep("1", [available], 1), [rs("1", 2)]).state).toBe("waiting");
    });
    it("keeps waiting (reporting why) on ProgressDeadlineExceeded rather than failing", () => {
        const stuck = { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "too slow" };
        const r = deploymentReadiness(dep("2", [available, stuck]), [rs("2", 1)]);
        expect(r).toEqual({ state: "waiting", why: expect.stringContaining("[ProgressDeadlineExceeded] too slow") });
    });
});

describe("Job (job.go, checker/job/check.go)", () => {
    const job = (status: object) => ({ status });
    it("is ready once started and Complete", () => {
        expect(jobReadiness(job({ startTime: "t", conditions: [{ type: "Complete", status: "True" }] })).state).toBe("ready");
        expect(jobReadiness(job({ conditions: [{ type: "Complete", status: "True" }] })).state).toBe("waiting");
        expect(jobReadiness(job({ startTime: "t", active: 1 })).state).toBe("waiting");
    });
    it("fails at once for BackoffLimitExceeded and DeadlineExceeded only", () => {
        const failed = (reason: string) => job({ startTime: "t", conditions: [{ type: "Failed", status: "True", reason, message: "m" }] });
        expect(jobReadiness(failed("BackoffLimitExceeded"))).toEqual({ state: "failed", why: "[BackoffLimitExceeded] m" });
        expect(jobReadiness(failed("DeadlineExceeded")).state).toBe("failed");
        expect(jobReadiness(failed("PodFailurePolicy")).state).toBe("waiting");
    });
});
