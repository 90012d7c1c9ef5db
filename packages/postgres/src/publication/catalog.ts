import type { ObservedPublication, PublicationCatalog, PublicationSpec } from "@pgscale/core";
import type { Session } from "../sql/session";

export async function readPublication(s: Session, name: string): Promise<ObservedPublication | null> {
    const [r] = await s.query<{ name: string; all_tables: boolean; tables: string[]; publish: string[] }>(`
        SELECT p.pubname::text AS name, p.puballtables AS all_tables,
               COALESCE((SELECT array_agg(t.schemaname || '.' || t.tablename ORDER BY 1) FROM pg_publication_tables t WHERE t.pubname = p.pubname AND NOT p.puballtables), '{}') AS tables,
               array_remove(ARRAY[CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                                  CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END], NULL) AS publish
          FROM pg_publication p WHERE p.pubname = $1`, [name]);
    return r ? { name: r.name, allTables: r.all_tables, tables: r.tables, publish: r.publish } : null;
}

// For each declared "schema.table": missing, or without a replica identity (no primary key under
// REPLICA IDENTITY DEFAULT, or REPLICA IDENTITY NOTHING).
const TABLE_FACTS = `
SELECT t AS name, c.oid IS NULL AS missing,
       c.oid IS NOT NULL AND (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))) AS no_identity
  FROM unnest($1::text[]) AS t
  LEFT JOIN pg_namespace n ON n.nspname = split_part(t, '.', 1)
  LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = split_part(t, '.', 2) AND c.relkind IN ('r', 'p')`;

export async function readPublicationCatalog(s: Session, spec: PublicationSpec): Promise<PublicationCatalog> {
    const tables = spec.tables === "all" ? [] : spec.tables;
    const facts = await s.query<{ name: string; missing: boolean; no_identity: boolean }>(TABLE_FACTS, [tables]);
    return {
        publication: await readPublication(s, spec.name),
        missing: facts.filter((f) => f.missing).map((f) => f.name),
        withoutIdentity: facts.filter((f) => f.no_identity).map((f) => f.name),
    };
}
