import * as pulumi from "@pulumi/pulumi";
import { parseDatabase, type DatabaseInput, type ObservedDatabase } from "@pgscale/core";
import { accessInputs, checkAdoptExisting, plainName, secretOutputs } from "../sql/resource-inputs";
import { databaseProvider } from "./provider";

export interface DatabaseArgs extends Omit<DatabaseInput, "owner"> {
    /** postgresql:// URI as a role that may create databases (CREATEDB or superuser), on another database (e.g. postgres). Kept secret. */
    connection: pulumi.Input<string>;
    /** Its owner, e.g. a Role's `name`. Default: the connection's role. */
    owner?: pulumi.Input<string>;
    /** Manage a database that exists before the stack created it. Default false: an existing one is refused. */
    adoptExisting?: boolean;
}

/**
 * A PostgreSQL database. Encoding, locale and template are set at create (a change is refused,
 * naming the field); owner, connection limit and name change in place. Removing the resource
 * leaves the database and its data unless `removalPolicy: "destroy"`.
 */
export class Database extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly plan: pulumi.Output<string[]>;
    declare readonly applied: pulumi.Output<string[]>;
    /** The database as pg_database describes it after the last update or refresh. */
    declare readonly observed: pulumi.Output<ObservedDatabase>;

    constructor(name: string, args: DatabaseArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, owner, ...rest } = args;
        const subject = `Database ${name}`;
        const spec = parseDatabase({ ...rest, owner: plainName(owner) }, subject);
        checkAdoptExisting(subject, adoptExisting);
        super(
            databaseProvider,
            name,
            accessInputs(spec, { owner, adoptExisting: adoptExisting ?? false }, connection),
            secretOutputs(opts),
            "pgscale",
            "Database",
        );
    }
}
