// The mocked engine's answer for a new resource in the Docker construct-graph tests: containers
// get host ports as Docker would pick them (from 40000 up) unless the port is pinned.
import * as pulumi from "@pulumi/pulumi";
import { generatedSecretState, generatedTlsState } from "./postgres-stubs";

let nextPort = 40000;

export function dockerMockResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
    const state: any = { ...args.inputs };
    if (args.type === "docker:index/container:Container") {
        state.ports = (args.inputs.ports ?? []).map((p: any) => ({ ...p, external: p.external ?? nextPort++ }));
    }
    if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
    if (args.type.includes("GeneratedSecret")) Object.assign(state, generatedSecretState(args.name));
    // A login Role's verifier, as the real provider outputs it (a group role has none).
    if (args.type === "pgscale:index:Role" && args.inputs.login !== false) state.scramVerifier = generatedSecretState(args.name).scramVerifier;
    if (args.type.includes("GeneratedTls")) Object.assign(state, generatedTlsState(args.name, args.inputs.servers));
    return { id: `${args.name}-id`, state };
}

/** Pulumi's mocks for the Docker construct-graph tests, each new resource passed to `record` first. Call before importing the constructs. */
export function installDockerMocks(record: (args: pulumi.runtime.MockResourceArgs) => void): void {
    pulumi.runtime.setMocks(
        {
            newResource(args) {
                record(args);
                return dockerMockResource(args);
            },
            call: (args) => args.inputs,
        },
        "pgscale",
        "unit",
    );
}
