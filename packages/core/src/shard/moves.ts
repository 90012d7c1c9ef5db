import { renderBound } from "../partition/bounds";
import { assertEmptySql, columnDefinition, dropTableSql } from "../partition/ddl";
import { fitIdentifier } from "../partition/naming";
import { quoteIdent, quoteLiteral, quoteQualified } from "../sql/quote";
import type { ShardCredential, ShardedStep } from "./catalog";
import { createServerSql, createUserMappingSql } from "./ddl";
import { moveServerName } from "./placement";
import type { Slice } from "./slices";
import type { ShardedTableSpec } from "./spec";

// Moving a slice that holds rows to another shard, online. Writers reach a slice through the
// coordinator's parent (a lock on the parent, then one on the partition), so a move never
// waits for the parent while it holds the slice: that order would deadlock with a writer.
//   1. route: the slice's foreign partition is re-created on a server of its own (the move
//      server), still pointing at the old shard. A metadata swap under a short lock on the parent.
//   2. copy: under a SHARE ROW EXCLUSIVE lock on that partition alone (its writes wait, reads go on, other
//      slices are untouched), its rows are copied to the new shard through the coordinator,
//      counts and checksums compared, and the move server pointed at the new shard. One
//      transaction: a failure leaves the slice where it was. The slice's writes pause for its copy.
//   3. switch: the partition is re-created on the new shard's own server and the move server
//      dropped (a metadata swap, as in 1).
//   4. clean up: the old shard drops its copy of the slice, once the coordinator reads it from
//      the new shard. A shard removed from the spec (moveRowsOnShardRemoval) keeps its copy:
//      nothing runs there, and the coordinator's server for it goes after the last move.
// Every state between the steps is visible in the catalogs, so an interrupted move resumes
// from where it stopped on the next `up`.

type Spec = ShardedTableSpec;

/** The steps are statements in their own transaction each: `transactional: false` with BEGIN ... COMMIT. */
const txn = (statements: string[], lockTimeout = "5s") => ["BEGIN", `SET LOCAL lock_timeout = '${lockTimeout}'`, ...statements, "COMMIT"];

function recreatePartitionSql(spec: Spec, slice: Slice, server: string): string[] {
    const part = quoteQualified(spec.schema, slice.name);
    return [
        `ALTER TABLE ${quoteQualified(spec.schema, spec.name)} DETACH PARTITION ${part}`,
        `DROP FOREIGN TABLE ${part}`,
        `CREATE FOREIGN TABLE ${part} PARTITION OF ${quoteQualified(spec.schema, spec.name)} ${renderBound(slice.bound)} ` +
            `SERVER ${quoteIdent(server)} OPTIONS (schema_name ${quoteLiteral(spec.schema)}, table_name ${quoteLiteral(slice.name)})`,
    ];
}

export interface MoveContext {
    spec: Spec;
    slice: Slice;
    /** The shard the slice leaves and the one it goes to. */
    from: string;
    to: string;
    /** The foreign server options of each shard (host, port, dbname, ...). */
    options: Record<string, Record<string, string>>;
    credentials: Record<string, ShardCredential>;
    servers: { from: string; to: string };
}

/** 1. The slice reads through its own server, still from the old shard. */
export function routeStep(c: MoveContext): ShardedStep {
    const mv = moveServerName(c.spec, c.slice.name, c.to);
    const cred = c.credentials[c.from];
    return {
        target: "coordinator",
        summary: `~ move slice ${c.slice.name} from ${c.from} to ${c.to}: route it through server ${mv}`,
        statements: txn([createServerSql(mv, c.options[c.from]), createUserMappingSql(mv, cred.user, cred.password), ...recreatePartitionSql(c.spec, c.slice, mv)]),
        transactional: false,
        sensitive: true,
    };
}

const HOLD = quoteIdent("pgscale_move_hold");

/** A checksum of a relation's rows that does not depend on their order. */
const digestSql = (rel: string) => `SELECT count(*) AS n, coalesce(sum(hashtextextended(t::text, 0)), 0) AS h FROM ${rel} t`;

/** 2. Copy under a lock on the slice alone, verify, and point the move server at the new shard. `partial`: the new shard holds rows of an earlier, interrupted copy. */
export function copyStep(c: MoveContext, partial: boolean): ShardedStep {
    const mv = moveServerName(c.spec, c.slice.name, c.to);
    const slice = quoteQualified(c.spec.schema, c.slice.name);
    const copy = quoteQualified(c.spec.schema, fitIdentifier(c.slice.name, "_copy"));
    const cred = c.credentials[c.to];
    const set = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `SET ${k} ${quoteLiteral(v)}`).join(", ");
    const verify =
        `DO $pgscale$ DECLARE a record; b record; BEGIN ` +
        `${digestSql(slice)} INTO a; ${digestSql(copy)} INTO b; ` +
        `IF a.n <> b.n OR a.h <> b.h THEN RAISE EXCEPTION 'moving slice % to ${c.to}: % rows (checksum %) copied as % (checksum %); nothing was changed', ${quoteLiteral(c.slice.name)}, a.n, a.h, b.n, b.h USING ERRCODE = 'XX001'; END IF; END $pgscale$`;
    const { host, port, dbname } = c.options[c.to];
    return {
        target: "coordinator",
        summary: `~ move slice ${c.slice.name} from ${c.from} to ${c.to}: copy its rows (its writes wait), verify counts and checksums, read it from ${c.to}`,
        statements: txn(
            [
                // LOCK TABLE refuses foreign tables; CREATE TRIGGER takes SHARE ROW EXCLUSIVE on one:
                // the slice's writes wait, its reads go on. A built-in function, harmless if it ever ran.
                `CREATE TRIGGER ${HOLD} BEFORE UPDATE ON ${slice} FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()`,
                `CREATE FOREIGN TABLE ${copy} (${c.spec.columns.map(columnDefinition).join(", ")}) SERVER ${quoteIdent(c.servers.to)} OPTIONS (schema_name ${quoteLiteral(c.spec.schema)}, table_name ${quoteLiteral(c.slice.name)})`,
                ...(partial ? [`DELETE FROM ${copy}`] : []),
                `INSERT INTO ${copy} SELECT * FROM ${slice}`,
                verify,
                `ALTER SERVER ${quoteIdent(mv)} OPTIONS (${set({ host, port, dbname })})`,
                `ALTER USER MAPPING FOR PUBLIC SERVER ${quoteIdent(mv)} OPTIONS (${set({ user: cred.user, password: cred.password })})`,
                `DROP FOREIGN TABLE ${copy}`,
                `DROP TRIGGER ${HOLD} ON ${slice}`,
            ],
            "30s",
        ),
        transactional: false,
        sensitive: true,
    };
}

/** 3. The slice reads from the new shard's own server; the move server goes. */
export function switchStep(c: MoveContext): ShardedStep {
    const mv = moveServerName(c.spec, c.slice.name, c.to);
    return {
        target: "coordinator",
        summary: `~ move slice ${c.slice.name} to ${c.to}: read it through server ${c.servers.to}`,
        statements: txn([...recreatePartitionSql(c.spec, c.slice, c.servers.to), `DROP USER MAPPING IF EXISTS FOR PUBLIC SERVER ${quoteIdent(mv)}`, `DROP SERVER ${quoteIdent(mv)}`]),
        transactional: false,
    };
}

/** 4. On the old shard, after the coordinator's steps: its copy of a slice the coordinator reads elsewhere. */
export function cleanupStep(spec: Spec, slice: string, shard: string, to: string | undefined, hasRows: boolean): ShardedStep {
    return {
        target: shard,
        summary: hasRows ? `- drop slice ${slice} on ${shard} (moved to ${to}; the coordinator reads it there)` : `- drop empty slice ${slice} on ${shard} (it is on ${to} now)`,
        statements: hasRows ? [`LOCK TABLE ${quoteQualified(spec.schema, slice)} IN ACCESS EXCLUSIVE MODE`, dropTableSql(spec.schema, slice)] : [...assertEmptySql(spec.schema, slice), dropTableSql(spec.schema, slice)],
        after: true,
    };
}
