import * as pulumi from "@pulumi/pulumi";
import { parseSchema, type ObservedSchema, type SchemaInput } from "@pgscale/core";
import { CatalogObject, type CatalogObjectArgs } from "../sql/catalog-object";
import { plainName } from "../sql/resource-inputs";

export interface SchemaArgs extends Omit<SchemaInput, "owner">, CatalogObjectArgs {
    /** Its owner, e.g. a Role's `name`. Default: the connection's role. */
    owner?: pulumi.Input<string>;
}

/**
 * A schema in the connection's database (as a role that may create schemas there). Owner and name
 * change in place; removing the resource leaves the schema and its tables unless `removalPolicy`
 * says otherwise.
 */
export class Schema extends CatalogObject<ObservedSchema> {
    constructor(name: string, args: SchemaArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, owner, ...rest } = args;
        super("Schema", name, parseSchema({ ...rest, owner: plainName(owner) }, `Schema ${name}`), { owner }, args, opts);
    }
}
