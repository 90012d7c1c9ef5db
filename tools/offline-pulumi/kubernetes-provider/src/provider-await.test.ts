// The provider's waits against a stub API server: the engine's customTimeouts reach the wait through
// the server patch (serve.ts), skipAwait skips it, and deletion waits as the genuine provider's do.
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { ApiError, Obj } from "./client";
import { KubeApi, KubernetesStandinProvider } from "./provider";
import { passRequestTimeouts } from "./serve";

/** Objects by path; applied objects come back with whatever status `statusOf` gives them. */
function stubApi(statusOf: (obj: Obj) => Obj = () => ({})): KubeApi & { objects: Map<string, Obj> } {
    const objects = new Map<string, Obj>();
    return {
        objects,
        defaultNamespace: "default",
        get: async (path: string) => objects.get(path),
        apply: async (path: string, obj: Obj) => {
            const live = { ...obj, metadata: { ...(obj.metadata as Obj), generation: 1 }, status: statusOf(obj) };
            objects.set(path, live);
            return live;
        },
        request: async () => ({}),
    };
}

const jobUrn = "urn:pulumi:unit::pgscale::kubernetes:batch/v1:Job::reconcile";
const job = (annotations: Record<string, string> = {}) => ({
    metadata: { name: "reconcile", namespace: "db", annotations },
    spec: { template: { spec: { containers: [{ name: "c", image: "i" }], restartPolicy: "Never" } } },
});

/** A Create request through the patched handler, as server.js would run it (it calls the provider at once). */
function createThroughServer(provider: KubernetesStandinProvider, urn: string, inputs: Obj, timeout: number): Promise<unknown> {
    let result: Promise<unknown> = Promise.resolve();
    const impl: Record<string, unknown> = {
        create: (call: { request: provproto.CreateRequest }) => { result = provider.create(call.request.getUrn(), inputs); },
        update: () => undefined,
        delete: () => undefined,
    };
    passRequestTimeouts(impl, provider);
    const req = new provproto.CreateRequest();
    req.setUrn(urn);
    req.setTimeout(timeout);
    (impl.create as (call: unknown, cb: unknown) => void)({ request: req }, () => undefined);
    return result;
}

describe("waits", () => {
    it("end after the resource's customTimeouts, which outrank pulumi.com/timeoutSeconds", async () => {
        const provider = new KubernetesStandinProvider(() => stubApi());
        const started = Date.now();
        await expect(createThroughServer(provider, jobUrn, job({ "pulumi.com/timeoutSeconds": "600" }), 1))
            .rejects.toThrow(/Job db\/reconcile not ready after 1s: the Job has not started/);
        expect(Date.now() - started).toBeLessThan(30_000); // 1 s asked, 600 s annotated: far from both on any machine
    });

    it("leave an object that did not become ready in the stack: the error carries its id and live state (ErrorResourceInitFailed)", async () => {
        const provider = new KubernetesStandinProvider(() => stubApi());
        const err = await createThroughServer(provider, jobUrn, job(), 1).then(() => undefined, (e) => e);
        expect(err).toMatchObject({ id: "db/reconcile", reasons: [expect.stringMatching(/not ready after 1s/)] });
        expect(err.properties).toMatchObject({ metadata: { name: "reconcile", namespace: "db" } });
        // An update that times out keeps its id too.
        provider.noteRequestTimeout("update", jobUrn, 1);
        await expect(provider.update("db/reconcile", jobUrn, job(), job())).rejects.toMatchObject({ id: "db/reconcile" });
    });

    it("are skipped with pulumi.com/skipAwait", async () => {
        const provider = new KubernetesStandinProvider(() => stubApi());
        await expect(provider.create(jobUrn, job({ "pulumi.com/skipAwait": "true" }))).resolves.toMatchObject({ id: "db/reconcile" });
    });

    it("for a PersistentVolumeClaim: Bound, or Pending when created under a WaitForFirstConsumer class; Bound on an update", async () => {
        const urn = "urn:pulumi:unit::pgscale::kubernetes:core/v1:PersistentVolumeClaim::data";
        const claim = (storageClassName: string) => ({ metadata: { name: "data", namespace: "db" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName } });
        const withClasses = (phase: string) => {
            const api = stubApi(() => ({ phase }));
            api.objects.set("/apis/storage.k8s.io/v1/storageclasses/local", { volumeBindingMode: "WaitForFirstConsumer" });
            api.objects.set("/apis/storage.k8s.io/v1/storageclasses/fast", { volumeBindingMode: "Immediate" });
            return new KubernetesStandinProvider(() => api);
        };
        await expect(withClasses("Pending").create(urn, claim("local"))).resolves.toMatchObject({ id: "db/data" });
        await expect(withClasses("Bound").create(urn, claim("fast"))).resolves.toMatchObject({ id: "db/data" });
        const immediate = withClasses("Pending");
        immediate.noteRequestTimeout("create", urn, 1);
        await expect(immediate.create(urn, claim("fast"))).rejects.toMatchObject({ reasons: [expect.stringMatching(/PersistentVolumeClaim db\/data not ready after 1s: the claim is Pending, not Bound/)] });
        const unknown = withClasses("Pending");
        unknown.noteRequestTimeout("create", urn, 1);
        await expect(unknown.create(urn, claim("gone"))).rejects.toMatchObject({ reasons: [expect.stringMatching(/not ready after 1s/)] });
        const update = withClasses("Pending");
        update.noteRequestTimeout("update", urn, 1);
        await expect(update.update("db/data", urn, claim("local"), claim("local"))).rejects.toMatchObject({ reasons: [expect.stringMatching(/the claim is Pending, not Bound/)] });
    });

    it("return the live object once ready", async () => {
        const done = () => ({ startTime: "t", conditions: [{ type: "Complete", status: "True" }] });
        const provider = new KubernetesStandinProvider(() => stubApi(done));
        const { outs } = await provider.create(jobUrn, job());
        expect(outs.status).toEqual(done());
    });

    it("none for the kinds the genuine provider assumes ready once applied", async () => {
        const provider = new KubernetesStandinProvider(() => stubApi());
        const urn = (t: string) => `urn:pulumi:unit::pgscale::kubernetes:${t}::x`;
        const meta = { metadata: { name: "x", namespace: "db" } };
        for (const t of ["core/v1:Namespace", "core/v1:Secret", "core/v1:ConfigMap", "core/v1:ServiceAccount", "policy/v1:PodDisruptionBudget", "networking.k8s.io/v1:NetworkPolicy",
            "rbac.authorization.k8s.io/v1:Role", "rbac.authorization.k8s.io/v1:RoleBinding", "monitoring.coreos.com/v1:PodMonitor", "monitoring.coreos.com/v1:ServiceMonitor"]) {
            provider.noteRequestTimeout("create", urn(t), 1);
            await expect(provider.create(urn(t), meta)).resolves.toMatchObject({ id: expect.stringMatching(/x$/) });
        }
    });

    it("on deletion: skipAwait skips a StatefulSet's wait but not a Service's", async () => {
        const api = stubApi();
        const provider = new KubernetesStandinProvider(() => api);
        const skip = { metadata: { annotations: { "pulumi.com/skipAwait": "true" } } };
        api.objects.set("/apis/apps/v1/namespaces/db/statefulsets/main", {});
        await expect(provider.delete("db/main", "urn:pulumi:unit::pgscale::kubernetes:apps/v1:StatefulSet::main", skip)).resolves.toBeUndefined();
        api.objects.set("/api/v1/namespaces/db/services/main", {});
        const serviceUrn = "urn:pulumi:unit::pgscale::kubernetes:core/v1:Service::main";
        provider.noteRequestTimeout("delete", serviceUrn, 1);
        await expect(provider.delete("db/main", serviceUrn, skip)).rejects.toThrow(/still exists 1s after its deletion/);
    });

    it("a custom resource is applied at its CRD's path; without the CRD the error says so, as the genuine provider's", async () => {
        const api = stubApi();
        const provider = new KubernetesStandinProvider(() => api);
        const urn = "urn:pulumi:unit::pgscale::kubernetes:monitoring.coreos.com/v1:PodMonitor::main-pod-monitor";
        const pm = { apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor", metadata: { name: "main", namespace: "db" }, spec: {} };
        await expect(provider.create(urn, pm)).resolves.toMatchObject({ id: "db/main" });
        expect([...api.objects.keys()]).toEqual(["/apis/monitoring.coreos.com/v1/namespaces/db/podmonitors/main"]);

        const notFound = { ...stubApi(), apply: async (path: string): Promise<Obj> => { throw new ApiError(404, `PATCH ${path}: 404 the server could not find the requested resource`); } };
        await expect(new KubernetesStandinProvider(() => notFound).create(urn, pm)).rejects.toThrow(
            /creation of resource db\/main failed because the Kubernetes API server reported that the apiVersion for this resource does not exist. Verify that any required CRDs have been created/);
        // Served, but the namespace is missing: the API server's own message.
        const served = { ...notFound, get: async (path: string) => (path === "/apis/monitoring.coreos.com/v1" ? { resources: [{ name: "podmonitors" }] } : undefined) };
        await expect(new KubernetesStandinProvider(() => served).create(urn, pm)).rejects.toThrow(/^PATCH \/apis\/monitoring.coreos.com\/v1\/namespaces\/db\/podmonitors\/main: 404/);
    });
});
