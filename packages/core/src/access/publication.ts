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
    /**
     * Logical slots the publisher keeps for this publication's subscribers (a PatroniCluster's
     * `logicalSlots`, which Patroni creates at once, before any publication): advanced to the
     * current WAL position right after the publication is created. PostgreSQL decodes a slot from
     * where it stands, and a change older than the publication fails with "publication does not
     * exist", so a subscriber could never start on an older slot. Waits up to 60 s for Patroni to
     * create each. Default: none.
     */
    slots: z.array(z.string().regex(/^[a-z0-9_]{1,63}$/, "slot names are 1-63 lower-case letters, digits and '_'")).default([]),
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
        return {
            steps: [
                { summary: `create publication ${d.name} of ${d.tables === "all" ? "all tables" : tables.join(", ")} (${ops.join(", ")})`, statements: [`CREATE PUBLICATION ${pub} ${what} WITH (${publishOption(ops)})`] },
                // Each in its own transaction, after the publication's commit: the position it moves to must follow it.
                ...d.slots.map((slot): AccessStep => ({ summary: `advance slot ${slot} to the current WAL position (past the publication's creation)`, statements: [advanceSlot(slot)], transactional: false })),
            ],
            refusals,
        };
    }
    const steps: AccessStep[] = [];
    if (d.tables !== "all" && [...tables].sort().join() !== current.tables.join())
        steps.push({ summary: `publication ${d.name}: tables ${current.tables.join(", ")} -> ${tables.join(", ")}`, statements: [`ALTER PUBLICATION ${pub} SET TABLE ${tableList(tables)}`] });
    if (ops.join() !== PUBLISHED_OPERATIONS.filter((o) => current.publish.includes(o)).join())
        steps.push({ summary: `publication ${d.name}: publish ${ops.join(", ")}`, statements: [`ALTER PUBLICATION ${pub} SET (${publishOption(ops)})`] });
    return { steps, refusals };
}

/** Waits for the slot (Patroni creates permanent slots within a cycle), then moves it to the current WAL position; refuses one a subscriber is reading. */
function advanceSlot(slot: string): string {
    const name = quoteLiteral(slot);
    return [
        "DO $$ DECLARE active_now boolean; BEGIN",
        "FOR i IN 1..120 LOOP",
        `    SELECT active INTO active_now FROM pg_replication_slots WHERE slot_name = ${name} AND slot_type = 'logical' AND database = current_database();`,
        "    EXIT WHEN FOUND;",
        "    PERFORM pg_sleep(0.5);",
        "END LOOP;",
        `IF active_now IS NULL THEN RAISE EXCEPTION 'logical slot % does not exist in database % (declare it in the PatroniCluster''s logicalSlots)', ${name}, current_database(); END IF;`,
        `IF active_now THEN RAISE EXCEPTION 'logical slot % is in use by a subscriber: it cannot be moved', ${name}; END IF;`,
        `PERFORM pg_replication_slot_advance(${name}, pg_current_wal_lsn());`,
        "END $$",
    ].join("\n");
}

export function planPublicationRemoval(spec: PublicationSpec): AccessStep[] {
    return spec.removalPolicy === "drop" ? [{ summary: `drop publication ${spec.name}`, statements: [`DROP PUBLICATION IF EXISTS ${quoteIdent(spec.name)}`] }] : [];
}
