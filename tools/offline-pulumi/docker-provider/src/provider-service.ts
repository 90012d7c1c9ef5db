// The shared part of the stand-ins' fixes to @pulumi/pulumi's provider server (see serve.ts here and
// in tools/offline-pulumi/kubernetes-provider): reaching the grpc instance server.js uses, replacing
// methods of the ResourceProviderService implementation just before it is registered, and the
// Configure / CheckConfig answers both stand-ins give.
import * as path from "path";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { isObject } from "./properties";

export interface GrpcModule {
    Server: { prototype: { addService(service: unknown, impl: Record<string, unknown>): void } };
    status: { INVALID_ARGUMENT: number };
}

export type Callback = (err: { code: number; details: string } | null | undefined, value?: unknown) => void;

export interface ConfigFailure {
    property: string;
    reason: string;
}

/** The @grpc/grpc-js instance server.js itself uses (not necessarily the one we would resolve). */
export function serverGrpc(): GrpcModule {
    const serverDir = path.dirname(require.resolve("@pulumi/pulumi/provider/server"));
    return require(require.resolve("@grpc/grpc-js", { paths: [serverDir] })) as GrpcModule;
}

/** Lets `patch` replace methods of the resource provider service's implementation before server.js registers it. */
export function patchProviderService(patch: (impl: Record<string, unknown>, grpc: GrpcModule) => void): void {
    const grpc = serverGrpc();
    const proto = grpc.Server.prototype;
    const addService = proto.addService;
    proto.addService = function (this: unknown, service: unknown, impl: Record<string, unknown>) {
        if (service === provrpc.ResourceProviderService && isObject(impl)) patch(impl, grpc);
        return addService.call(this, service, impl);
    };
}

/** Secrets yes; resource references and outputs no (those are for component providers), so references arrive as plain ids. */
export function configureResponse(): provproto.ConfigureResponse {
    const resp = new provproto.ConfigureResponse();
    resp.setAcceptsecrets(true);
    resp.setAcceptresources(false);
    resp.setAcceptoutputs(false);
    resp.setSupportspreview(false);
    return resp;
}

/** CheckConfig's answer: the inputs as given, with the settings the stand-in cannot honour as failures. */
export function checkConfigResponse(news: ReturnType<provproto.CheckRequest["getNews"]>, failures: ConfigFailure[]): provproto.CheckResponse {
    const resp = new provproto.CheckResponse();
    if (news) resp.setInputs(news);
    resp.setFailuresList(failures.map((f) => {
        const failure = new provproto.CheckFailure();
        failure.setProperty(f.property);
        failure.setReason(f.reason);
        return failure;
    }));
    return resp;
}
