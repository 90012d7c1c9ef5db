import { z } from "zod";
import { parseSpec } from "../validation";
import { identifierProblem, quoteIdent } from "../sql";
import { membershipName } from "./role-spec";
import type { AccessPlan, AccessRefusal, AccessStep } from "./role-plan";

// Schema: spec and plan. A schema holds tables and their rows, so removal drops nothing by default.

const schemaName = z.string().superRefine((v, ctx) => {
    const p = identifierProblem(v)
        ?? (v.startsWith("pg_") || v === "information_schema" ? `"${v}" is PostgreSQL's own` : null);
    if (p) ctx.addIssue({ code: "custom", message: p });
});

export const schemaFields = z.strictObject({
    /** The schema's name. Renaming is an update (ALTER SCHEMA ... RENAME). */
    name: schemaName,
    /** Its owner (a Role's `name`). Default: the connection's role. */
    owner: membershipName.optional(),
    /**
     * "retain" (default) leaves the schema and everything in it when the resource goes;
     * "dropIfEmpty" drops it when it holds nothing (PostgreSQL refuses otherwise, naming what it
     * holds); "destroy" drops it with everything in it (CASCADE).
     */
    removalPolicy: z.enum(["retain", "dropIfEmpty", "destroy"]).default("retain"),
});

export type SchemaInput = z.input<typeof schemaFields>;
export type SchemaSpec = z.output<typeof schemaFields>;

export function parseSchema(input: unknown, subject: string): SchemaSpec {
    return parseSpec(schemaFields, input, subject);
}

export interface ObservedSchema {
    name: string;
    owner: string;
}

export interface SchemaCatalog {
    schema: ObservedSchema | null;
    previous: ObservedSchema | null;
    ownerExists: boolean;
    connectionRole: string;
}

export function planSchema(i: { desired: SchemaSpec; previousName?: string; catalog: SchemaCatalog; intent: "create" | "update"; adoptExisting?: boolean }): AccessPlan {
    const { desired: d, catalog: c } = i;
    const renaming = i.previousName !== undefined && i.previousName !== d.name && c.previous !== null && c.schema === null;
    const current = renaming ? c.previous : c.schema;
    const refusals: AccessRefusal[] = [];
    if (!c.ownerExists) refusals.push({ field: "owner", reason: `role "${d.owner}" does not exist` });
    if (i.intent === "create" && c.schema && !i.adoptExisting)
        refusals.push({ field: "name", reason: `schema "${d.name}" already exists: set adoptExisting: true to manage it, or import it` });
    if (i.previousName !== undefined && i.previousName !== d.name && c.previous && c.schema)
        refusals.push({ field: "name", reason: `cannot rename "${i.previousName}" to "${d.name}": a schema of that name exists` });
    if (refusals.length) return { steps: [], refusals };
    const owner = d.owner ?? c.connectionRole;
    const schema = quoteIdent(d.name);
    if (!current) return { steps: [{ summary: `create schema ${d.name} (owner ${owner})`, statements: [`CREATE SCHEMA ${schema} AUTHORIZATION ${quoteIdent(owner)}`] }], refusals };
    const steps: AccessStep[] = [];
    if (renaming) steps.push({ summary: `rename schema ${current.name} to ${d.name}`, statements: [`ALTER SCHEMA ${quoteIdent(current.name)} RENAME TO ${schema}`] });
    if (current.owner !== owner) steps.push({ summary: `schema ${d.name}: owner ${current.owner} -> ${owner}`, statements: [`ALTER SCHEMA ${schema} OWNER TO ${quoteIdent(owner)}`] });
    return { steps, refusals };
}

export function planSchemaRemoval(spec: SchemaSpec): AccessStep[] {
    if (spec.removalPolicy === "retain") return [];
    const cascade = spec.removalPolicy === "destroy";
    return [{ summary: `drop schema ${spec.name}${cascade ? " and everything in it" : ""}`, statements: [`DROP SCHEMA IF EXISTS ${quoteIdent(spec.name)} ${cascade ? "CASCADE" : "RESTRICT"}`] }];
}
