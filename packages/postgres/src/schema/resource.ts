import * as pulumi from "@pulumi/pulumi";
import { parseSchema, type ObservedSchema, type SchemaInput } from "@pgscale/core";
import { accessInputs, checkAdoptExisting, plainName, secretOutputs } from "../sql/resource-inputs";
import { schemaProvider } from "./provider";

export interface SchemaArgs extends Omit<SchemaInput, "owner"> {
    /** postgresql:// URI of the database the schema belongs in, as a role that may create schemas there. Kept secret. */
    connection: pulumi.Input<string>;
    /** Its owner, e.g. a Role's `name`. Default: the connection's role. */
    owner?: pulumi.Input<string>;
    /** Manage a schema that exists before the stack created it (e.g. `public`). Default false: an existing one is refused. */
    adoptExisting?: boolean;
}

/**
 * A schema in the connection's database. Owner and name change in place; removing the resource
 * leaves the schema and its tables unless `removalPolicy` says otherwise.
 */
export class Schema extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly plan: pulumi.Output<string[]>;
    declare readonly applied: pulumi.Output<string[]>;
    /** The schema as pg_namespace describes it after the last update or refresh. */
    declare readonly observed: pulumi.Output<ObservedSchema>;

    constructor(name: string, args: SchemaArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, owner, ...rest } = args;
        const subject = `Schema ${name}`;
        const spec = parseSchema({ ...rest, owner: plainName(owner) }, subject);
        checkAdoptExisting(subject, adoptExisting);
        super(schemaProvider, name, accessInputs(spec, { owner, adoptExisting: adoptExisting ?? false }, connection), secretOutputs(opts), "pgscale", "Schema");
    }
}
