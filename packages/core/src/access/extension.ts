import { z } from "zod";
import { identifier as ident } from "../partition/spec";
import { parseSpec } from "../validation";
import { quoteIdent, quoteLiteral } from "../sql";
import type { AccessPlan, AccessRefusal, AccessStep } from "./role-plan";

// Extension: spec and plan. Only what the server has can be created: a missing extension or
// version is refused at preview, naming what the server offers.


export const extensionFields = z.strictObject({
    /** The extension, as pg_available_extensions names it (e.g. pg_partman, pg_stat_statements). */
    name: ident,
    /** Its version. Default: the server's default version at create; later `up`s leave it. */
    version: z.string().regex(/^[A-Za-z0-9_.-]+$/, "must be a version such as 1.10 or 5.1.0").optional(),
    /** The schema its objects go in. Default: the extension's own choice (usually the first in search_path). */
    schema: ident.optional(),
    /** "drop" (default) drops it when the resource goes, which PostgreSQL refuses while objects depend on it; "retain" leaves it. */
    removalPolicy: z.enum(["drop", "retain"]).default("drop"),
});

export type ExtensionInput = z.input<typeof extensionFields>;
export type ExtensionSpec = z.output<typeof extensionFields>;

export function parseExtension(input: unknown, subject: string): ExtensionSpec {
    return parseSpec(extensionFields, input, subject);
}

export interface ObservedExtension {
    name: string;
    version: string;
    schema: string;
}

export interface ExtensionCatalog {
    extension: ObservedExtension | null;
    /** Extensions the server can create, sorted. */
    available: string[];
    /** Versions of this extension the server has. */
    versions: string[];
    schemaExists: boolean;
}

const listed = (names: string[], max = 200) => (names.length > max ? `${names.slice(0, max).join(", ")} and ${names.length - max} more` : names.join(", ") || "none");

export function planExtension(i: { desired: ExtensionSpec; catalog: ExtensionCatalog; intent: "create" | "update"; adoptExisting?: boolean }): AccessPlan {
    const { desired: d, catalog: c } = i;
    const refusals: AccessRefusal[] = [];
    if (!c.available.includes(d.name)) refusals.push({ field: "name", reason: `extension "${d.name}" is not available on this server; it has ${listed(c.available)}` });
    else if (d.version !== undefined && !c.versions.includes(d.version))
        refusals.push({ field: "version", reason: `${d.name} ${d.version} is not available on this server; it has ${listed(c.versions)}` });
    if (d.schema !== undefined && !c.schemaExists) refusals.push({ field: "schema", reason: `schema "${d.schema}" does not exist` });
    if (i.intent === "create" && c.extension && !i.adoptExisting)
        refusals.push({ field: "name", reason: `extension "${d.name}" is already installed: set adoptExisting: true to manage it, or import it` });
    if (refusals.length) return { steps: [], refusals };
    const ext = quoteIdent(d.name);
    const current = c.extension;
    if (!current) {
        const parts = [d.schema ? ` SCHEMA ${quoteIdent(d.schema)}` : "", d.version ? ` VERSION ${quoteLiteral(d.version)}` : ""].join("");
        return { steps: [{ summary: `create extension ${d.name}${d.version ? ` ${d.version}` : ""}${d.schema ? ` in ${d.schema}` : ""}`, statements: [`CREATE EXTENSION ${ext}${parts ? ` WITH${parts}` : ""}`] }], refusals };
    }
    const steps: AccessStep[] = [];
    if (d.version !== undefined && current.version !== d.version)
        steps.push({ summary: `update extension ${d.name} ${current.version} -> ${d.version}`, statements: [`ALTER EXTENSION ${ext} UPDATE TO ${quoteLiteral(d.version)}`] });
    if (d.schema !== undefined && current.schema !== d.schema)
        steps.push({ summary: `move extension ${d.name} from schema ${current.schema} to ${d.schema}`, statements: [`ALTER EXTENSION ${ext} SET SCHEMA ${quoteIdent(d.schema)}`] });
    return { steps, refusals };
}

export function planExtensionRemoval(spec: ExtensionSpec): AccessStep[] {
    return spec.removalPolicy === "drop" ? [{ summary: `drop extension ${spec.name}`, statements: [`DROP EXTENSION IF EXISTS ${quoteIdent(spec.name)} RESTRICT`] }] : [];
}
