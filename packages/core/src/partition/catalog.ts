import { describeCatalogBound, type CatalogBound } from "./bounds";

// What the provider reads from PostgreSQL's catalog, as plain data, so the planner
// stays pure and tests can describe any database state without one.

export interface CatalogColumn {
    name: string;
    /** format_type() output, e.g. "timestamp with time zone". */
    type: string;
    notNull: boolean;
    /** pg_get_expr() of the default, e.g. "now()"; null when none. */
    default: string | null;
    identity: "always" | "by default" | null;
}

export interface CatalogPartition {
    name: string;
    bound: CatalogBound;
}

export interface CatalogIndex {
    name: string;
    /** Key column names; null for expression keys. */
    columns: (string | null)[];
    unique: boolean;
    primary: boolean;
    method: string;
    /** False while a partition lacks an attached index (e.g. a concurrent build was interrupted). */
    valid: boolean;
    /** Partitions whose own index is attached to this one. */
    attachedPartitions: string[];
}

export interface CatalogTable {
    /** "partitioned": a partitioned table; "table": an ordinary one; "other": a view, foreign table, ... */
    kind: "partitioned" | "table" | "other";
    strategy: "range" | "list" | "hash" | null;
    /** Partition key columns; null entries are expression keys. */
    keyColumns: (string | null)[];
    columns: CatalogColumn[];
    primaryKey: { name: string; columns: string[] } | null;
    partitions: CatalogPartition[];
    defaultPartition: string | null;
    indexes: CatalogIndex[];
    /** Whether any row exists in the table or its partitions. */
    hasRows: boolean;
}

export interface CatalogExtensions {
    /** `version`: installed, else the one CREATE EXTENSION would install (4.x on PostgreSQL 15, 5.x on 17). */
    partman: { available: boolean; schema: string | null; version?: string | null };
    /** pg_cron schedules jobs only from the database named by cron.database_name, where it is loaded. */
    cron: { available: boolean; installed: boolean; usableHere: boolean };
}

export interface PartmanConfig {
    interval: string;
    premake: number;
    retention: string | null;
    retentionKeepTable: boolean;
}

export interface CronJob {
    name: string;
    schedule: string;
    command: string;
}

export interface CatalogState {
    schemaExists: boolean;
    table: CatalogTable | null;
    /** Ordinary tables in the schema that carry the name of a desired partition (e.g. detached earlier). */
    standaloneTables: string[];
    /** Other relations holding such a name (a partition of another table, a view, an index, ...): name -> what it is. */
    takenNames?: Record<string, string>;
    extensions: CatalogExtensions;
    partman: PartmanConfig | null;
    cronJob: CronJob | null;
    /** The server's spelling of the desired columns' types and defaults, when it was asked (see the provider's probe). */
    canonicalColumns?: Record<string, { type: string; default: string | null }>;
}

/** The catalog as the resource's `observed` output: stable order, bounds as text, so refresh shows drift line by line. */
export interface ObservedTable {
    exists: boolean;
    strategy: string | null;
    keyColumns: (string | null)[];
    columns: CatalogColumn[];
    primaryKey: string[] | null;
    partitions: { name: string; bound: string }[];
    defaultPartition: string | null;
    indexes: { name: string; columns: (string | null)[]; unique: boolean; method: string; valid: boolean }[];
    maintenance: { partman: PartmanConfig | null; cronJob: CronJob | null };
}

export function observeCatalog(state: CatalogState): ObservedTable {
    const t = state.table;
    return {
        exists: t !== null,
        strategy: t?.strategy ?? null,
        keyColumns: t?.keyColumns ?? [],
        columns: t?.columns ?? [],
        primaryKey: t?.primaryKey?.columns ?? null,
        partitions: (t?.partitions ?? []).map((p) => ({ name: p.name, bound: describeCatalogBound(p.bound) })).sort((a, b) => cmp(a.name, b.name)),
        defaultPartition: t?.defaultPartition ?? null,
        indexes: (t?.indexes ?? [])
            .filter((i) => !i.primary)
            .map((i) => ({ name: i.name, columns: i.columns, unique: i.unique, method: i.method, valid: i.valid }))
            .sort((a, b) => cmp(a.name, b.name)),
        maintenance: { partman: state.partman, cronJob: state.cronJob },
    };
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

/** A catalog with nothing in it: the state a create is planned against when the database cannot be asked. */
export function emptyCatalog(): CatalogState {
    return {
        schemaExists: true,
        table: null,
        standaloneTables: [],
        extensions: { partman: { available: true, schema: "partman" }, cron: { available: true, installed: true, usableHere: true } },
        partman: null,
        cronJob: null,
    };
}
