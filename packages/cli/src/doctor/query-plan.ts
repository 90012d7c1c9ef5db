import { Client, QueryConfig } from "pg";
import { PartitionedTable, QueryPlanFacts, scannedRelations } from "@pgscale/core";

/**
 * EXPLAIN of the user's statement via the extended protocol, which accepts exactly one
 * statement: "SELECT 1; DROP TABLE t" cannot ride along. EXPLAIN without ANALYZE never runs it.
 */
async function explain(c: Client, sql: string): Promise<unknown> {
    const q = { text: `EXPLAIN (FORMAT JSON, VERBOSE) ${sql}`, queryMode: "extended" } as QueryConfig;
    const { rows } = await c.query(q);
    return rows[0]["QUERY PLAN"];
}

/** The partitioned tables (roots) that own any of `relations`, with their key, leaves and the foreign leaves' servers. */
async function partitionedTables(c: Client, relations: string[]): Promise<PartitionedTable[]> {
    const qualified = relations.filter((r) => r.includes("."));
    if (!qualified.length) return [];
    const schemas = qualified.map((r) => r.slice(0, r.indexOf(".")));
    const names = qualified.map((r) => r.slice(r.indexOf(".") + 1));
    // Names as EXPLAIN prints them (schema.name, unquoted), so they compare with the plan's.
    const { rows } = await c.query(`WITH roots AS (
            SELECT DISTINCT pg_partition_root(c.oid) AS root
            FROM unnest($1::text[], $2::text[]) AS r(schema, name)
            JOIN pg_namespace n ON n.nspname = r.schema
            JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = r.name
            WHERE c.relispartition)
        SELECT rn.nspname || '.' || rc.relname AS name, pg_get_partkeydef(roots.root) AS key,
            ARRAY(SELECT ln.nspname || '.' || lc.relname FROM pg_partition_tree(roots.root) t
                  JOIN pg_class lc ON lc.oid = t.relid JOIN pg_namespace ln ON ln.oid = lc.relnamespace
                  WHERE t.isleaf ORDER BY 1) AS leaves,
            (SELECT json_object_agg(ln.nspname || '.' || lc.relname, fs.srvname) FROM pg_partition_tree(roots.root) t
                  JOIN pg_class lc ON lc.oid = t.relid JOIN pg_namespace ln ON ln.oid = lc.relnamespace
                  JOIN pg_foreign_table ft ON ft.ftrelid = t.relid JOIN pg_foreign_server fs ON fs.oid = ft.ftserver) AS shards
        FROM roots JOIN pg_class rc ON rc.oid = roots.root JOIN pg_namespace rn ON rn.oid = rc.relnamespace
        ORDER BY 1`, [schemas, names]);
    // Foreign leaves (a ShardedTable's slices) name the server of their shard.
    return rows.map((r) => ({ name: r.name, key: r.key, leaves: r.leaves, ...(r.shards ? { shards: r.shards } : {}) }));
}

/**
 * The plan as the session would run it, and the partitioned tables it reads. Those are found
 * by planning once more with pruning off, so a query that pruned every partition still names
 * its table. Read-only and rolled back: nothing the user's SQL could do persists.
 */
export async function explainQuery(c: Client, sql: string): Promise<QueryPlanFacts> {
    await c.query("BEGIN READ ONLY");
    try {
        const plan = await explain(c, sql);
        await c.query("SET LOCAL enable_partition_pruning = off");
        const everything = scannedRelations(await explain(c, sql));
        return { sql, plan, partitionedTables: await partitionedTables(c, everything) };
    } finally {
        await c.query("ROLLBACK").catch(() => undefined);
    }
}
