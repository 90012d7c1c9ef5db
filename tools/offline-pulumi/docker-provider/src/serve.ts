// Gaps in @pulumi/pulumi 3.259.0's provider server (provider/server.js) for a real resource
// provider, filled by adding methods to its service object just before it is registered:
//  - Configure ignores the request (no provider config reaches the provider) and announces
//    acceptResources/acceptOutputs, which only component providers need; ours reads `docker:host`
//    and announces secrets only, so resource references arrive as plain ids.
//  - CheckConfig answers UNIMPLEMENTED (the engine then accepts anything); ours rejects provider
//    settings the stand-in cannot honour (TLS material, ssh, registry auth...).
// Everything else (Check/Diff/Create/Read/Update/Delete, GetPluginInfo, the port handshake on
// stdout) is served by server.js as is.
import * as path from "path";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { HOST_PATTERN } from "./docker";
import { containsUnknown, isObject, unwrapSecrets } from "./properties";
import { DockerStandinProvider } from "./provider";

/** Provider settings the stand-in honours (plus engine bookkeeping keys). */
const SUPPORTED_CONFIG = new Set(["host", "version", "pluginDownloadURL", "disableDockerDaemonCheck"]);

interface GrpcModule {
    Server: { prototype: { addService(service: unknown, impl: Record<string, unknown>): void } };
    status: { INVALID_ARGUMENT: number };
}

type Callback = (err: { code: number; details: string } | null | undefined, value?: unknown) => void;

/** The @grpc/grpc-js instance server.js itself uses (not necessarily the one we would resolve). */
function serverGrpc(): GrpcModule {
    const serverDir = path.dirname(require.resolve("@pulumi/pulumi/provider/server"));
    return require(require.resolve("@grpc/grpc-js", { paths: [serverDir] })) as GrpcModule;
}

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
    const grpc = serverGrpc();
    const proto = grpc.Server.prototype;
    const addService = proto.addService;
    proto.addService = function (this: unknown, service: unknown, impl: Record<string, unknown>) {
        if (service === provrpc.ResourceProviderService && isObject(impl)) {
            impl.configure = (call: { request: provproto.ConfigureRequest }, callback: Callback) => {
                const host = hostFromConfigure(call.request);
                const bad = configFailures({ host });
                if (bad.length) {
                    callback({ code: grpc.status.INVALID_ARGUMENT, details: bad[0].reason });
                    return;
                }
                provider.configure({ host });
                const resp = new provproto.ConfigureResponse();
                resp.setAcceptsecrets(true);
                resp.setAcceptresources(false);
                resp.setAcceptoutputs(false);
                resp.setSupportspreview(false);
                callback(null, resp);
            };
            impl.checkConfig = (call: { request: provproto.CheckRequest }, callback: Callback) => {
                const news = call.request.getNews();
                const resp = new provproto.CheckResponse();
                if (news) {
                    resp.setInputs(news);
                }
                const failures = configFailures((news?.toJavaScript() ?? {}) as Record<string, unknown>);
                resp.setFailuresList(
                    failures.map((f) => {
                        const failure = new provproto.CheckFailure();
                        failure.setProperty(f.property);
                        failure.setReason(f.reason);
                        return failure;
                    }),
                );
                callback(null, resp);
            };
        }
        return addService.call(this, service, impl);
    };
}
