// Gaps in @pulumi/pulumi 3.259.0's provider server (provider/server.js) for a real resource
// provider, filled by adding methods to its service object just before it is registered:
//  - Configure ignores the request (no provider config reaches the provider) and announces
//    acceptResources/acceptOutputs, which only component providers need; ours reads `docker:host`
//    and announces secrets only, so resource references arrive as plain ids.
//  - CheckConfig answers UNIMPLEMENTED (the engine then accepts anything); ours rejects provider
//    settings the stand-in cannot honour (TLS material, ssh, registry auth...).
// Everything else (Check/Diff/Create/Read/Update/Delete, GetPluginInfo, the port handshake on
// stdout) is served by server.js as is.
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { HOST_PATTERN } from "./docker";
import { containsUnknown, unwrapSecrets } from "./properties";
import { Callback, checkConfigResponse, configureResponse, patchProviderService } from "./provider-service";
import { DockerStandinProvider } from "./provider";

/** Provider settings the stand-in honours (plus engine bookkeeping keys). */
const SUPPORTED_CONFIG = new Set(["host", "version", "pluginDownloadURL", "disableDockerDaemonCheck"]);

export function configFailures(config: Record<string, unknown>): Array<{ property: string; reason: string }> {
    const failures: Array<{ property: string; reason: string }> = [];
    for (const [key, raw] of Object.entries(config)) {
        if (key.startsWith("__")) {
            continue;
        }
        if (!SUPPORTED_CONFIG.has(key)) {
            failures.push({
                property: key,
                reason: `docker:${key} is not supported by the offline pulumi-resource-docker stand-in (only docker:host is)`,
            });
            continue;
        }
        const value = unwrapSecrets(raw);
        if (key === "host" && value !== undefined && value !== null && value !== "" && !containsUnknown(value)) {
            if (typeof value !== "string" || !HOST_PATTERN.test(value)) {
                failures.push({
                    property: "host",
                    reason: "docker:host must be unix:///path/to/docker.sock or tcp://host:port for the offline stand-in",
                });
            }
        }
    }
    return failures;
}

/** `docker:host` from a ConfigureRequest: typed args first, then the legacy variables map. */
export function hostFromConfigure(req: provproto.ConfigureRequest): string | undefined {
    const args = req.hasArgs() ? (req.getArgs()!.toJavaScript() as Record<string, unknown>) : {};
    const fromArgs = unwrapSecrets(args.host);
    if (typeof fromArgs === "string" && fromArgs !== "") {
        return fromArgs;
    }
    const fromVars = req.getVariablesMap().get("docker:config:host");
    return fromVars ? fromVars : undefined;
}

export function extendProviderServer(provider: DockerStandinProvider): void {
    patchProviderService((impl, grpc) => {
        impl.configure = (call: { request: provproto.ConfigureRequest }, callback: Callback) => {
            const host = hostFromConfigure(call.request);
            const bad = configFailures({ host });
            if (bad.length) {
                callback({ code: grpc.status.INVALID_ARGUMENT, details: bad[0].reason });
                return;
            }
            provider.configure({ host });
            callback(null, configureResponse());
        };
        impl.checkConfig = (call: { request: provproto.CheckRequest }, callback: Callback) => {
            const news = call.request.getNews();
            callback(null, checkConfigResponse(news, configFailures((news?.toJavaScript() ?? {}) as Record<string, unknown>)));
        };
    });
}
