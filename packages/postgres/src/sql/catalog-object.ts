import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";
import { accessInputs, checkAdoptExisting, secretOutputs } from "./resource-inputs";

/** What every catalog object's arguments have besides its spec. */
export interface CatalogObjectArgs {
    /** postgresql:// URI to manage it through. Kept secret in the state; never captured by the provider's code. */
    connection: pulumi.Input<string>;
    /** Manage an object that exists before the stack created it. Default false: an existing one is refused at preview. */
    adoptExisting?: boolean;
}

/**
 * A named catalog object (Database, Schema, Extension) managed by a dynamic provider: `plan` is
 * what preview shows, `applied` what the last `up` ran, `observed` the catalog's view.
 */
export abstract class CatalogObject<Observed> extends PgscaleDynamicResource {
    declare readonly name: pulumi.Output<string>;
    /** Steps pending: what preview shows; empty once applied. */
    declare readonly plan: pulumi.Output<string[]>;
    /** Steps the last create or update ran. */
    declare readonly applied: pulumi.Output<string[]>;
    /** The object as the catalog describes it after the last update or refresh. */
    declare readonly observed: pulumi.Output<Observed>;

    /** `secrets`: inputs besides the connection that stay encrypted in the outputs too. */
    protected constructor(type: string, name: string, spec: object, inputs: Record<string, unknown>, args: CatalogObjectArgs, opts: pulumi.CustomResourceOptions, secrets: string[] = []) {
        checkAdoptExisting(`${type} ${name}`, args.adoptExisting);
        super(POSTGRES_PROVIDER, name, accessInputs(spec, { ...inputs, adoptExisting: args.adoptExisting ?? false }, args.connection), secretOutputs(opts, secrets), "pgscale", type);
    }
}
