import * as pulumi from "@pulumi/pulumi";

// Diff always reports no change, so the engine keeps the outputs recorded at creation.
const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { value: unknown }) {
        return { id: `first-value-${Date.now().toString(36)}`, outs: { value: inputs.value } };
    },
    async diff() {
        return { changes: false };
    },
};

/**
 * Holds the value it was created with, whatever the program passes later. PatroniCluster uses it
 * for `bootstrap.dcs`: Patroni reads that section once, when the cluster is first initialised, so
 * later edits must reach the DCS through PATCH /config instead of rewriting (and so replacing)
 * every node's configuration file.
 */
export class FirstValue<T> extends pulumi.dynamic.Resource {
    public readonly value!: pulumi.Output<T>;

    constructor(name: string, args: { value: pulumi.Input<T> }, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { value: args.value }, opts, "pgscale", "FirstValue");
    }
}
