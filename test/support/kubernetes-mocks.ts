// The mocked engine's answer for a new resource in the Kubernetes construct-graph tests.
import * as pulumi from "@pulumi/pulumi";
import { generatedSecretState, generatedTlsState } from "./postgres-stubs";

export function kubernetesMockResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: any } {
    const state: any = { ...args.inputs };
    // The Kubernetes provider auto-names objects without metadata.name.
    if (state.metadata && state.metadata.name === undefined) state.metadata = { ...state.metadata, name: `${args.name}-a1b2c3` };
    if (args.type.includes("GeneratedSecret")) Object.assign(state, generatedSecretState(args.name));
    if (args.type.includes("GeneratedTls")) Object.assign(state, generatedTlsState(args.name, args.inputs.servers));
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

/** One registration the mocks saw. */
export interface Registered { type: string; name: string; inputs: any }

/** Installs the mocks (before the constructs are imported) and returns the list of every registration, in order. */
export function recordKubernetesRegistrations(): Registered[] {
    const registered: Registered[] = [];
    installKubernetesMocks((args) => registered.push({ type: args.type, name: args.name, inputs: args.inputs }));
    return registered;
}

export const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));
/** Secret inputs reach the mock wrapped as { <secret signature>: ..., value }. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const isSecret = (v: any): boolean => Boolean(v && typeof v === "object" && SECRET_SIG in v);
/** A mocked input with its secret wrappers taken off. */
export const plain = (v: any): any => (isSecret(v) ? plain(v.value) : v);
