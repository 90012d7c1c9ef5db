import { quoteIdent, quoteLiteral } from "../sql";
import type { RoleSpec } from "./role-spec";

// What a Role's create or update runs, computed from the desired spec and the catalog as read
// (pg_roles, pg_auth_members). Pure: the provider reads the catalog, plans, and runs the steps.

/** A role as pg_roles describes it. */
export interface ObservedRole {
    name: string;
    login: boolean;
    inherit: boolean;
    createDatabase: boolean;
    createRole: boolean;
    connectionLimit: number;
    /** ISO 8601 in UTC, or null for no expiry ('infinity' reads as null too). */
    validUntil: string | null;
    superuser: boolean;
    /** Roles it is a direct member of, sorted. */
    memberOf: string[];
}

export interface RoleCatalog {
    /** The role of the desired name. */
    role: ObservedRole | null;
    /** The role under its previous name, when the name changed. */
    previous: ObservedRole | null;
    /** Which of the desired memberOf roles exist. */
    existing: string[];
    /** Roles that are members of the desired role (directly or through others): it cannot join them. */
    members: string[];
}

export interface AccessStep {
    /** One line for `pulumi preview`. */
    summary: string;
    statements: string[];
    /** Holds a password verifier: errors name the step, never the statement. */
    sensitive?: boolean;
    /** False for statements PostgreSQL refuses inside a transaction (CREATE/DROP DATABASE). Default true. */
    transactional?: boolean;
}

export interface AccessRefusal {
    field: string;
    reason: string;
}

export interface AccessPlan {
    steps: AccessStep[];
    refusals: AccessRefusal[];
}

export interface RolePlanInput {
    desired: RoleSpec;
    /** The name in the stack's state, when it differs from the desired one (a rename). */
    previousName?: string;
    catalog: RoleCatalog;
    /** "create": the resource is new (the role may not exist yet unless adopted); "update": it is in the stack. */
    intent: "create" | "update";
    /** Take over a role that exists before the stack created it. */
    adoptExisting?: boolean;
    /** SCRAM verifier to set: on create of a login role, or when a role starts to log in. */
    verifier?: string;
}

/** A role's attribute keywords, in the order CREATE ROLE and ALTER ROLE take them. */
export const roleAttributes = (s: Pick<ObservedRole, "login" | "inherit" | "createDatabase" | "createRole">): string[] => [
    s.login ? "LOGIN" : "NOLOGIN",
    s.inherit ? "INHERIT" : "NOINHERIT",
    s.createDatabase ? "CREATEDB" : "NOCREATEDB",
    s.createRole ? "CREATEROLE" : "NOCREATEROLE",
];

/** `VALID UNTIL '...'`; no expiry is 'infinity'. */
export const validUntilSql = (v: string | undefined): string => `VALID UNTIL ${quoteLiteral(v ?? "infinity")}`;
const sameInstant = (a: string | null, b: string | undefined) => (a === null || b === undefined ? a === null && b === undefined : Date.parse(a) === Date.parse(b));

function membershipSteps(name: string, want: string[], have: string[]): AccessStep[] {
    const role = quoteIdent(name);
    return [
        ...want.filter((m) => !have.includes(m)).map((m) => ({ summary: `grant membership in ${m} to ${name}`, statements: [`GRANT ${quoteIdent(m)} TO ${role}`] })),
        ...have.filter((m) => !want.includes(m)).map((m) => ({ summary: `revoke membership in ${m} from ${name} (not declared)`, statements: [`REVOKE ${quoteIdent(m)} FROM ${role}`] })),
    ];
}

function refusalsOf(input: RolePlanInput, current: ObservedRole | null): AccessRefusal[] {
    const { desired, catalog } = input;
    const out: AccessRefusal[] = [];
    desired.memberOf.forEach((m, i) => {
        if (!catalog.existing.includes(m)) out.push({ field: `memberOf[${i}]`, reason: `role "${m}" does not exist` });
        else if (catalog.members.includes(m)) out.push({ field: `memberOf[${i}]`, reason: `"${m}" is already a member of "${desired.name}": the membership would be a cycle` });
    });
    if (current?.superuser) out.push({ field: "name", reason: `"${current.name}" is a superuser; pgscale does not manage superuser roles` });
    const renaming = input.previousName !== undefined && input.previousName !== desired.name;
    if (renaming && catalog.previous && catalog.role)
        out.push({ field: "name", reason: `cannot rename "${input.previousName}" to "${desired.name}": a role of that name exists` });
    if (input.intent === "create" && catalog.role && !input.adoptExisting)
        out.push({ field: "name", reason: `role "${desired.name}" already exists: set adoptExisting: true to manage it (a login role's password is then replaced by a generated one), or import it` });
    return out;
}

/** The steps that bring the catalog to the desired role. Nothing runs when `refusals` is not empty. */
export function planRole(input: RolePlanInput): AccessPlan {
    const { desired, catalog } = input;
    const name = desired.name;
    const renaming = input.previousName !== undefined && input.previousName !== name && catalog.previous !== null && catalog.role === null;
    const current = renaming ? catalog.previous : catalog.role;
    const refusals = refusalsOf(input, current);
    if (refusals.length) return { steps: [], refusals };
    const steps: AccessStep[] = [];
    const role = quoteIdent(name);
    const password = input.verifier !== undefined && desired.login ? ` PASSWORD ${quoteLiteral(input.verifier)}` : "";
    if (!current) {
        steps.push({
            summary: `create role ${name} (${desired.login ? "login" : "group"})`,
            statements: [`CREATE ROLE ${role} WITH ${roleAttributes(desired).join(" ")} CONNECTION LIMIT ${desired.connectionLimit} ${validUntilSql(desired.validUntil)}${password}`],
            sensitive: password !== "",
        });
        return { steps: [...steps, ...membershipSteps(name, desired.memberOf, [])], refusals };
    }
    if (renaming) steps.push({ summary: `rename role ${current.name} to ${name}`, statements: [`ALTER ROLE ${quoteIdent(current.name)} RENAME TO ${role}`] });
    const want = roleAttributes(desired);
    const changed = want.filter((a, i) => a !== roleAttributes(current)[i]);
    if (changed.length) steps.push({ summary: `alter role ${name}: ${changed.join(" ")}`, statements: [`ALTER ROLE ${role} WITH ${changed.join(" ")}`] });
    if (current.connectionLimit !== desired.connectionLimit)
        steps.push({ summary: `alter role ${name}: connection limit ${current.connectionLimit} -> ${desired.connectionLimit}`, statements: [`ALTER ROLE ${role} WITH CONNECTION LIMIT ${desired.connectionLimit}`] });
    if (!sameInstant(current.validUntil, desired.validUntil))
        steps.push({ summary: `alter role ${name}: valid until ${desired.validUntil ?? "infinity"}`, statements: [`ALTER ROLE ${role} WITH ${validUntilSql(desired.validUntil)}`] });
    if (password) steps.push({ summary: `set a generated password on role ${name}`, statements: [`ALTER ROLE ${role} WITH${password}`], sensitive: true });
    steps.push(...membershipSteps(name, desired.memberOf, current.memberOf));
    return { steps, refusals };
}

/** What removing the resource runs, given what depends on the role (none: a plain DROP ROLE). */
export function planRoleRemoval(spec: RoleSpec): AccessStep[] {
    if (spec.removalPolicy === "retain") return [];
    const role = quoteIdent(spec.name);
    const reassign = spec.removalPolicy === "reassign" && spec.reassignOwnedTo
        ? [{ summary: `hand what ${spec.name} owns to ${spec.reassignOwnedTo} and drop its privileges`, statements: [`REASSIGN OWNED BY ${role} TO ${quoteIdent(spec.reassignOwnedTo)}`, `DROP OWNED BY ${role}`] }]
        : [];
    return [...reassign, { summary: `drop role ${spec.name}`, statements: [`DROP ROLE IF EXISTS ${role}`] }];
}

/** Preview lines: one per step, or the refusals. */
export function summarizeAccessPlan(plan: AccessPlan): string[] {
    return plan.refusals.length ? plan.refusals.map((r) => `refused: ${r.field}: ${r.reason}`) : plan.steps.map((s) => s.summary);
}
