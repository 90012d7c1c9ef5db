// skipAwait and timeouts as the genuine provider reads them (metadata/overrides.go).
import { DEFAULT_TIMEOUT_SECONDS, skipsAwait, skipsDeleteAwait, timeoutSeconds } from "./await-policy";

const annotated = (annotations: Record<string, string>) => ({ metadata: { annotations } });

describe("pulumi.com/skipAwait", () => {
    it("skips the readiness wait only for the exact string \"true\"", () => {
        expect(skipsAwait(annotated({ "pulumi.com/skipAwait": "true" }))).toBe(true);
        expect(skipsAwait(annotated({ "pulumi.com/skipAwait": "True" }))).toBe(false);
        expect(skipsAwait(annotated({}))).toBe(false);
    });
    it("skips the deletion wait only for the legacy workload kinds and Namespaces", () => {
        const skip = annotated({ "pulumi.com/skipAwait": "true" });
        for (const kind of ["Namespace", "Deployment", "StatefulSet", "Job"]) expect(skipsDeleteAwait(kind, skip)).toBe(true);
        for (const kind of ["Service", "Secret", "ConfigMap", "PersistentVolumeClaim"]) expect(skipsDeleteAwait(kind, skip)).toBe(false);
        expect(skipsDeleteAwait("StatefulSet", annotated({}))).toBe(false);
    });
});

describe("timeouts", () => {
    it("customTimeouts (the request's timeout) come first", () => {
        expect(timeoutSeconds(900, annotated({ "pulumi.com/timeoutSeconds": "60" }))).toBe(900);
    });
    it("then an integer pulumi.com/timeoutSeconds", () => {
        expect(timeoutSeconds(0, annotated({ "pulumi.com/timeoutSeconds": "60" }))).toBe(60);
        expect(timeoutSeconds(undefined, annotated({ "pulumi.com/timeoutSeconds": "60s" }))).toBe(DEFAULT_TIMEOUT_SECONDS);
    });
    it("else 10 minutes", () => {
        expect(DEFAULT_TIMEOUT_SECONDS).toBe(600);
        expect(timeoutSeconds(0, annotated({}))).toBe(600);
    });
});
