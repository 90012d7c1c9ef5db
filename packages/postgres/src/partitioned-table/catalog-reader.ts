import {
    parseCatalogBound,
    partitionDdl,
    partmanSql,
    quoteQualified,
    type CatalogColumn,
    type CatalogIndex,
    type CatalogState,
    type CatalogTable,
    type ColumnSpec,
} from "@pgscale/core";
import { PgscaleSqlError, type Session } from "../sql/session";

// Reads what refresh, import and the planner need from PostgreSQL's catalog:
// pg_class/pg_partitioned_table for the parent, pg_inherits + relpartbound for
// partitions, pg_index (+ pg_inherits between indexes) for indexes.

export interface ReadOptions {
    schema: string;
    name: string;
    /** Names that would be partitions: ordinary tables carrying them are reported (e.g. detached earlier). */
    candidates?: string[];
    /** Columns whose types and defaults the server should spell for the planner (see probeColumns). */
    probe?: ColumnSpec[];
}

export async function readCatalog(s: Session, opts: ReadOptions): Promise<CatalogState> {
    const [ns] = await s.query<{ exists: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists", [opts.schema]);
    const extensions = await readExtensions(s);
    const state: CatalogState = {
        schemaExists: ns.exists,
        table: ns.exists ? await readTable(s, opts.schema, opts.name) : null,
        standaloneTables: [],
        extensions: extensions.ext,
        partman: null,
        cronJob: null,
    };
    if (ns.exists && opts.candidates?.length) {
        const uses = await readNameUses(s, opts.schema, opts.name, opts.candidates);
        state.standaloneTables = uses.standalone;
        state.takenNames = uses.taken;
    }
    const parent = partmanSql.partmanParent(opts);
    if (extensions.ext.partman.schema) {
        const rows = await s.query<{ partition_interval: string; premake: number; retention: string | null; retention_keep_table: boolean }>(
            `SELECT partition_interval, premake, retention, retention_keep_table FROM ${quoteQualified(extensions.ext.partman.schema, "part_config")} WHERE parent_table = $1`,
            [parent],
        );
        if (rows[0]) state.partman = { interval: rows[0].partition_interval, premake: rows[0].premake, retention: rows[0].retention, retentionKeepTable: rows[0].retention_keep_table };
    }
    if (extensions.ext.cron.installed) {
        const rows = await s.query<{ jobname: string; schedule: string; command: string }>("SELECT jobname, schedule, command FROM cron.job WHERE jobname = $1", [partmanSql.cronJobName(opts)]);
        if (rows[0]) state.cronJob = { name: rows[0].jobname, schedule: rows[0].schedule, command: rows[0].command };
    }
    if (opts.probe?.length) state.canonicalColumns = await probeColumns(s, opts.probe);
    return state;
}

async function readTable(s: Session, schema: string, name: string): Promise<CatalogTable | null> {
    const [t] = await s.query<{ oid: number; relkind: string; partstrat: string | null; partdefid: number | null; key_columns: (string | null)[] | null }>(
        `SELECT c.oid, c.relkind, pt.partstrat, pt.partdefid,
                (SELECT array_agg(a.attname::text ORDER BY k.ord)
                   FROM unnest(pt.partattrs::int2[]) WITH ORDINALITY AS k(attnum, ord)
                   LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS key_columns
           FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
          WHERE n.nspname = $1 AND c.relname = $2`,
        [schema, name],
    );
    if (!t) return null;
    const kind = t.relkind === "p" ? "partitioned" : t.relkind === "r" ? "table" : "other";
    const table: CatalogTable = {
        kind,
        strategy: t.partstrat === "r" ? "range" : t.partstrat === "l" ? "list" : t.partstrat === "h" ? "hash" : null,
        keyColumns: t.key_columns ?? [],
        columns: [],
        primaryKey: null,
        partitions: [],
        defaultPartition: null,
        indexes: [],
        hasRows: false,
    };
    if (kind === "other") return table;
    table.columns = await readColumns(s, t.oid);
    const [pk] = await s.query<{ conname: string; columns: string[] }>(
        `SELECT con.conname, array_agg(a.attname::text ORDER BY k.ord) AS columns
           FROM pg_constraint con
          CROSS JOIN unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
          WHERE con.conrelid = $1 AND con.contype = 'p'
          GROUP BY con.conname`,
        [t.oid],
    );
    table.primaryKey = pk ? { name: pk.conname, columns: pk.columns } : null;
    const parts = await s.query<{ oid: number; relname: string; bound: string }>(
        `SELECT c.oid, c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = $1 ORDER BY c.relname`,
        [t.oid],
    );
    for (const p of parts) {
        const bound = parseCatalogBound(p.bound);
        if (bound.kind === "default") table.defaultPartition = p.relname;
        else table.partitions.push({ name: p.relname, bound });
    }
    table.indexes = await readIndexes(s, t.oid);
    const [rows] = await s.query<{ has_rows: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${quoteQualified(schema, name)}) AS has_rows`);
    table.hasRows = rows.has_rows;
    return table;
}

async function readColumns(s: Session, oid: number): Promise<CatalogColumn[]> {
    const rows = await s.query<{ name: string; type: string; not_null: boolean; default: string | null; identity: string }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
                pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity
           FROM pg_attribute a
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
          ORDER BY a.attnum`,
        [oid],
    );
    return rows.map((r) => ({
        name: r.name,
        type: r.type,
        notNull: r.not_null,
        default: r.default,
        identity: r.identity === "a" ? "always" : r.identity === "d" ? "by default" : null,
    }));
}

async function readIndexes(s: Session, oid: number): Promise<CatalogIndex[]> {
    const rows = await s.query<{ name: string; unique: boolean; primary: boolean; valid: boolean; method: string; columns: (string | null)[]; attached: string[] }>(
        `SELECT ic.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary, ix.indisvalid AS valid, am.amname AS method,
                (SELECT array_agg(a.attname::text ORDER BY k.ord)
                   FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                   LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
                  WHERE k.ord <= ix.indnkeyatts) AS columns,
                (SELECT coalesce(array_agg(tc.relname::text ORDER BY tc.relname), '{}'::text[])
                   FROM pg_inherits ii
                   JOIN pg_index cix ON cix.indexrelid = ii.inhrelid
                   JOIN pg_class tc ON tc.oid = cix.indrelid
                  WHERE ii.inhparent = ix.indexrelid) AS attached
           FROM pg_index ix
           JOIN pg_class ic ON ic.oid = ix.indexrelid
           JOIN pg_am am ON am.oid = ic.relam
          WHERE ix.indrelid = $1
          ORDER BY ic.relname`,
        [oid],
    );
    return rows.map((r) => ({ name: r.name, columns: r.columns, unique: r.unique, primary: r.primary, method: r.method, valid: r.valid, attachedPartitions: r.attached }));
}

/**
 * Who holds the names the plan may create: ordinary tables can be attached;
 * anything else (a partition of another table, a view, an index) blocks the name.
 */
async function readNameUses(s: Session, schema: string, table: string, candidates: string[]): Promise<{ standalone: string[]; taken: Record<string, string> }> {
    const rows = await s.query<{ relname: string; relkind: string; parent: string | null }>(
        `SELECT c.relname, c.relkind, (SELECT pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent WHERE i.inhrelid = c.oid AND c.relispartition) AS parent
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
          ORDER BY c.relname`,
        [schema, candidates],
    );
    const kinds: Record<string, string> = { r: "a table", p: "a partitioned table", v: "a view", m: "a materialized view", i: "an index", I: "an index", S: "a sequence", f: "a foreign table", c: "a composite type" };
    const standalone: string[] = [];
    const taken: Record<string, string> = {};
    for (const r of rows) {
        if (r.parent === table) continue; // already ours; the planner sees it among the partitions
        if (r.parent) taken[r.relname] = `a partition of "${r.parent}"`;
        else if (r.relkind === "r" || r.relkind === "p") standalone.push(r.relname);
        else taken[r.relname] = kinds[r.relkind] ?? `a relation of kind '${r.relkind}'`;
    }
    return { standalone, taken };
}

async function readExtensions(s: Session): Promise<{ ext: CatalogState["extensions"] }> {
    const [r] = await s.query<{ partman_available: boolean; partman_schema: string | null; partman_version: string | null; cron_available: boolean; cron_installed: boolean; cron_database: string | null; db: string; preload: string }>(
        `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_partman') AS partman_available,
                (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman') AS partman_schema,
                (SELECT coalesce(installed_version, default_version) FROM pg_available_extensions WHERE name = 'pg_partman') AS partman_version,
                EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_cron') AS cron_available,
                EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') AS cron_installed,
                current_setting('cron.database_name', true) AS cron_database,
                current_database() AS db,
                -- pg_settings hides superuser-only settings from other roles instead of raising 42501.
                coalesce((SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries'), '') AS preload`,
    );
    // pg_cron runs jobs only when preloaded, and only from the database named by cron.database_name.
    const preloaded = r.preload.split(",").map((x) => x.trim().replace(/^"|"$/g, "")).includes("pg_cron");
    const usableHere = r.cron_installed || (r.cron_available && preloaded && (r.cron_database ?? "postgres") === r.db);
    return {
        ext: {
            partman: { available: r.partman_available, schema: r.partman_schema, version: r.partman_version },
            cron: { available: r.cron_available, installed: r.cron_installed, usableHere },
        },
    };
}

/**
 * How the server spells the spec's column types and defaults ("timestamptz" is
 * "timestamp with time zone", "'x'" is "'x'::text"), so the planner compares like
 * with like. Each column is added to a temporary table inside a transaction that
 * is rolled back, which also names the column whose type or default is invalid.
 */
export async function probeColumns(s: Session, columns: ColumnSpec[]): Promise<Record<string, { type: string; default: string | null }>> {
    const out: Record<string, { type: string; default: string | null }> = {};
    await s.run("BEGIN");
    try {
        await s.run("CREATE TEMPORARY TABLE pgscale_probe () ON COMMIT DROP");
        for (let i = 0; i < columns.length; i++) {
            try {
                await s.run(`ALTER TABLE pgscale_probe ADD COLUMN ${partitionDdl.probeColumnDefinition(columns[i])}`);
            } catch (e) {
                if (e instanceof PgscaleSqlError) throw new PgscaleSqlError(`columns[${i}]: ${e.message}`, e.sqlstate, e.statement);
                throw e;
            }
        }
        const rows = await s.query<{ name: string; type: string; default: string | null }>(
            `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(d.adbin, d.adrelid) AS default
               FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
              WHERE a.attrelid = 'pgscale_probe'::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
        );
        for (const r of rows) out[r.name] = { type: r.type, default: r.default };
    } finally {
        await s.run("ROLLBACK").catch(() => undefined);
    }
    return out;
}
