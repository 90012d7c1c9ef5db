import { quoteLiteral } from "../sql";
import type { ShardCatalog } from "../shard/catalog";
import * as ddl from "../shard/ddl";
import { planShardedTable } from "../shard/plan";
import { foreignServerName, shardRoleName, slicesOf } from "../shard/slices";
import { parseShardedTable, type ShardedTableInput, type ShardedTableSpec } from "../shard/spec";
import { TableTemplate } from "./tables";

// The SQL of a move to shards, written in ShardedTable's own names and DDL so that the
// ShardedTable of the plan's stack adopts what the SQL built: the shards get their tables,
// slices and roles as ShardedTable creates them; the coordinator gets the servers, the user
// mappings and the foreign partitions under a parent named `<table>_new`, which the swap
// renames to the table's name. ShardedTable then finds every object in place.

/** The shards' names in the plan, in order: "s1", "s2", ... */
export const planShardNames = (shards: number) => Array.from({ length: shards }, (_, k) => `s${k + 1}`);

/** psql substitutes the variable, so no password sits in the plan or in a file. */
export const passwordVariable = (shard: string) => `${shard}_password`;

/** ShardedTable's arguments (connections aside) for the template table over `shards` shards. */
export function shardedTableArgs(t: TableTemplate, modulus: number, shards: number): ShardedTableInput {
    return {
        schema: t.schema,
        name: t.name,
        columns: t.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull ?? false, ...(c.default ? { default: c.default } : {}), ...(c.identity ? { identity: c.identity } : {}) })),
        primaryKey: [...t.primaryKey],
        shardBy: { strategy: "hash", columns: [t.key], modulus },
        shards: planShardNames(shards).map((name) => ({ name })),
    };
}

export interface ShardedTableSql {
    /** Per shard, in the order of `spec.shards`: its local parent, slices, role and grants. */
    shards: { name: string; statements: string[] }[];
    /** On the coordinator: postgres_fdw, a server and user mapping per shard, the parent `parent` and its foreign partitions. */
    coordinator: string[];
}

const emptyShard = (): ShardCatalog => ({ schemaExists: true, parent: null, slices: [], role: { exists: false, connect: false, privileges: {} } });
const terminated = (s: string) => (s.endsWith(";") ? s : `${s};`);

/** Placeholders for what the plan cannot know: each shard's password (a psql variable) and address. */
export function shardedTableSql(spec: ShardedTableSpec, parent: string): ShardedTableSql {
    const names = spec.shards.map((s) => s.name);
    const secret = (shard: string) => `@@${passwordVariable(shard)}@@`;
    const endpoint = (shard: string) => ({ host: `shard-${shard}`, port: 5432, dbname: "appdb" });
    const plan = planShardedTable({
        desired: spec,
        endpoints: Object.fromEntries(names.map((n) => [n, endpoint(n)])),
        credentials: Object.fromEntries(names.map((n) => [n, { user: shardRoleName(spec, n), password: secret(n), verifier: secret(n), fresh: true }])),
        coordinator: { fdwInstalled: false, servers: [], parent: null, partitions: [] },
        shards: Object.fromEntries(names.map((n) => [n, emptyShard()])),
    });
    const withVariables = (s: string) => names.reduce((text, n) => text.split(quoteLiteral(secret(n))).join(`:'${passwordVariable(n)}'`), s);
    const under = { ...spec, name: parent };
    const coordinator = [
        ddl.createFdwSql(),
        ...names.flatMap((n) => {
            const server = foreignServerName(spec, n);
            return [ddl.createServerSql(server, ddl.serverOptions(spec, endpoint(n))), ddl.createUserMappingSql(server, shardRoleName(spec, n), secret(n))];
        }),
        ddl.createCoordinatorParentSql(under),
        ...slicesOf(spec).map((s) => ddl.createForeignSliceSql(under, s, foreignServerName(spec, s.shard))),
    ];
    return {
        shards: names.map((name) => ({ name, statements: plan.steps.filter((s) => s.target === name).flatMap((s) => s.statements).map((s) => terminated(withVariables(s))) })),
        coordinator: coordinator.map((s) => terminated(withVariables(s))),
    };
}

/** The plan's ShardedTable spec; throws (naming the field) if the plan's own sizing broke a rule. */
export function planShardedSpec(t: TableTemplate, modulus: number, shards: number): ShardedTableSpec {
    return parseShardedTable(shardedTableArgs(t, modulus, shards), `ShardedTable ${t.name}`);
}
