import type * as pulumi from "@pulumi/pulumi";

// Drives a dynamic provider's methods in the order `pulumi preview/up/refresh/destroy` does,
// for the access resources (Role, ...), so their scenarios run against a real server without
// the CLI. Values cross the engine as protobuf Structs: JSON-like, no undefined.

type Props = Record<string, unknown>;
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export interface State {
    id: string;
    inputs: Props;
    outputs: Props;
}

export class AccessEngine {
    constructor(private readonly provider: pulumi.dynamic.ResourceProvider) {}

    async preview(props: Props, state?: State): Promise<{ inputs: Props; failures: pulumi.dynamic.CheckFailure[]; plan: string[]; changes: boolean }> {
        const checked = await this.provider.check!(state?.inputs ?? {}, wire(props));
        const inputs = wire(checked.inputs ?? {});
        const changes = state ? (await this.provider.diff!(state.id, state.outputs, inputs)).changes !== false : true;
        return { inputs, failures: checked.failures ?? [], plan: (inputs.plan as string[]) ?? [], changes };
    }

    async up(props: Props, state?: State): Promise<State> {
        const pv = await this.preview(props, state);
        if (pv.failures.length) throw new Error(`check failed:\n${pv.failures.map((f) => `  ${f.property}: ${f.reason}`).join("\n")}`);
        if (!state) {
            const created = await this.provider.create(pv.inputs);
            return { id: created.id, inputs: pv.inputs, outputs: wire(created.outs ?? {}) };
        }
        if (!pv.changes) return { ...state, inputs: pv.inputs };
        const updated = await this.provider.update!(state.id, state.outputs, pv.inputs);
        return { id: state.id, inputs: pv.inputs, outputs: wire(updated.outs ?? {}) };
    }

    async refresh(state: State): Promise<State | undefined> {
        const read = await this.provider.read!(state.id, state.outputs);
        return read.id ? { id: read.id, inputs: state.inputs, outputs: wire(read.props ?? {}) } : undefined;
    }

    async destroy(state: State): Promise<void> {
        await this.provider.delete!(state.id, state.outputs);
    }
}
