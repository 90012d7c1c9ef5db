import { z } from "zod";
import { identifier } from "../partition/spec";
import { parseSpec } from "../validation";
import { identifierProblem, quoteIdent, quoteLiteral } from "../sql";
import { SYSTEM_DATABASES } from "../cluster/reserved-names";
import { membershipName } from "./role-spec";
import type { AccessPlan, AccessRefusal, AccessStep } from "./role-plan";

// Database: spec and plan. Encoding, locale and template are fixed at CREATE DATABASE; owner,
// connection limit and name change in place. Dropping a database is data loss: only on request.

const databaseName = z.string().superRefine((v, ctx) => {
    const p = identifierProblem(v) ?? ((SYSTEM_DATABASES as readonly string[]).includes(v) ? `"${v}" exists in every cluster; name a database of your own` : null);
    if (p) ctx.addIssue({ code: "custom", message: p });
});

export const databaseFields = z.strictObject({
    /** The database's name. Renaming is an update (ALTER DATABASE ... RENAME), which PostgreSQL refuses while sessions are connected. */
    name: databaseName,
    /** Its owner (a Role's `name`). Default: the connection's role. */
    owner: membershipName.optional(),
    /** Character set, at create only. Default UTF8. */
    encoding: z.string().regex(/^[A-Za-z0-9_]+$/, "must be an encoding name such as UTF8").default("UTF8"),
    /** LC_COLLATE and LC_CTYPE, at create only. Default: the template's. */
    locale: z.string().regex(/^[A-Za-z0-9_.@-]+$/, "must be a locale name such as C.UTF-8 or en_US.UTF-8").optional(),
    /** The template, at create only. Default template0 (so encoding and locale may differ from template1's). */
    template: identifier.default("template0"),
    /** Concurrent connections allowed; -1 for no limit. Default -1. */
    connectionLimit: z.number().int().min(-1).default(-1),
    /** "retain" (default) leaves the database and its data when the resource goes; "destroy" drops it. */
    removalPolicy: z.enum(["retain", "destroy"]).default("retain"),
});

export type DatabaseInput = z.input<typeof databaseFields>;
export type DatabaseSpec = z.output<typeof databaseFields>;

export function parseDatabase(input: unknown, subject: string): DatabaseSpec {
    return parseSpec(databaseFields, input, subject);
}

/** A database as pg_database describes it. */
export interface ObservedDatabase {
    name: string;
    owner: string;
    encoding: string;
    /** LC_COLLATE (pgscale sets LC_CTYPE to the same). */
    locale: string;
    connectionLimit: number;
}

export interface DatabaseCatalog {
    database: ObservedDatabase | null;
    previous: ObservedDatabase | null;
    /** The owner the spec names (or the connection's role) exists. */
    ownerExists: boolean;
    /** The role the database belongs to when `owner` is not given. */
    connectionRole: string;
}

export interface DatabasePlanInput {
    desired: DatabaseSpec;
    /** The name in the stack's state, when it differs from the desired one (a rename). */
    previousName?: string;
    catalog: DatabaseCatalog;
    intent: "create" | "update";
    adoptExisting?: boolean;
}

function refusalsOf(i: DatabasePlanInput, current: ObservedDatabase | null): AccessRefusal[] {
    const { desired: d, catalog: c } = i;
    const out: AccessRefusal[] = [];
    if (!c.ownerExists) out.push({ field: "owner", reason: `role "${d.owner}" does not exist` });
    if (i.intent === "create" && c.database && !i.adoptExisting)
        out.push({ field: "name", reason: `database "${d.name}" already exists: set adoptExisting: true to manage it, or import it` });
    const renaming = i.previousName !== undefined && i.previousName !== d.name;
    if (renaming && c.previous && c.database) out.push({ field: "name", reason: `cannot rename "${i.previousName}" to "${d.name}": a database of that name exists` });
    if (current) {
        if (current.encoding.toUpperCase() !== d.encoding.toUpperCase())
            out.push({ field: "encoding", reason: `is ${current.encoding} on the server and is set only at create: a new encoding needs a new database (dump and restore)` });
        if (d.locale !== undefined && current.locale !== d.locale)
            out.push({ field: "locale", reason: `is ${current.locale} on the server and is set only at create: a new locale needs a new database (dump and restore)` });
    }
    return out;
}

/** CREATE DATABASE with what is fixed at create (template, encoding, locale) and the rest. */
export function createDatabaseStatement(d: DatabaseSpec, owner: string): string {
    const locale = d.locale ? ` LC_COLLATE ${quoteLiteral(d.locale)} LC_CTYPE ${quoteLiteral(d.locale)}` : "";
    return `CREATE DATABASE ${quoteIdent(d.name)} WITH OWNER ${quoteIdent(owner)} TEMPLATE ${quoteIdent(d.template)} ENCODING ${quoteLiteral(d.encoding)}${locale} CONNECTION LIMIT ${d.connectionLimit}`;
}

/** The steps that bring the catalog to the desired database. CREATE DATABASE runs outside a transaction. */
export function planDatabase(i: DatabasePlanInput): AccessPlan {
    const { desired: d, catalog: c } = i;
    const renaming = i.previousName !== undefined && i.previousName !== d.name && c.previous !== null && c.database === null;
    const current = renaming ? c.previous : c.database;
    const refusals = refusalsOf(i, current);
    if (refusals.length) return { steps: [], refusals };
    const owner = d.owner ?? c.connectionRole;
    const db = quoteIdent(d.name);
    if (!current) {
        return {
            steps: [{
                summary: `create database ${d.name} (owner ${owner}, ${d.encoding}${d.locale ? `, ${d.locale}` : ""})`,
                statements: [createDatabaseStatement(d, owner)],
                transactional: false,
            }],
            refusals,
        };
    }
    const steps: AccessStep[] = [];
    if (renaming) steps.push({ summary: `rename database ${current.name} to ${d.name}`, statements: [`ALTER DATABASE ${quoteIdent(current.name)} RENAME TO ${db}`] });
    if (current.owner !== owner) steps.push({ summary: `database ${d.name}: owner ${current.owner} -> ${owner}`, statements: [`ALTER DATABASE ${db} OWNER TO ${quoteIdent(owner)}`] });
    if (current.connectionLimit !== d.connectionLimit)
        steps.push({ summary: `database ${d.name}: connection limit ${current.connectionLimit} -> ${d.connectionLimit}`, statements: [`ALTER DATABASE ${db} WITH CONNECTION LIMIT ${d.connectionLimit}`] });
    return { steps, refusals };
}

/** What removing the resource runs: nothing unless the spec asks to destroy the data. */
export function planDatabaseRemoval(spec: DatabaseSpec): AccessStep[] {
    return spec.removalPolicy === "destroy"
        ? [{ summary: `drop database ${spec.name} and its data (removalPolicy "destroy")`, statements: [`DROP DATABASE IF EXISTS ${quoteIdent(spec.name)}`], transactional: false }]
        : [];
}
