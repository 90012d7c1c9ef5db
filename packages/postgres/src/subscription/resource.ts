import * as pulumi from "@pulumi/pulumi";
import { parseSubscription, type ObservedSubscription, type SubscriptionInput } from "@pgscale/core";
import { CatalogObject, type CatalogObjectArgs } from "../sql/catalog-object";

export interface SubscriptionArgs extends Omit<SubscriptionInput, "publisher">, CatalogObjectArgs {
    /** postgresql:// URI of the publisher's database as the subscriber's server reaches it. Kept secret in the state. */
    publisher: pulumi.Input<string>;
}

/**
 * A logical-replication subscription in the connection's database (as a superuser). Creating it
 * makes its slot on the publisher and copies the tables' rows (`copyData`); removing it drops the
 * slot, so nothing keeps the publisher's WAL. PostgreSQL keeps the publisher's URI, password
 * included, in pg_subscription, readable by superusers of the subscriber.
 */
export class Subscription extends CatalogObject<ObservedSubscription> {
    constructor(name: string, args: SubscriptionArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, publisher, ...rest } = args;
        const plainPublisher = typeof publisher === "string" ? publisher : "postgresql://pending";
        super("Subscription", name, parseSubscription({ ...rest, publisher: plainPublisher }, `Subscription ${name}`),
            { publisher: pulumi.secret(publisher) }, args, opts, ["publisher"]);
    }
}
