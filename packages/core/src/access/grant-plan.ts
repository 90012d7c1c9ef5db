import { quoteIdent, quoteQualified } from "../sql";
import { isPerObject, type GrantSpec } from "./grant-spec";
import type { AccessPlan, AccessRefusal, AccessStep } from "./role-plan";

// What a Grant's create, update or removal runs, from the catalog as read (aclexplode of each
// object's ACL, pg_default_acl). Pure.

/** One object in the grant's scope and the privileges the grantee holds on it now. */
export interface ObservedPrivileges {
    /** The database's or schema's name, or the table's / sequence's / routine's name within the schema. */
    name: string;
    /** A routine's identity arguments (`integer, text`): each overload is its own object. */
    args?: string;
    /** Upper-case privilege names (SELECT, ...), sorted; grant options are not managed. */
    privileges: string[];
}

export interface GrantCatalog {
    roleExists: boolean;
    /** The database or schema the grant names exists. */
    containerExists: boolean;
    /** Every object in scope: the database, the schema, or the tables/sequences/routines (all, or those listed that exist). */
    objects: ObservedPrivileges[];
    /** Listed objects that do not exist. */
    missing: string[];
    /** The role whose future objects the default privileges cover (defaultPrivilegesFor, or the connection's role). */
    defaultsFor?: string;
    /** The grantee's default privileges from `defaultsFor` in the schema, for this kind of object. */
    defaults?: string[];
    /** Privileges on objects in scope that a running subscription uses through the grantee (see SubscriberUse). */
    subscriberUses?: SubscriberUse[];
}

/**
 * A privilege an active logical replication connection (a subscription's walsender) relies on
 * through the grantee: the walsender's role is the grantee or inherits from it, is not a superuser,
 * and needs it to connect (CONNECT on its database) or to copy a published table at a table sync or
 * refresh (USAGE on the table's schema, SELECT on the table).
 */
export interface SubscriberUse {
    /** As ObservedPrivileges.name. */
    object: string;
    privilege: string;
    /** The walsender's role. */
    user: string;
    /** The logical slot it streams from. */
    slot: string;
}

// ROUTINE: functions, procedures and aggregates alike (GRANT ... ON FUNCTION refuses a procedure).
const KIND = { database: "DATABASE", schema: "SCHEMA", tables: "TABLE", sequences: "SEQUENCE", functions: "ROUTINE" } as const;
const DEFAULTS_KIND = { tables: "TABLES", sequences: "SEQUENCES", functions: "FUNCTIONS" } as const;
/** How messages and plans name one object of each per-object kind. */
const NOUN = { tables: "table", sequences: "sequence", functions: "function" } as const;

// A routine's identity arguments come from the catalog (pg_get_function_identity_arguments), whose
// type names are already quoted where they need it; names come from the user and are quoted here.
const signature = (o: ObservedPrivileges) => (o.args === undefined ? "" : `(${o.args})`);
function objectSql(spec: GrantSpec, o: ObservedPrivileges): string {
    return spec.on === "database" || spec.on === "schema" ? `${KIND[spec.on]} ${quoteIdent(o.name)}` : `${KIND[spec.on]} ${quoteQualified(spec.schema!, o.name)}${signature(o)}`;
}
const objectLabel = (spec: GrantSpec, o: ObservedPrivileges) =>
    spec.on === "database" || spec.on === "schema" ? `${spec.on} ${o.name}` : `${NOUN[spec.on]} ${spec.schema}.${o.name}${signature(o)}`;

function refusalsOf(spec: GrantSpec, c: GrantCatalog): AccessRefusal[] {
    const out: AccessRefusal[] = [];
    if (!c.roleExists) out.push({ field: "role", reason: `role "${spec.role}" does not exist` });
    if (!c.containerExists) out.push(spec.on === "database"
        ? { field: "database", reason: `database "${spec.database}" does not exist` }
        : { field: "schema", reason: `schema "${spec.schema}" does not exist` });
    for (const m of c.missing) out.push({ field: `objects[${spec.objects!.indexOf(m)}]`, reason: `${NOUN[spec.on as keyof typeof NOUN]} "${spec.schema}.${m}" does not exist` });
    return out;
}

/** The steps that make the grantee's privileges on the scope exactly the declared ones (or add them, with revokeUnmanaged false). */
export function planGrant(spec: GrantSpec, c: GrantCatalog): AccessPlan {
    const refusals = refusalsOf(spec, c);
    if (refusals.length) return { steps: [], refusals };
    return withSubscriberRefusals(spec, c, revokeAndGrant(spec, c, " (not declared)"));
}

/** Refuses the whole plan when it revokes a privilege a running subscription uses, naming both. */
function withSubscriberRefusals(spec: GrantSpec, c: GrantCatalog, r: { steps: AccessStep[]; revoked: Array<{ o: ObservedPrivileges; privileges: string[] }> }): AccessPlan {
    const refusals: AccessRefusal[] = [];
    for (const { o, privileges } of r.revoked) {
        for (const use of (c.subscriberUses ?? []).filter((u) => u.object === o.name && privileges.includes(u.privilege))) {
            refusals.push({
                field: "privileges",
                reason: `revoking ${use.privilege} on ${objectLabel(spec, o)} from ${spec.role} would break a running subscription: the logical replication connection as ${use.user} (slot ${use.slot}) ` +
                    `needs it ${use.privilege === "CONNECT" ? "to connect" : "to copy the published tables"}; disable or drop that subscription first, or keep the privilege`,
            });
        }
    }
    return refusals.length ? { steps: [], refusals } : { steps: r.steps, refusals };
}

function revokeAndGrant(spec: GrantSpec, c: GrantCatalog, why: string): { steps: AccessStep[]; revoked: Array<{ o: ObservedPrivileges; privileges: string[] }> } {
    const role = quoteIdent(spec.role);
    const steps: AccessStep[] = [];
    const revoked: Array<{ o: ObservedPrivileges; privileges: string[] }> = [];
    for (const o of c.objects) {
        const add = spec.privileges.filter((p) => !o.privileges.includes(p));
        const extra = spec.revokeUnmanaged ? o.privileges.filter((p) => !spec.privileges.includes(p)) : [];
        if (extra.length) revoked.push({ o, privileges: extra });
        if (add.length) steps.push({ summary: `grant ${add.join(", ")} on ${objectLabel(spec, o)} to ${spec.role}`, statements: [`GRANT ${add.join(", ")} ON ${objectSql(spec, o)} TO ${role}`] });
        if (extra.length) steps.push({ summary: `revoke ${extra.join(", ")} on ${objectLabel(spec, o)} from ${spec.role}${why}`, statements: [`REVOKE ${extra.join(", ")} ON ${objectSql(spec, o)} FROM ${role}`] });
    }
    if (spec.defaultPrivileges && isPerObject(spec.on)) {
        const have = c.defaults ?? [];
        const add = spec.privileges.filter((p) => !have.includes(p));
        const extra = spec.revokeUnmanaged ? have.filter((p) => !spec.privileges.includes(p)) : [];
        const head = `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(c.defaultsFor!)} IN SCHEMA ${quoteIdent(spec.schema!)}`;
        const what = `${DEFAULTS_KIND[spec.on].toLowerCase()} ${c.defaultsFor} creates in ${spec.schema}`;
        if (add.length) steps.push({ summary: `grant ${add.join(", ")} on future ${what} to ${spec.role}`, statements: [`${head} GRANT ${add.join(", ")} ON ${DEFAULTS_KIND[spec.on]} TO ${role}`] });
        if (extra.length) steps.push({ summary: `revoke ${extra.join(", ")} on future ${what} from ${spec.role}${why}`, statements: [`${head} REVOKE ${extra.join(", ")} ON ${DEFAULTS_KIND[spec.on]} FROM ${role}`] });
    }
    return { steps, revoked };
}

/** What removing the Grant runs: revokes what it declared, wherever the grantee holds it; refused while a running subscription uses it. */
export function planGrantRemoval(spec: GrantSpec, c: GrantCatalog): AccessPlan {
    if (!c.roleExists || !c.containerExists) return { steps: [], refusals: [] };
    const declared = (ps: string[]) => ps.filter((p) => spec.privileges.includes(p));
    const none = { ...spec, privileges: [], revokeUnmanaged: true };
    const held = { ...c, missing: [], objects: c.objects.map((o) => ({ ...o, privileges: declared(o.privileges) })), defaults: c.defaults && declared(c.defaults) };
    return withSubscriberRefusals(spec, held, revokeAndGrant(none, held, ""));
}
