import * as pulumi from "@pulumi/pulumi";
import { parseDatabase, type DatabaseInput, type ObservedDatabase } from "@pgscale/core";
import { CatalogObject, type CatalogObjectArgs } from "../sql/catalog-object";
import { plainName } from "../sql/resource-inputs";

export interface DatabaseArgs extends Omit<DatabaseInput, "owner">, CatalogObjectArgs {
    /** Its owner, e.g. a Role's `name`. Default: the connection's role. */
    owner?: pulumi.Input<string>;
}

/**
 * A PostgreSQL database, created through a connection (as a role with CREATEDB, or a superuser)
 * to another database of the server. Encoding, locale and template are set at create (a change
 * is refused, naming the field); owner, connection limit and name change in place. Removing the
 * resource leaves the database and its data unless `removalPolicy: "destroy"`.
 */
export class Database extends CatalogObject<ObservedDatabase> {
    constructor(name: string, args: DatabaseArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, owner, ...rest } = args;
        super("Database", name, parseDatabase({ ...rest, owner: plainName(owner) }, `Database ${name}`), { owner }, args, opts);
    }
}
