import { quoteQualified, type CoordinatorCatalog, type ShardCatalog, type ShardStrategy } from "@pgscale/core";
import type { Session } from "../sql/session";

// Reads what the ShardedTable planner needs: on the coordinator, postgres_fdw, the
// servers (options, the PUBLIC mapping's user; never its password) and the parent with
// its partitions and their servers; on a shard, the local parent, its slices and the
// privileges the coordinator's role holds on them. Whether a partition holds rows is
// read through it: on the coordinator that asks the shard behind the foreign table.

interface Parent {
    oid: number;
    strategy: ShardStrategy | null;
    keyColumns: string[];
}

async function readParent(s: Session, schema: string, name: string): Promise<Parent | null> {
    const [t] = await s.query<{ oid: number; partstrat: string | null; key_columns: string[] | null }>(
        `SELECT c.oid, pt.partstrat,
                (SELECT array_agg(a.attname::text ORDER BY k.ord)
                   FROM unnest(pt.partattrs::int2[]) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS key_columns
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
          WHERE n.nspname = $1 AND c.relname = $2`,
        [schema, name],
    );
    if (!t) return null;
    const strategy = ({ h: "hash", r: "range", l: "list" } as Record<string, ShardStrategy>)[t.partstrat ?? ""] ?? null;
    return { oid: t.oid, strategy, keyColumns: t.key_columns ?? [] };
}

async function partitionsOf(s: Session, schema: string, parent: number): Promise<{ name: string; bound: string; server: string | null; hasRows: boolean }[]> {
    const rows = await s.query<{ name: string; bound: string; server: string | null }>(
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound, fs.srvname AS server
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
           LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
          WHERE i.inhparent = $1 ORDER BY c.relname`,
        [parent],
    );
    const out = [];
    for (const r of rows) out.push({ ...r, hasRows: await hasRows(s, schema, r.name) });
    return out;
}

async function hasRows(s: Session, schema: string, name: string): Promise<boolean> {
    const [r] = await s.query<{ e: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteQualified(schema, name)}) AS e`);
    return r.e;
}

export async function readCoordinator(s: Session, q: { schema: string; name: string; servers: string[] }): Promise<CoordinatorCatalog> {
    const [fdw] = await s.query<{ e: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'postgres_fdw') AS e");
    const parent = await readParent(s, q.schema, q.name);
    const partitions = parent ? await partitionsOf(s, q.schema, parent.oid) : [];
    // The shards' servers, and whatever server a partition reads through (a slice's move server).
    const names = [...new Set([...q.servers, ...partitions.flatMap((p) => (p.server ? [p.server] : []))])];
    // pg_user_mappings shows a PUBLIC mapping's options to the server's owner: pgscale's own connection.
    const servers = await s.query<{ name: string; options: string[] | null; mapping: string[] | null; mapped: boolean }>(
        `SELECT s.srvname AS name, s.srvoptions AS options, um.umoptions AS mapping, um.umid IS NOT NULL AS mapped
           FROM pg_foreign_server s LEFT JOIN pg_user_mappings um ON um.srvid = s.oid AND um.umuser = 0
          WHERE s.srvname = ANY($1::text[]) ORDER BY s.srvname`,
        [names],
    );
    return {
        fdwInstalled: fdw.e,
        servers: servers.map((r) => ({
            name: r.name,
            options: optionsOf(r.options),
            mappingUser: r.mapped ? optionsOf(r.mapping).user ?? "" : null,
        })),
        parent: parent && { strategy: parent.strategy, keyColumns: parent.keyColumns },
        partitions,
    };
}

export async function readShard(s: Session, q: { schema: string; name: string; role: string }): Promise<ShardCatalog> {
    const [ns] = await s.query<{ e: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS e", [q.schema]);
    const [role] = await s.query<{ e: boolean; c: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS e, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1 AND has_database_privilege(oid, current_database(), 'CONNECT')) AS c",
        [q.role],
    );
    const parent = ns.e ? await readParent(s, q.schema, q.name) : null;
    const slices = parent ? (await partitionsOf(s, q.schema, parent.oid)).map(({ name, bound, hasRows }) => ({ name, bound, hasRows })) : [];
    const privileges: Record<string, string[]> = {};
    if (role.e && parent) {
        const rows = await s.query<{ name: string; privileges: string[] }>(
            `SELECT c.relname AS name, ARRAY(SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p WHERE has_table_privilege($2, c.oid, p)) AS privileges
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1`,
            [parent.oid, q.role],
        );
        for (const r of rows) privileges[r.name] = r.privileges;
    }
    return {
        schemaExists: ns.e,
        parent: parent && { strategy: parent.strategy, keyColumns: parent.keyColumns, hasRows: slices.some((x) => x.hasRows) },
        slices,
        role: { exists: role.e, connect: role.c, privileges },
    };
}

/** `{"host=db", "port=5432"}` as an object. */
function optionsOf(options: string[] | null): Record<string, string> {
    return Object.fromEntries((options ?? []).map((o) => [o.slice(0, o.indexOf("=")), o.slice(o.indexOf("=") + 1)]));
}
