import { renderBound } from "../partition/bounds";
import * as partitionDdl from "../partition/ddl";
import { desiredDefaultPartition, explicitPartitions } from "../partition/resolve";
import { quoteIdent, quoteLiteral, quoteQualified } from "../sql/quote";
import type { Endpoint } from "./connections";
import { coordinatorTable, localSliceTable, type Slice } from "./slices";
import type { ShardedTableSpec } from "./spec";

// DDL text of a sharded table, one statement per string. Shard side: the local parent
// (partitioned by the shard key), one partition per slice the shard holds (itself
// partitioned when localPartitioning says so), and the role the coordinator logs in as.
// Coordinator side: postgres_fdw, a server and user mapping per shard, the parent and
// one foreign partition per slice. Table DDL is PartitionedTable's renderer.

type Spec = ShardedTableSpec;
const DML = "SELECT, INSERT, UPDATE, DELETE";

export function createSchemaSql(schema: string): string {
    return `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`;
}

/** The shard's parent; it carries the primary key (which includes the shard key, so it holds across shards). */
export function createLocalParentSql(spec: Spec): string {
    return partitionDdl.createTableSql(coordinatorTable(spec, []));
}

/** One slice on its shard, with its local partitions. */
export function createLocalSliceSql(spec: Spec, slice: Slice): string[] {
    const local = localSliceTable(spec, slice.name);
    const create = partitionDdl.createPartitionSql(spec, slice);
    if (!local) return [create];
    const sub = `${create} PARTITION BY ${local.partitionBy.strategy.toUpperCase()} (${local.partitionBy.columns.map(quoteIdent).join(", ")})`;
    const def = desiredDefaultPartition(local);
    return [
        sub,
        ...explicitPartitions(local).map((p) => partitionDdl.createPartitionSql(local, p)),
        ...(def ? [partitionDdl.createDefaultPartitionSql(local, def)] : []),
    ];
}

export function createRoleSql(role: string, verifier: string): string {
    return `CREATE ROLE ${quoteIdent(role)} LOGIN PASSWORD ${quoteLiteral(verifier)}`;
}

export function setRolePasswordSql(role: string, verifier: string): string {
    return `ALTER ROLE ${quoteIdent(role)} PASSWORD ${quoteLiteral(verifier)}`;
}

/** Only what postgres_fdw's remote session needs: the schema to find the slices in, and DML on them. */
export function grantSliceSql(spec: Pick<Spec, "schema">, role: string, slices: readonly string[]): string[] {
    if (!slices.length) return [];
    return [
        `GRANT USAGE ON SCHEMA ${quoteIdent(spec.schema)} TO ${quoteIdent(role)}`,
        `GRANT ${DML} ON TABLE ${slices.map((s) => quoteQualified(spec.schema, s)).join(", ")} TO ${quoteIdent(role)}`,
    ];
}

/**
 * CONNECT on the shard's database: pgscale's clusters revoke it from PUBLIC, so the role needs its own.
 * The database is the connection's: named by the server, not by the URI.
 */
export function grantConnectSql(role: string): string {
    return `DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), ${quoteLiteral(role)}); END $$`;
}

export function createFdwSql(): string {
    return "CREATE EXTENSION IF NOT EXISTS postgres_fdw";
}

/** The foreign server's options as pgscale sets them (and compares them on refresh). */
export function serverOptions(spec: Pick<Spec, "foreignServer">, e: Endpoint): Record<string, string> {
    return {
        host: e.host,
        port: String(e.port),
        dbname: e.dbname,
        async_capable: String(spec.foreignServer.asyncCapable),
        fetch_size: String(spec.foreignServer.fetchSize),
        connect_timeout: String(spec.foreignServer.connectTimeoutSeconds),
    };
}

const optionList = (o: Record<string, string>, verb = "") => Object.entries(o).map(([k, v]) => `${verb}${k} ${quoteLiteral(v)}`).join(", ");

export function createServerSql(server: string, options: Record<string, string>): string {
    return `CREATE SERVER ${quoteIdent(server)} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (${optionList(options)})`;
}

/** `current`: the options the server has now; each is SET, ADDed or DROPped to reach `options`. */
export function alterServerSql(server: string, current: Record<string, string>, options: Record<string, string>): string | null {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(options)) if (current[k] !== v) parts.push(`${k in current ? "SET" : "ADD"} ${k} ${quoteLiteral(v)}`);
    return parts.length ? `ALTER SERVER ${quoteIdent(server)} OPTIONS (${parts.join(", ")})` : null;
}

/** For PUBLIC: every coordinator role reaches the shard as the shard's role; table privileges on the coordinator still apply. */
export function createUserMappingSql(server: string, user: string, password: string): string {
    return `CREATE USER MAPPING FOR PUBLIC SERVER ${quoteIdent(server)} OPTIONS (${optionList({ user, password })})`;
}

export function alterUserMappingSql(server: string, user: string, password: string): string {
    return `ALTER USER MAPPING FOR PUBLIC SERVER ${quoteIdent(server)} OPTIONS (${optionList({ user, password }, "SET ")})`;
}

export function dropServerSql(server: string): string[] {
    return [`DROP USER MAPPING IF EXISTS FOR PUBLIC SERVER ${quoteIdent(server)}`, `DROP SERVER ${quoteIdent(server)}`];
}

/** No primary key on the coordinator: foreign partitions cannot carry indexes; each shard enforces it. */
export function createCoordinatorParentSql(spec: Spec): string {
    return partitionDdl.createTableSql({ ...coordinatorTable(spec, []), primaryKey: undefined });
}

export function createForeignSliceSql(spec: Spec, slice: Slice, server: string): string {
    return (
        `CREATE FOREIGN TABLE ${quoteQualified(spec.schema, slice.name)} PARTITION OF ${quoteQualified(spec.schema, spec.name)} ${renderBound(slice.bound)} ` +
        `SERVER ${quoteIdent(server)} OPTIONS (${optionList({ schema_name: spec.schema, table_name: slice.name })})`
    );
}

/** A foreign table holds no rows itself: dropping one loses nothing on the shard. */
export function dropForeignSliceSql(spec: Pick<Spec, "schema">, name: string): string {
    return `DROP FOREIGN TABLE ${quoteQualified(spec.schema, name)}`;
}

/** Its grants on the slices went with the tables; the schema's USAGE and the database's CONNECT are revoked first. */
export function dropRoleSql(spec: Pick<Spec, "schema">, role: string): string[] {
    return [
        `REVOKE USAGE ON SCHEMA ${quoteIdent(spec.schema)} FROM ${quoteIdent(role)}`,
        grantConnectSql(role).replace("GRANT CONNECT ON DATABASE %I TO %I", "REVOKE CONNECT ON DATABASE %I FROM %I"),
        `DROP ROLE IF EXISTS ${quoteIdent(role)}`,
    ];
}
