import * as pulumi from "@pulumi/pulumi";
import { parsePartitionedTable, type ObservedTable, type PartitionedTableInput } from "@pgscale/core";
import { specProps } from "./state";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

export interface PartitionedTableArgs extends PartitionedTableInput {
    /** postgresql:// URI of the primary. Kept secret in the state; never captured by the provider's code. */
    connection: pulumi.Input<string>;
}

/**
 * A declaratively partitioned PostgreSQL table. `pulumi preview` lists the steps
 * (`plan`) computed against the live catalog; `pulumi up` runs them; `pulumi refresh`
 * reads the catalog into `observed`. Nothing loses rows unless the spec says so.
 *
 * The spec is plain data, validated here, so a bad spec fails before anything is registered.
 */
export class PartitionedTable extends PgscaleDynamicResource {
    /** Steps pending, one line each: what preview shows; empty once applied. */
    declare readonly plan: pulumi.Output<string[]>;
    /** Steps the last create or update ran. */
    declare readonly applied: pulumi.Output<string[]>;
    /** The table as PostgreSQL's catalog describes it after the last update or refresh. */
    declare readonly observed: pulumi.Output<ObservedTable>;
    declare readonly schema: pulumi.Output<string>;
    declare readonly connection: pulumi.Output<string>;

    constructor(name: string, args: PartitionedTableArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, ...rest } = args;
        const spec = parsePartitionedTable(rest, `PartitionedTable ${name}`);
        super(
            POSTGRES_PROVIDER,
            name,
            { ...specProps(spec), connection: pulumi.secret(connection), plan: undefined, applied: undefined, observed: undefined },
            // Outputs echo the connection for read/delete; keep it encrypted there too (pulumi/pulumi#3012).
            { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "connection"] },
            "pgscale",
            "PartitionedTable",
        );
    }
}
