// The mocked engine's answer for a new resource in the Kubernetes construct-graph tests.
import type * as pulumi from "@pulumi/pulumi";
import { generatedSecretState } from "./postgres-stubs";

export function kubernetesMockResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
    const state: any = { ...args.inputs };
    // The Kubernetes provider auto-names objects without metadata.name.
    if (state.metadata && state.metadata.name === undefined) state.metadata = { ...state.metadata, name: `${args.name}-a1b2c3` };
    if (args.type.includes("GeneratedSecret")) Object.assign(state, generatedSecretState(args.name));
    return { id: `${args.name}-id`, state };
}
