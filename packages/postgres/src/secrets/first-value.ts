import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

// Diff always reports no change, so the engine keeps the outputs recorded at creation.
export const firstValueProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: { value: unknown; note?: unknown }) {
        return { id: `first-value-${Date.now().toString(36)}`, outs: { value: inputs.value, ...(inputs.note !== undefined ? { firstNote: inputs.note } : {}) } };
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
 *
 * `note` records facts about that first moment beside it (PatroniCluster: the PostgreSQL major the
 * cluster was initialised with), read back as `firstNote`.
 */
export class FirstValue<T, N = undefined> extends PgscaleDynamicResource {
    public readonly value!: pulumi.Output<T>;
    /**
     * The `note` given at creation. In a state written before notes existed it is missing: undefined
     * in `pulumi up`, unknown in a preview. It has a name of its own because the SDK fills an output
     * missing from a state with the input of the same name: a `note` output would read as the
     * program's current note, which is exactly what it must not be compared with.
     */
    public readonly firstNote!: pulumi.Output<N | undefined>;

    constructor(name: string, args: { value: pulumi.Input<T>; note?: pulumi.Input<N> }, opts?: pulumi.CustomResourceOptions) {
        super(POSTGRES_PROVIDER, name, { value: args.value, note: args.note, firstNote: undefined }, opts, "pgscale", "FirstValue");
    }
}
