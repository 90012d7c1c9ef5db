import { z } from "zod";
import { parseSpec, PgscaleValidationError, type FieldIssue } from "../validation";
import { identifierProblem } from "../sql";
import { RESERVED_ROLES } from "../cluster/reserved-names";

// The inputs of Role. A role is cluster-wide (it exists once per PostgreSQL server, whatever
// database the connection names); its privileges on objects are Grants of their own.

/** Why `name` cannot be a role pgscale manages, or null when it can. */
export function roleNameProblem(name: string): string | null {
    const p = identifierProblem(name);
    if (p) return p;
    if ((RESERVED_ROLES as readonly string[]).includes(name.toLowerCase())) return `"${name}" is a role pgscale or PostgreSQL already uses`;
    if (name.toLowerCase().startsWith("pg_")) return "role names starting with pg_ are reserved by PostgreSQL";
    return null;
}

export const roleName = z.string().superRefine((v, ctx) => {
    const p = roleNameProblem(v);
    if (p) ctx.addIssue({ code: "custom", message: p });
});

/** A role to join: pgscale's own roles are refused; PostgreSQL's predefined pg_ roles (pg_monitor, pg_read_all_data, ...) are fine. */
export const membershipName = z.string().superRefine((v, ctx) => {
    const p = identifierProblem(v) ?? ((RESERVED_ROLES as readonly string[]).includes(v.toLowerCase()) ? `"${v}" is a role pgscale or PostgreSQL keeps for itself` : null);
    if (p) ctx.addIssue({ code: "custom", message: p });
});

/** An ISO 8601 timestamp with a zone (`2027-01-01T00:00:00Z`), as VALID UNTIL takes it. */
const timestamp = z.string().refine((v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
    "must be an ISO 8601 timestamp with a zone, e.g. 2027-01-01T00:00:00Z");

export const roleFields = z.strictObject({
    /** The role's name. Renaming is an update (ALTER ROLE ... RENAME), never a drop and create. */
    name: roleName,
    /** A login role gets a generated password, kept as a Pulumi secret and stored as a SCRAM verifier. Default true. */
    login: z.boolean().default(true),
    /** Inherits the privileges of the roles it is a member of. Default true. */
    inherit: z.boolean().default(true),
    /** CREATEDB. Default false. */
    createDatabase: z.boolean().default(false),
    /** CREATEROLE. Default false. */
    createRole: z.boolean().default(false),
    /** Concurrent connections allowed; -1 for no limit. Default -1. */
    connectionLimit: z.number().int().min(-1).default(-1),
    /** The password stops working after this time. Default: never. */
    validUntil: timestamp.optional(),
    /** Roles this one is a member of: the whole set (memberships granted elsewhere are revoked). Default none. */
    memberOf: z.array(membershipName).default([]),
    /**
     * What `pulumi destroy` (or removing the resource) does: "drop" drops the role when it owns
     * nothing and holds no privileges, and refuses otherwise, naming what depends on it;
     * "reassign" first hands what it owns in the connection's database to `reassignOwnedTo` and
     * drops its privileges there (REASSIGN OWNED, DROP OWNED); "retain" leaves the role. Default "drop".
     */
    removalPolicy: z.enum(["drop", "reassign", "retain"]).default("drop"),
    /** With removalPolicy "reassign": the role that takes over what this one owns. */
    reassignOwnedTo: roleName.optional(),
});

export type RoleInput = z.input<typeof roleFields>;
export type RoleSpec = z.output<typeof roleFields>;

function crossFieldIssues(s: RoleSpec): FieldIssue[] {
    const issues: FieldIssue[] = [];
    s.memberOf.forEach((m, i) => {
        if (m === s.name) issues.push({ field: `memberOf[${i}]`, message: "a role cannot be a member of itself" });
        if (s.memberOf.indexOf(m) !== i) issues.push({ field: `memberOf[${i}]`, message: `"${m}" is listed twice` });
    });
    if (s.removalPolicy === "reassign" && s.reassignOwnedTo === undefined)
        issues.push({ field: "reassignOwnedTo", message: 'is required with removalPolicy "reassign": name the role that takes over what this one owns' });
    if (s.removalPolicy !== "reassign" && s.reassignOwnedTo !== undefined)
        issues.push({ field: "reassignOwnedTo", message: 'applies only with removalPolicy "reassign"' });
    if (s.reassignOwnedTo === s.name) issues.push({ field: "reassignOwnedTo", message: "must be another role" });
    return issues;
}

/** Validates a Role's arguments, throwing a PgscaleValidationError naming every bad field. */
export function parseRole(input: unknown, subject: string): RoleSpec {
    const spec = parseSpec(roleFields, input, subject);
    const issues = crossFieldIssues(spec);
    if (issues.length) throw new PgscaleValidationError(subject, issues);
    return spec;
}
