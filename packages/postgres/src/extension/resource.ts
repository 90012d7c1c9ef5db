import * as pulumi from "@pulumi/pulumi";
import { parseExtension, type ExtensionInput, type ObservedExtension } from "@pgscale/core";
import { CatalogObject, type CatalogObjectArgs } from "../sql/catalog-object";

export interface ExtensionArgs extends ExtensionInput, CatalogObjectArgs {}

/**
 * A PostgreSQL extension in the connection's database (as a role that may create it: usually the
 * database's owner or a superuser). One the server does not have, or a version it does not have,
 * is refused at preview, naming what it has; a declared version is updated in place.
 */
export class Extension extends CatalogObject<ObservedExtension> {
    constructor(name: string, args: ExtensionArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, ...rest } = args;
        super("Extension", name, parseExtension(rest, `Extension ${name}`), {}, args, opts);
    }
}
