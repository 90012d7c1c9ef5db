// The resource provider served by @pulumi/pulumi's provider server: objects are created and updated
// by server-side apply, awaited like the real provider awaits them, read back whole as outputs
// (without managedFields), and deleted in the foreground until gone.
import * as pulumi from "@pulumi/pulumi/provider";
import { wire } from "@pgscale-tooling/pulumi-docker-standin";
import { ApiError, KubeClient, Obj } from "./client";
import { autoname, diffInputs } from "./inputs";
import { KindInfo, kindForToken, resourcePath } from "./kinds";
import { loadKubeconfig } from "./kubeconfig";
import { deploymentReadiness, jobReadiness, persistentVolumeClaimReadiness, Readiness, statefulSetReadiness } from "./readiness";
import { EndpointsSettling, serviceReadiness } from "./service-readiness";
import { skipsAwait, skipsDeleteAwait, timeoutSeconds } from "./await-policy";

/** The real provider's version: programs pin `@pulumi/kubernetes` 4.34.2, so the engine asks for it. */
export const PROVIDER_VERSION = "4.34.2";

export type Operation = "create" | "update" | "delete";

export interface ProviderConfig {
    kubeconfig?: string;
    context?: string;
    namespace?: string;
}

const o = (v: unknown): Obj => (wire.isObject(v) ? v : {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the provider needs of the API client (a stub in unit tests). */
export type KubeApi = Pick<KubeClient, "get" | "apply" | "request" | "defaultNamespace">;

export class KubernetesStandinProvider implements pulumi.Provider {
    readonly version = PROVIDER_VERSION;
    private config: ProviderConfig = {};
    private clientCache?: KubeApi;

    /** The engine's timeout of each pending request (its customTimeouts), by operation and URN. */
    private readonly requestTimeouts = new Map<string, number>();

    constructor(private readonly connect: (config: ProviderConfig) => KubeApi =
        (c) => new KubeClient(loadKubeconfig(c.kubeconfig, c.context))) {}

    /** Called by the server with a request's timeout just before the operation starts (serve.ts). */
    noteRequestTimeout(op: Operation, urn: string, seconds: number): void {
        this.requestTimeouts.set(`${op} ${urn}`, seconds);
    }

    private takeRequestTimeout(op: Operation, urn: string): number | undefined {
        const key = `${op} ${urn}`;
        const seconds = this.requestTimeouts.get(key);
        this.requestTimeouts.delete(key);
        return seconds;
    }

    configure(config: ProviderConfig): void {
        this.config = config;
        this.clientCache = undefined;
    }

    private client(): KubeApi {
        return (this.clientCache ??= this.connect(this.config));
    }

    async check(urn: string, olds: Obj, news: Obj): Promise<pulumi.CheckResult> {
        const { type, name } = wire.parseUrn(urn);
        try {
            kindForToken(type);
        } catch (e) {
            return { inputs: news, failures: [{ property: "kind", reason: (e as Error).message }] };
        }
        return { inputs: autoname(name, olds ?? {}, news ?? {}) };
    }

    async diff(_id: string, urn: string, olds: Obj, news: Obj): Promise<pulumi.DiffResult> {
        return diffInputs(kindOf(urn), olds ?? {}, news ?? {});
    }

    async create(urn: string, inputs: Obj): Promise<pulumi.CreateResult> {
        const k = kindOf(urn);
        const requestTimeout = this.takeRequestTimeout("create", urn);
        return guard(inputs, async () => {
            const obj = this.manifest(k, inputs);
            const path = resourcePath(k, ns(obj), name(obj));
            if (await this.client().get(path)) {
                throw new Error(`${k.kind} ${idOf(k, obj)} already exists; import it or delete it first`);
            }
            await this.applyObject(k, path, obj);
            const live = await this.awaitReady(k, path, obj, requestTimeout, "create").catch((e) => partialError(e, idOf(k, obj), k, inputs));
            return { id: idOf(k, obj), outs: outputs(k, inputs, live) };
        });
    }

    async read(id: string, urn: string, props?: Obj): Promise<pulumi.ReadResult> {
        const k = kindOf(urn);
        return guard(props ?? {}, async () => {
            const [namespace, objName] = splitId(k, id);
            const live = await this.client().get(resourcePath(k, namespace, objName));
            return live ? { id, props: outputs(k, props ?? {}, live) } : { id: "", props: {} };
        });
    }

    async update(id: string, urn: string, _olds: Obj, news: Obj): Promise<pulumi.UpdateResult> {
        const k = kindOf(urn);
        const requestTimeout = this.takeRequestTimeout("update", urn);
        return guard(news, async () => {
            const obj = this.manifest(k, news);
            const path = resourcePath(k, ns(obj), name(obj));
            await this.applyObject(k, path, obj);
            const live = await this.awaitReady(k, path, obj, requestTimeout, "update").catch((e) => partialError(e, id, k, news));
            return { outs: outputs(k, news, live) };
        });
    }

    async delete(id: string, urn: string, props: Obj): Promise<void> {
        const k = kindOf(urn);
        const requestTimeout = this.takeRequestTimeout("delete", urn);
        return guard(props ?? {}, async () => {
            const [namespace, objName] = splitId(k, id);
            const path = resourcePath(k, namespace, objName);
            try {
                await this.client().request("DELETE", path, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Foreground" });
            } catch (e) {
                if (e instanceof ApiError && e.status === 404) return;
                throw e;
            }
            if (skipsDeleteAwait(k.kind, o(props))) return;
            const seconds = timeoutSeconds(requestTimeout, o(props));
            const deadline = Date.now() + seconds * 1000;
            while (await this.client().get(path)) {
                if (Date.now() > deadline) throw new Error(`${k.kind} ${id} still exists ${seconds}s after its deletion`);
                await sleep(1000);
            }
        });
    }

    /**
     * Server-side apply. A custom kind whose CRD is not installed is a 404 from the API server; the
     * genuine provider names the likely cause (provider.go, `meta.IsNoMatchError` in Create).
     */
    private async applyObject(k: KindInfo, path: string, obj: Obj): Promise<void> {
        try {
            await this.client().apply(path, obj);
        } catch (e) {
            // A 404 is also a namespace that does not exist: ask discovery whether the kind is served.
            if (k.custom && e instanceof ApiError && e.status === 404 && !(await this.serves(k))) {
                throw new Error(`creation of resource ${idOf(k, obj)} failed because the Kubernetes API server reported that the apiVersion for this resource does not exist. `
                    + `Verify that any required CRDs have been created: no matches for kind "${k.kind}" in version "${k.apiVersion}" (${e.message})`);
            }
            throw e;
        }
    }

    /** Whether the API server serves a kind (its group version's discovery document lists it). */
    private async serves(k: KindInfo): Promise<boolean> {
        const list = await this.client().get(`/apis/${k.apiVersion}`);
        return Array.isArray(list?.resources) && (list.resources as Obj[]).some((r) => r.name === k.plural);
    }

    /** The object to apply: plain values, namespace defaulted, no status. */
    private manifest(k: KindInfo, inputs: Obj): Obj {
        const obj = wire.stripUndefined(wire.unwrapRecord(inputs));
        delete obj.status;
        const meta = o(obj.metadata);
        obj.apiVersion = k.apiVersion;
        obj.kind = k.kind;
        if (k.namespaced && !meta.namespace) {
            meta.namespace = this.config.namespace || this.client().defaultNamespace;
        }
        obj.metadata = meta;
        return obj;
    }

    /** Polls the live object until it is ready, failed, or the timeout passed (one last look at the timeout). */
    private async awaitReady(k: KindInfo, path: string, obj: Obj, requestTimeout: number | undefined, op: "create" | "update"): Promise<Obj> {
        const seconds = timeoutSeconds(requestTimeout, obj);
        const deadline = Date.now() + seconds * 1000;
        const settling = new EndpointsSettling();
        for (;;) {
            const live = await this.client().get(path);
            if (!live) throw new Error(`${k.kind} ${idOf(k, obj)} disappeared after it was applied`);
            if (skipsAwait(obj)) return live;
            const final = Date.now() >= deadline;
            const state = await this.readiness(k, live, settling, final, op);
            if (state.state === "ready") return live;
            if (state.state === "failed") throw new NotReadyError(`${k.kind} ${idOf(k, obj)} failed: ${state.why}`, live);
            if (final) throw new NotReadyError(`${k.kind} ${idOf(k, obj)} not ready after ${seconds}s: ${state.why}`, live);
            await sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
        }
    }

    private async readiness(k: KindInfo, live: Obj, settling: EndpointsSettling, final: boolean, op: "create" | "update"): Promise<Readiness> {
        const base = `/namespaces/${encodeURIComponent(ns(live) ?? "default")}`;
        switch (k.kind) {
            case "Deployment": {
                const list = await this.client().request("GET", `/apis/apps/v1${base}/replicasets`);
                return deploymentReadiness(live, Array.isArray(list.items) ? (list.items as Obj[]) : []);
            }
            case "StatefulSet": return statefulSetReadiness(live);
            case "Job": return jobReadiness(live);
            case "Service": {
                const endpoints = await this.client().get(`/api/v1${base}/endpoints/${encodeURIComponent(name(live))}`);
                return serviceReadiness(live, endpoints, settling.observe(endpoints, Date.now()), final);
            }
            case "PersistentVolumeClaim": {
                // The class the API server recorded (the default class's name when none was given).
                const className = o(live.spec).storageClassName;
                const storageClass = typeof className === "string" && className !== ""
                    ? await this.client().get(`/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(className)}`) : undefined;
                const bindMode = storageClass?.volumeBindingMode;
                return persistentVolumeClaimReadiness(live, op, typeof bindMode === "string" ? bindMode : undefined);
            }
            default: return { state: "ready" };
        }
    }
}

function kindOf(urn: string): KindInfo {
    return kindForToken(wire.parseUrn(urn).type);
}

const ns = (obj: Obj): string | undefined => o(obj.metadata).namespace as string | undefined;
const name = (obj: Obj): string => String(o(obj.metadata).name);

function idOf(k: KindInfo, obj: Obj): string {
    return k.namespaced ? `${ns(obj)}/${name(obj)}` : name(obj);
}

function splitId(k: KindInfo, id: string): [string | undefined, string] {
    if (!k.namespaced) return [undefined, id];
    const i = id.indexOf("/");
    return i < 0 ? ["default", id] : [id.slice(0, i), id.slice(i + 1)];
}

/** The live object as outputs; Secret contents stay secret whatever the inputs were. */
function outputs(k: KindInfo, inputs: Obj, live: Obj): Obj {
    const out: Obj = { ...live, apiVersion: k.apiVersion, kind: k.kind };
    const meta = { ...o(live.metadata) };
    delete meta.managedFields;
    out.metadata = meta;
    let result = wire.reapplySecrets(inputs, out) as Obj;
    if (k.kind === "Secret") {
        for (const key of ["data", "stringData"]) {
            if (result[key] !== undefined && !wire.isSecret(result[key])) result[key] = wire.makeSecret(wire.unwrapSecrets(result[key]));
        }
        if (inputs.stringData !== undefined && result.stringData === undefined) {
            result = { ...result, stringData: wire.isSecret(inputs.stringData) ? inputs.stringData : wire.makeSecret(inputs.stringData) };
        }
    }
    return wire.stripUndefined(result);
}

/** Runs an operation so that no secret input value can leave it inside an error message. */
async function guard<T>(inputs: Obj, op: () => Promise<T>): Promise<T> {
    const secrets = wire.secretStrings(inputs);
    try {
        return await op();
    } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        const safe = new Error(wire.redact(e.message, secrets));
        safe.stack = `Error: ${safe.message}`;
        // A partial failure keeps what the engine records (the object and its state; server.js
        // sends them as ErrorResourceInitFailed), its reasons redacted like the message.
        const partial = e as Error & { id?: string; properties?: Obj; reasons?: string[] };
        if (partial.id !== undefined) {
            Object.assign(safe, { id: partial.id, properties: partial.properties, reasons: (partial.reasons ?? []).map((r) => wire.redact(r, secrets)) });
        }
        throw safe;
    }
}

/** The object was applied but did not become ready (or failed) before its timeout. */
class NotReadyError extends Error {
    constructor(message: string, readonly live: Obj) {
        super(message);
    }
}

/**
 * As the genuine provider's `partialError` (provider/pkg/provider/provider.go): an object applied
 * but not ready is still created, so the error carries its id and live state, and the engine keeps
 * it in the stack (with the error as its init failure) for the next `up` to update or `destroy` to
 * delete. Other errors pass unchanged.
 */
function partialError(e: unknown, id: string, k: KindInfo, inputs: Obj): never {
    if (!(e instanceof NotReadyError)) throw e;
    throw Object.assign(new Error(e.message), { id, properties: outputs(k, inputs, e.live), reasons: [e.message] });
}
