// Gaps in @pulumi/pulumi 3.259.0's provider server (provider/server.js) for a real resource
// provider, filled by adding methods to its service object just before it is registered (as in the
// docker stand-in, tools/offline-pulumi/docker-provider/src/serve.ts):
//  - Configure ignores the request; ours reads kubeconfig/context/namespace and announces secrets only.
//  - CheckConfig answers UNIMPLEMENTED; ours rejects settings the stand-in cannot honour.
//  - Diff hands the provider the old *outputs* (the whole live object, status and defaults included);
//    ours passes the old inputs the engine also sends, so only what the program changed is a diff.
//  - Create, Update and Delete drop the request's timeout (the resource's customTimeouts); ours hand
//    it to the provider first, then run server.js's own handler (which calls the provider at once).
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { Callback, checkConfigResponse, configureResponse, patchProviderService, wire } from "@pgscale-tooling/pulumi-docker-standin";
import { KubernetesStandinProvider, Operation, ProviderConfig } from "./provider";

/** Settings the stand-in honours or that do not change what it does here. */
const SUPPORTED_CONFIG = new Set([
    "kubeconfig", "context", "namespace", "cluster", "version", "pluginDownloadURL", "enableServerSideApply",
    "suppressDeprecationWarnings", "suppressHelmHookWarnings", "deleteUnreachable", "skipUpdateUnreachable", "clusterIdentifier",
]);

export function configFailures(config: Record<string, unknown>): Array<{ property: string; reason: string }> {
    const failures: Array<{ property: string; reason: string }> = [];
    for (const [key, raw] of Object.entries(config)) {
        const value = wire.unwrapSecrets(raw);
        if (key.startsWith("__") || value === undefined || value === null || value === "") continue;
        if (!SUPPORTED_CONFIG.has(key)) {
            failures.push({ property: key, reason: `kubernetes:${key} is not supported by the offline pulumi-resource-kubernetes stand-in` });
        } else if (key === "enableServerSideApply" && value !== true && value !== "true") {
            failures.push({ property: key, reason: "the offline pulumi-resource-kubernetes stand-in only does server-side apply" });
        }
    }
    return failures;
}

/** Provider settings from a ConfigureRequest: typed args first, then the legacy variables map. */
export function configFromConfigure(req: provproto.ConfigureRequest): ProviderConfig {
    const args = req.hasArgs() ? (wire.unwrapRecord(req.getArgs()!.toJavaScript())) : {};
    const vars = req.getVariablesMap();
    const pick = (key: string): string | undefined => {
        const v = args[key];
        if (typeof v === "string" && v !== "") return v;
        return vars.get(`kubernetes:config:${key}`) || undefined;
    };
    return { kubeconfig: pick("kubeconfig"), context: pick("context"), namespace: pick("namespace") };
}

/** What Create, Update and Delete requests have in common here. */
interface TimedRequest {
    getUrn(): string;
    getTimeout(): number;
}

/** Wraps the service's Create, Update and Delete handlers so the provider learns each request's timeout first. */
export function passRequestTimeouts(impl: Record<string, unknown>, provider: Pick<KubernetesStandinProvider, "noteRequestTimeout">): void {
    for (const op of ["create", "update", "delete"] as Operation[]) {
        const handler = impl[op] as (call: { request: TimedRequest }, callback: Callback) => unknown;
        impl[op] = (call: { request: TimedRequest }, callback: Callback) => {
            provider.noteRequestTimeout(op, call.request.getUrn(), call.request.getTimeout());
            return handler.call(impl, call, callback);
        };
    }
}

export function extendProviderServer(provider: KubernetesStandinProvider): void {
    patchProviderService((impl, grpc) => {
        impl.configure = (call: { request: provproto.ConfigureRequest }, callback: Callback) => {
            provider.configure(configFromConfigure(call.request));
            callback(null, configureResponse());
        };
        impl.checkConfig = (call: { request: provproto.CheckRequest }, callback: Callback) => {
            const news = call.request.getNews();
            callback(null, checkConfigResponse(news, configFailures((news?.toJavaScript() ?? {}) as Record<string, unknown>)));
        };
        passRequestTimeouts(impl, provider);
        impl.diff = (call: { request: provproto.DiffRequest }, callback: Callback) => {
            const req = call.request;
            const olds = (req.getOldInputs() ?? req.getOlds())?.toJavaScript() ?? {};
            provider.diff(req.getId(), req.getUrn(), olds, req.getNews()?.toJavaScript() ?? {}).then((result) => {
                const resp = new provproto.DiffResponse();
                resp.setChanges(result.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
                resp.setReplacesList(result.replaces ?? []);
                resp.setDeletebeforereplace(result.deleteBeforeReplace ?? false);
                callback(null, resp);
            }, (e: Error) => callback({ code: grpc.status.INVALID_ARGUMENT, details: e.message }));
        };
    });
}
