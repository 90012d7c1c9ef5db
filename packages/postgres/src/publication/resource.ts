import * as pulumi from "@pulumi/pulumi";
import { parsePublication, type ObservedPublication, type PublicationInput } from "@pgscale/core";
import { CatalogObject, type CatalogObjectArgs } from "../sql/catalog-object";

export interface PublicationArgs extends PublicationInput, CatalogObjectArgs {}

/**
 * A logical-replication publication in the connection's database (the publisher needs
 * `wal_level: logical`). A table without a primary key or replica identity is refused at preview
 * while updates or deletes are published; the table list and the operations change in place.
 */
export class Publication extends CatalogObject<ObservedPublication> {
    constructor(name: string, args: PublicationArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, ...rest } = args;
        super("Publication", name, parsePublication(rest, `Publication ${name}`), {}, args, opts);
    }
}
