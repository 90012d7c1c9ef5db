import * as pulumi from "@pulumi/pulumi";
import { parseRole, type ObservedRole, type RoleInput } from "@pgscale/core";
import { accessInputs, checkAdoptExisting, plainName, secretOutputs } from "../sql/resource-inputs";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

export interface RoleArgs extends Omit<RoleInput, "memberOf" | "reassignOwnedTo"> {
    /** Roles this one is a member of, e.g. another Role's `name`: the whole set. Default none. */
    memberOf?: pulumi.Input<string>[];
    /** With removalPolicy "reassign": the role that takes over what this one owns. */
    reassignOwnedTo?: pulumi.Input<string>;
    /** postgresql:// URI of the primary, as a role that may create roles (CREATEROLE or superuser). Kept secret. */
    connection: pulumi.Input<string>;
    /**
     * Manage a role that exists before the stack created it. A login role's password is then
     * replaced by a generated one. Default false: an existing role of that name is refused.
     */
    adoptExisting?: boolean;
}

/**
 * A PostgreSQL role, declared (PLAYBOOK "Security"): a login role gets a generated password,
 * stored on the server as a SCRAM verifier (the password itself never reaches the server) and
 * output as a Pulumi secret; a group role (`login: false`) has none. `memberOf` is the whole set
 * of its memberships: one granted outside the stack is revoked by the next `up`. `pulumi preview`
 * shows the steps (`plan`), `pulumi refresh` shows drift, and a rename is an update.
 */
export class Role extends PgscaleDynamicResource {
    /** The role's name. */
    declare readonly name: pulumi.Output<string>;
    /** The generated password of a login role (secret); empty for a group role. */
    declare readonly password: pulumi.Output<string>;
    /**
     * The SCRAM-SHA-256 verifier the server holds for the password (secret), for a PgBouncerPool's
     * `users` (PgBouncer passes SCRAM through only with the server's own verifier); empty for a group role.
     */
    declare readonly scramVerifier: pulumi.Output<string>;
    /** Steps pending: what preview shows; empty once applied. */
    declare readonly plan: pulumi.Output<string[]>;
    /** Steps the last create or update ran. */
    declare readonly applied: pulumi.Output<string[]>;
    /** The role as pg_roles describes it after the last update or refresh. */
    declare readonly observed: pulumi.Output<ObservedRole>;

    constructor(name: string, args: RoleArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { connection, adoptExisting, memberOf, reassignOwnedTo, ...rest } = args;
        const subject = `Role ${name}`;
        // Names given as Outputs (another Role's `name`) are checked when known, in the provider's
        // check; plain ones here, before anything is registered.
        const spec = parseRole({ ...rest, memberOf: memberOf?.map((m, i) => plainName(m, `pgscale_pending_${i}`)), reassignOwnedTo: plainName(reassignOwnedTo) }, subject);
        checkAdoptExisting(subject, adoptExisting);
        super(
            POSTGRES_PROVIDER,
            name,
            { ...accessInputs(spec, { memberOf: memberOf ?? [], reassignOwnedTo, adoptExisting: adoptExisting ?? false }, connection), password: undefined, scramVerifier: undefined },
            secretOutputs(opts, ["password", "scramVerifier"]),
            "pgscale",
            "Role",
        );
    }
}
