// The mocked engine's answer for a new resource in the Kubernetes construct-graph tests.
import * as pulumi from "@pulumi/pulumi";
import { generatedSecretState } from "./postgres-stubs";

export function kubernetesMockResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
    const state: any = { ...args.inputs };
    // The Kubernetes provider auto-names objects without metadata.name.
    if (state.metadata && state.metadata.name === undefined) state.metadata = { ...state.metadata, name: `${args.name}-a1b2c3` };
    if (args.type.includes("GeneratedSecret")) Object.assign(state, generatedSecretState(args.name));
    return { id: `${args.name}-id`, state };
}

/** Installs the mocks (before the constructs are imported: PULUMI-NOTES.md), handing every registration to `record`. */
export function installKubernetesMocks(record: (args: pulumi.runtime.MockResourceArgs) => void): void {
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                record(args);
                return kubernetesMockResource(args);
            },
            call: (args) => args.inputs,
        },
        "pgscale",
        "unit",
    );
}
