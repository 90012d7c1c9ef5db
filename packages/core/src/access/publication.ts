import { z } from "zod";
import { identifier as ident } from "../partition/spec";
import { parseSpec, PgscaleValidationError } from "../validation";
import { identifierProblem, quoteIdent, quoteLiteral, quoteQualified } from "../sql";
import type { AccessPlan, AccessRefusal, AccessStep } from "./role-plan";

// Publication: the publisher's half of logical replication. Pure spec and plan.


export const PUBLISHED_OPERATIONS = ["insert", "update", "delete", "truncate"] as const;

export const publicationFields = z.strictObject({
    /** The publication's name. */
    name: ident,
    /** Tables as "schema.table" (or "table" in public), or "all" for every table of the database (a superuser's). */
    tables: z.union([z.literal("all"), z.array(z.string().min(1)).min(1, "name at least one table, or \"all\"")]),
    /** Operations published. Default all four. */
    publish: z.array(z.enum(PUBLISHED_OPERATIONS)).min(1).default([...PUBLISHED_OPERATIONS]),
    /** "drop" (default): DROP PUBLICATION when the resource goes (no data is lost; subscribers stop receiving); "retain": leave it. */
    removalPolicy: z.enum(["drop", "retain"]).default("drop"),
});

export type PublicationInput = z.input<typeof publicationFields>;
export type PublicationSpec = z.output<typeof publicationFields>;

/** "schema.table" or "table" (public): the two parts, each a valid identifier. */
export function splitTableName(t: string): { schema: string; table: string } | null {
    const parts = t.split(".");
    if (parts.length > 2) return null;
    const [schema, table] = parts.length === 2 ? parts : ["public", parts[0]];
    return identifierProblem(schema) || identifierProblem(table) ? null : { schema, table };
}

export function parsePublication(input: unknown, subject: string): PublicationSpec {
    const spec = parseSpec(publicationFields, input, subject);
    const issues = spec.tables === "all" ? [] : spec.tables.flatMap((t, i) => {
        if (!splitTableName(t)) return [{ field: `tables[${i}]`, message: `${JSON.stringify(t)} is not "schema.table" or "table"` }];
        return spec.tables.indexOf(t) !== i ? [{ field: `tables[${i}]`, message: `${t} is listed twice` }] : [];
    });
    if (issues.length) throw new PgscaleValidationError(subject, issues);
    return { ...spec, tables: spec.tables === "all" ? "all" : spec.tables.map((t) => { const s = splitTableName(t)!; return `${s.schema}.${s.table}`; }) };
}

export interface ObservedPublication {
    name: string;
    allTables: boolean;
    /** "schema.table", sorted. */
    tables: string[];
    publish: string[];
}

export interface PublicationCatalog {
    publication: ObservedPublication | null;
    /** Of the declared tables: those that do not exist, and those that cannot publish updates/deletes (no replica identity). */
    missing: string[];
    withoutIdentity: string[];
}

const tableList = (tables: string[]) => tables.map((t) => { const s = splitTableName(t)!; return quoteQualified(s.schema, s.table); }).join(", ");
const publishOption = (ops: string[]) => `publish = ${quoteLiteral(ops.join(", "))}`;

export function planPublication(i: { desired: PublicationSpec; catalog: PublicationCatalog; intent: "create" | "update"; adoptExisting?: boolean }): AccessPlan {
    const { desired: d, catalog: c } = i;
    const refusals: AccessRefusal[] = [];
    const tables = d.tables === "all" ? [] : d.tables;
    for (const t of c.missing) refusals.push({ field: `tables[${tables.indexOf(t)}]`, reason: `table ${t} does not exist` });
    if (d.publish.includes("update") || d.publish.includes("delete"))
        for (const t of c.withoutIdentity) refusals.push({ field: `tables[${tables.indexOf(t)}]`, reason: `table ${t} has no primary key or replica identity: its updates and deletes cannot be replicated (add a primary key, set REPLICA IDENTITY, or publish insert and truncate only)` });
    if (i.intent === "create" && c.publication && !i.adoptExisting)
        refusals.push({ field: "name", reason: `publication "${d.name}" already exists: set adoptExisting: true to manage it, or import it` });
    const current = c.publication;
    if (current && current.allTables !== (d.tables === "all"))
        refusals.push({ field: "tables", reason: `PostgreSQL cannot switch a publication between FOR ALL TABLES and a table list; give the new one another name` });
    if (refusals.length) return { steps: [], refusals };
    const pub = quoteIdent(d.name);
    const ops = PUBLISHED_OPERATIONS.filter((o) => d.publish.includes(o));
    if (!current) {
        const what = d.tables === "all" ? "FOR ALL TABLES" : `FOR TABLE ${tableList(tables)}`;
        return { steps: [{ summary: `create publication ${d.name} of ${d.tables === "all" ? "all tables" : tables.join(", ")} (${ops.join(", ")})`, statements: [`CREATE PUBLICATION ${pub} ${what} WITH (${publishOption(ops)})`] }], refusals };
    }
    const steps: AccessStep[] = [];
    if (d.tables !== "all" && [...tables].sort().join() !== current.tables.join())
        steps.push({ summary: `publication ${d.name}: tables ${current.tables.join(", ")} -> ${tables.join(", ")}`, statements: [`ALTER PUBLICATION ${pub} SET TABLE ${tableList(tables)}`] });
    if (ops.join() !== PUBLISHED_OPERATIONS.filter((o) => current.publish.includes(o)).join())
        steps.push({ summary: `publication ${d.name}: publish ${ops.join(", ")}`, statements: [`ALTER PUBLICATION ${pub} SET (${publishOption(ops)})`] });
    return { steps, refusals };
}

export function planPublicationRemoval(spec: PublicationSpec): AccessStep[] {
    return spec.removalPolicy === "drop" ? [{ summary: `drop publication ${spec.name}`, statements: [`DROP PUBLICATION IF EXISTS ${quoteIdent(spec.name)}`] }] : [];
}
