import { quoteIdent, quoteLiteral, quoteQualified, renderValue } from "../sql/quote";
import { renderBound } from "./bounds";
import type { DesiredBound, KeyColumn, ResolvedIndex } from "./resolve";
import type { ColumnSpec, PartitionedTableSpec } from "./spec";

// DDL text for partitioned tables. One statement per string: the provider runs
// them one by one (extended protocol, which refuses multi-statement strings) so a
// failure names the exact statement. Identifiers are quoted, values are literals.

type Table = Pick<PartitionedTableSpec, "schema" | "name">;

const qt = (t: Table) => quoteQualified(t.schema, t.name);
const cols = (names: readonly string[]) => names.map(quoteIdent).join(", ");

export function columnDefinition(c: ColumnSpec): string {
    let sql = `${quoteIdent(c.name)} ${c.type.trim()}`;
    if (c.identity) sql += ` GENERATED ${c.identity === "always" ? "ALWAYS" : "BY DEFAULT"} AS IDENTITY`;
    if (c.notNull) sql += " NOT NULL";
    // Parenthesised so the expression cannot run into the rest of the definition.
    if (c.default !== undefined) sql += ` DEFAULT (${c.default})`;
    return sql;
}

/** Type and default only: what the provider's probe asks the server to spell canonically. */
export function probeColumnDefinition(c: ColumnSpec): string {
    return `${quoteIdent(c.name)} ${c.type.trim()}${c.default !== undefined ? ` DEFAULT (${c.default})` : ""}`;
}

export function createTableSql(spec: PartitionedTableSpec): string {
    const parts = spec.columns.map(columnDefinition);
    if (spec.primaryKey) parts.push(`PRIMARY KEY (${cols(spec.primaryKey)})`);
    const by = spec.partitionBy.strategy.toUpperCase();
    return `CREATE TABLE ${qt(spec)} (\n    ${parts.join(",\n    ")}\n) PARTITION BY ${by} (${cols(spec.partitionBy.columns)})`;
}

export function createPartitionSql(table: Table, p: { name: string; bound: DesiredBound }): string {
    return `CREATE TABLE ${quoteQualified(table.schema, p.name)} PARTITION OF ${qt(table)} ${renderBound(p.bound)}`;
}

export function createDefaultPartitionSql(table: Table, name: string): string {
    return `CREATE TABLE ${quoteQualified(table.schema, name)} PARTITION OF ${qt(table)} DEFAULT`;
}

export function attachPartitionSql(table: Table, name: string, bound: DesiredBound | "default"): string {
    return `ALTER TABLE ${qt(table)} ATTACH PARTITION ${quoteQualified(table.schema, name)} ${bound === "default" ? "DEFAULT" : renderBound(bound)}`;
}

export function detachPartitionSql(table: Table, name: string): string {
    return `ALTER TABLE ${qt(table)} DETACH PARTITION ${quoteQualified(table.schema, name)}`;
}

/** No CASCADE: a view or foreign key that depends on the table makes the drop fail instead of vanishing with it. */
export function dropTableSql(schema: string, name: string): string {
    return `DROP TABLE ${quoteQualified(schema, name)}`;
}

/**
 * Makes the rest of the transaction fail unless the table is empty, and keeps it
 * so: the plan saw no rows, but rows could arrive before the DROP runs.
 */
export function assertEmptySql(schema: string, name: string): string[] {
    const body = `BEGIN IF EXISTS (SELECT 1 FROM ${quoteQualified(schema, name)}) THEN RAISE EXCEPTION 'table % received rows after pgscale planned to recreate it empty', ${quoteLiteral(`${schema}.${name}`)} USING ERRCODE = '55000'; END IF; END`;
    let tag = "$pgscale$";
    for (let i = 0; body.includes(tag); i++) tag = `$pgscale${i}$`;
    return [`LOCK TABLE ${quoteQualified(schema, name)} IN ACCESS EXCLUSIVE MODE`, `DO ${tag}${body}${tag}`];
}

/** The condition a row of `bound` satisfies; row comparison matches how multi-column ranges order. */
export function boundCondition(key: readonly KeyColumn[], bound: DesiredBound): string {
    const lhs = key.length === 1 ? quoteIdent(key[0].name) : `ROW(${cols(key.map((k) => k.name))})`;
    const tuple = (vs: readonly (string | number)[]) => (vs.length === 1 ? renderValue(vs[0]) : `ROW(${vs.map(renderValue).join(", ")})`);
    switch (bound.kind) {
        case "range":
            return `${lhs} >= ${tuple(bound.from)} AND ${lhs} < ${tuple(bound.to)}`;
        case "list":
            return `${lhs} IN (${bound.values.map(renderValue).join(", ")})`;
        case "hash":
            throw new Error("hash-partitioned tables have no default partition");
    }
}

/**
 * Moves rows of the (detached) default partition that belong to new partitions.
 * Inserting through the parent routes each row; OVERRIDING SYSTEM VALUE keeps identity values.
 */
export function moveDefaultRowsSql(spec: PartitionedTableSpec, key: readonly KeyColumn[], defaultName: string, bounds: readonly DesiredBound[]): string {
    const names = cols(spec.columns.map((c) => c.name));
    const where = bounds.map((b) => `(${boundCondition(key, b)})`).join(" OR ");
    const overriding = spec.columns.some((c) => c.identity === "always") ? " OVERRIDING SYSTEM VALUE" : "";
    return (
        `WITH moved AS (DELETE FROM ${quoteQualified(spec.schema, defaultName)} WHERE ${where} RETURNING ${names}) ` +
        `INSERT INTO ${qt(spec)} (${names})${overriding} SELECT ${names} FROM moved`
    );
}

/** On a new table: built on the parent, PostgreSQL creates it on every partition in the same transaction. */
export function createIndexSql(table: Table, ix: ResolvedIndex): string {
    return `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX ${quoteIdent(ix.name)} ON ${qt(table)} USING ${ix.method} (${cols(ix.columns)})`;
}

/** The parent's index alone (invalid until every partition's index is attached); takes no long lock. */
export function createIndexOnOnlySql(table: Table, ix: ResolvedIndex): string {
    return `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX IF NOT EXISTS ${quoteIdent(ix.name)} ON ONLY ${qt(table)} USING ${ix.method} (${cols(ix.columns)})`;
}

/** One partition's index, built without blocking writes; must run outside a transaction. */
export function buildPartitionIndexSql(schema: string, partition: string, childIndex: string, ix: ResolvedIndex): string[] {
    return [
        // A build interrupted earlier leaves an invalid index of this name behind.
        `DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(schema, childIndex)}`,
        `CREATE ${ix.unique ? "UNIQUE " : ""}INDEX CONCURRENTLY ${quoteIdent(childIndex)} ON ${quoteQualified(schema, partition)} USING ${ix.method} (${cols(ix.columns)})`,
        `ALTER INDEX ${quoteQualified(schema, ix.name)} ATTACH PARTITION ${quoteQualified(schema, childIndex)}`,
    ];
}

export function dropIndexSql(schema: string, name: string): string {
    return `DROP INDEX ${quoteQualified(schema, name)}`;
}

export function addColumnSql(table: Table, c: ColumnSpec): string {
    return `ALTER TABLE ${qt(table)} ADD COLUMN ${columnDefinition(c)}`;
}

export function dropColumnSql(table: Table, name: string): string {
    return `ALTER TABLE ${qt(table)} DROP COLUMN ${quoteIdent(name)}`;
}

export function setNotNullSql(table: Table, name: string, notNull: boolean): string {
    return `ALTER TABLE ${qt(table)} ALTER COLUMN ${quoteIdent(name)} ${notNull ? "SET" : "DROP"} NOT NULL`;
}

export function setDefaultSql(table: Table, name: string, expr: string | undefined): string {
    return `ALTER TABLE ${qt(table)} ALTER COLUMN ${quoteIdent(name)} ${expr === undefined ? "DROP DEFAULT" : `SET DEFAULT (${expr})`}`;
}

export function dropConstraintSql(table: Table, name: string): string {
    return `ALTER TABLE ${qt(table)} DROP CONSTRAINT ${quoteIdent(name)}`;
}

export function addPrimaryKeySql(table: Table, columns: readonly string[]): string {
    return `ALTER TABLE ${qt(table)} ADD PRIMARY KEY (${cols(columns)})`;
}
