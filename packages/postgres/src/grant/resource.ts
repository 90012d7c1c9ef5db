import * as pulumi from "@pulumi/pulumi";
import { parseGrant, type GrantInput, type ObservedPrivileges } from "@pgscale/core";
import { accessInputs, plainName, secretOutputs } from "../sql/resource-inputs";
import { claimScope } from "./declared-scopes";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

export interface GrantArgs extends Omit<GrantInput, "role"> {
    /** postgresql:// URI as a role that may grant these privileges (their owner or a superuser), on the database the objects are in. Kept secret. */
    connection: pulumi.Input<string>;
    /** The grantee, e.g. a Role's `name`. */
    role: pulumi.Input<string>;
}

/**
 * One grantee's privileges on a database, a schema, or the tables, sequences or functions of a schema
 * (PLAYBOOK "Security": least privilege). The declared set is the whole truth: privileges the
 * grantee holds there that the stack does not declare are revoked by the next `up` (unless
 * `revokeUnmanaged: false`), and with `defaultPrivileges` (the default for a whole schema) tables
 * created later are covered too. `pulumi preview` shows the GRANT/REVOKE steps (`plan`);
 * `pulumi refresh` shows drift in `observed`. Removing it revokes what it declared.
 */
export class Grant extends PgscaleDynamicResource {
    /** Steps pending: what preview shows; empty once applied. */
    declare readonly plan: pulumi.Output<string[]>;
    /** Steps the last create or update ran. */
    declare readonly applied: pulumi.Output<string[]>;
    /** The grantee's privileges per object, and on future objects, after the last update or refresh. */
    declare readonly observed: pulumi.Output<{ objects: ObservedPrivileges[]; defaults?: string[] }>;

    constructor(name: string, args: GrantArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, role, ...rest } = args;
        // A grantee given as an Output (a Role's name) is checked when known, in the provider's check.
        const spec = parseGrant({ ...rest, role: plainName(role) }, `Grant ${name}`);
        claimScope(name, spec, role, connection);
        super(
            POSTGRES_PROVIDER,
            name,
            accessInputs(spec, { role }, connection),
            secretOutputs(opts),
            "pgscale",
            "Grant",
        );
    }
}
