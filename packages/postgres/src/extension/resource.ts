import * as pulumi from "@pulumi/pulumi";
import { parseExtension, type ExtensionInput, type ObservedExtension } from "@pgscale/core";
import { accessInputs, checkAdoptExisting, secretOutputs } from "../sql/resource-inputs";
import { extensionProvider } from "./provider";

export interface ExtensionArgs extends ExtensionInput {
    /** postgresql:// URI of the database to install it in, as a role that may (usually the database owner or a superuser). Kept secret. */
    connection: pulumi.Input<string>;
    /** Manage an extension installed before the stack (e.g. plpgsql). Default false: an installed one is refused. */
    adoptExisting?: boolean;
}

/**
 * A PostgreSQL extension in the connection's database. One the server does not have (or a version
 * it does not have) is refused at preview, naming what it has; a declared version is updated in
 * place (ALTER EXTENSION ... UPDATE).
 */
export class Extension extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly plan: pulumi.Output<string[]>;
    declare readonly applied: pulumi.Output<string[]>;
    /** The extension as pg_extension describes it: installed version and schema. */
    declare readonly observed: pulumi.Output<ObservedExtension>;

    constructor(name: string, args: ExtensionArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, ...rest } = args;
        const subject = `Extension ${name}`;
        const spec = parseExtension(rest, subject);
        checkAdoptExisting(subject, adoptExisting);
        super(extensionProvider, name, accessInputs(spec, { adoptExisting: adoptExisting ?? false }, connection), secretOutputs(opts), "pgscale", "Extension");
    }
}
