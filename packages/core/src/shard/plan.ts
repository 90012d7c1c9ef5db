import { boundsEqual, parseCatalogBound, renderBound } from "../partition/bounds";
import { assertEmptySql, dropTableSql } from "../partition/ddl";
import { keyColumns } from "../partition/resolve";
import { fitIdentifier } from "../partition/naming";
import { stableJson } from "../util";
import type { CoordinatorCatalog, ShardCatalog, ShardedPlan, ShardedPlanInput, ShardedStep } from "./catalog";
import * as ddl from "./ddl";
import { fieldOf } from "./rules";
import { cleanupStep, copyStep, routeStep, switchStep } from "./moves";
import { currentPlacement, moveServerName, placeSlices } from "./placement";
import { coordinatorTable, foreignServerName, shardRoleName, type Slice } from "./slices";
import type { ShardedTableSpec } from "./spec";

// From the live catalogs to the steps that make them the spec: every object is
// created when missing and corrected when it differs. A slice that holds rows and belongs on
// another shard moves there online (./moves): a hash slice when shards are added (or one is
// removed with moveRowsOnShardRemoval), a range or list slice when the spec gives its bound to
// another shard of `shards`. Nothing else that holds rows is dropped: a shard removed without
// that opt-in, a bound or a key changed is refused while rows are there.

const COORD = "coordinator";
const MOVES_NOT_YET = "moving rows between shards is not supported yet; nothing was changed";

export function planShardedTable(input: ShardedPlanInput): ShardedPlan {
    const { desired: spec } = input;
    const plan: ShardedPlan = { steps: [], refusals: [], notes: [] };
    const known = [...new Set([...spec.shards, ...(input.previous?.shards ?? [])].map((s) => s.name))];
    const kinds = keyColumns(coordinatorTable(spec, [])).map((k) => k.kind);
    const same = (s: Slice, bound: string) => boundsEqual(s.bound, parseCatalogBound(bound), kinds);
    const slices = keepNamesByBound(placeSlices(spec, currentPlacement(spec, input.coordinator, known)), input.coordinator, same);
    const table = `${spec.schema}.${spec.name}`;

    if (input.previous && stableJson(input.previous.columns) !== stableJson(spec.columns))
        plan.refusals.push({ field: "columns", reason: "changing the columns of a sharded table is not supported yet; nothing was changed" });

    // A relation of the table's name that is not a partitioned table (a plain table, a view,
    // a foreign table) is the user's, not an earlier apply's: never recreated, whatever it holds.
    for (const target of unpartitioned(input.coordinator, input.shards))
        plan.refusals.push({ field: "name", reason: `${table} exists on ${target} and is not a partitioned table; pgscale does not turn an existing table into a sharded one. Rename it, or give the ShardedTable another name; nothing was changed` });

    const keyChanged = keyChange(spec, input.coordinator, input.shards);
    if (keyChanged) {
        const rows = keyChanged.filter((t) => t.hasRows).map((t) => t.target);
        if (rows.length) plan.refusals.push({ field: "shardBy", reason: `the table exists with another shard key or strategy and holds rows on ${rows.join(", ")}; ${MOVES_NOT_YET}` });
    }

    for (const shard of spec.shards) {
        const cat = input.shards[shard.name];
        const mine = slices.filter((s) => s.shard === shard.name);
        const add = (summary: string, statements: string[], sensitive = false) => plan.steps.push({ target: shard.name, summary, statements, ...(sensitive ? { sensitive } : {}) });
        const recreate = keyChanged?.some((t) => t.target === shard.name) ?? false;
        if (spec.schema !== "public" && !cat.schemaExists) add(`+ create schema ${spec.schema}`, [ddl.createSchemaSql(spec.schema)]);
        if (recreate) add(`- drop empty table ${table} (another shard key)`, [...assertEmptySql(spec.schema, spec.name), dropTableSql(spec.schema, spec.name)]);
        if (!cat.parent || recreate) add(`+ create table ${table} PARTITION BY ${spec.shardBy.strategy.toUpperCase()} (${spec.shardBy.columns.join(", ")})`, [ddl.createLocalParentSql(spec)]);
        const existing = new Map((recreate ? [] : cat.slices).map((s) => [s.name, s]));
        for (const s of mine) {
            const have = existing.get(s.name);
            if (have && !same(s, have.bound)) {
                if (have.hasRows) {
                    plan.refusals.push({ field: fieldOf(s.origin), reason: `slice ${s.name} on ${shard.name} holds rows and its bound would change to ${renderBound(s.bound)}; ${MOVES_NOT_YET}` });
                    continue;
                }
                add(`- drop empty slice ${s.name} (its bound changes)`, [...assertEmptySql(spec.schema, s.name), dropTableSql(spec.schema, s.name)]);
            }
            if (!have || !same(s, have.bound)) add(`+ create slice ${s.name} ${renderBound(s.bound)}${spec.localPartitioning ? ` partitioned by ${spec.localPartitioning.partitionBy.columns.join(", ")}` : ""}`, ddl.createLocalSliceSql(spec, s));
        }
        if (!recreate) {
            const wanted = new Set(mine.map((s) => s.name));
            for (const have of cat.slices) {
                if (wanted.has(have.name)) continue;
                const to = slices.find((s) => s.name === have.name)?.shard;
                // Rows go only when the coordinator reads the slice through a partition of its own, from
                // elsewhere or (after this plan's move) from its new shard; otherwise they are left alone.
                const read = input.coordinator.partitions.some((p) => p.name === have.name && p.server);
                if (have.hasRows && (!to || !read)) plan.notes.push(`${have.name} on ${shard.name} holds rows the coordinator does not read from there, and is not this shard's slice; it is left as it is`);
                else plan.steps.push(cleanupStep(spec, have.name, shard.name, to, have.hasRows));
            }
        }
        const cred = input.credentials[shard.name];
        if (!cat.role.exists) add(`+ create role ${cred.user} LOGIN (password generated, kept secret)`, [ddl.createRoleSql(cred.user, cred.verifier)], true);
        else if (cred.fresh) add(`~ set the password of role ${cred.user} (generated, kept secret)`, [ddl.setRolePasswordSql(cred.user, cred.verifier)], true);
        if (!cat.role.exists || !cat.role.connect) add(`+ grant ${cred.user} CONNECT on the database`, [ddl.grantConnectSql(cred.user)]);
        const missing = mine.filter((s) => recreate || !cat.role.exists || !hasDml(cat.role.privileges[s.name])).map((s) => s.name);
        if (missing.length) add(`+ grant ${cred.user} SELECT, INSERT, UPDATE, DELETE on ${missing.length === mine.length ? `all ${mine.length} slices` : missing.join(", ")}`, ddl.grantSliceSql(spec, cred.user, missing));
    }

    coordinatorSteps(input, slices, same, keyChanged !== null, plan);
    if (plan.refusals.length) plan.steps = [];
    return plan;
}

/**
 * A range or list slice is its bound: where the coordinator already has a foreign partition of the
 * same bound, the slice keeps that partition's name wherever the spec puts it (given to another
 * shard: its rows move; moved within its shard's list: nothing changes), instead of a new, empty
 * slice being made beside a refused old one. A new bound whose name is kept by another slice gets
 * the first free `<name>_<n>`. Hash slices are named by remainder already.
 */
function keepNamesByBound(slices: Slice[], cat: Pick<CoordinatorCatalog, "partitions">, same: (s: Slice, bound: string) => boolean): Slice[] {
    if (slices.every((s) => s.bound.kind === "hash")) return slices;
    const claimed = new Map<number, string>();
    const used = new Set<string>();
    slices.forEach((s, i) => {
        const p = cat.partitions.find((x) => x.server && !used.has(x.name) && same(s, x.bound));
        if (p) {
            claimed.set(i, p.name);
            used.add(p.name);
        }
    });
    const taken = new Set([...used, ...cat.partitions.map((p) => p.name)]);
    return slices.map((s, i) => {
        const kept = claimed.get(i);
        if (kept !== undefined) return kept === s.name ? s : { ...s, name: kept };
        if (!used.has(s.name)) return s;
        let n = 2;
        while (taken.has(fitIdentifier(`${s.name}_${n}`, ""))) n++;
        const name = fitIdentifier(`${s.name}_${n}`, "");
        taken.add(name);
        return { ...s, name };
    });
}

function coordinatorSteps(input: ShardedPlanInput, slices: Slice[], same: (s: Slice, bound: string) => boolean, recreate: boolean, plan: ShardedPlan): void {
    const { desired: spec, coordinator: cat } = input;
    const add = (summary: string, statements: string[], sensitive = false) => plan.steps.push({ target: COORD, summary, statements, ...(sensitive ? { sensitive } : {}) });
    const table = `${spec.schema}.${spec.name}`;
    if (!cat.fdwInstalled) add("+ create extension postgres_fdw", [ddl.createFdwSql()]);
    if (spec.schema !== "public" && !cat.parent) add(`+ create schema ${spec.schema}`, [ddl.createSchemaSql(spec.schema)]);
    const servers = new Map(cat.servers.map((s) => [s.name, s]));
    for (const shard of spec.shards) {
        const name = foreignServerName(spec, shard.name);
        const options = ddl.serverOptions(spec, input.endpoints[shard.name]);
        const have = servers.get(name);
        const cred = input.credentials[shard.name];
        if (!have) add(`+ create server ${name} (${options.host}:${options.port}/${options.dbname}, async_capable ${options.async_capable}, fetch_size ${options.fetch_size}, connect_timeout ${options.connect_timeout})`, [ddl.createServerSql(name, options)]);
        else {
            const alter = ddl.alterServerSql(name, have.options, options);
            if (alter) add(`~ alter server ${name}: ${Object.keys(options).filter((k) => have.options[k] !== options[k]).map((k) => `${k} ${options[k]}`).join(", ")}`, [alter]);
        }
        if (!have || have.mappingUser === null) add(`+ create user mapping for PUBLIC on ${name} as ${cred.user}`, [ddl.createUserMappingSql(name, cred.user, cred.password)], true);
        else if (have.mappingUser !== cred.user || cred.fresh) add(`~ alter user mapping for PUBLIC on ${name} as ${cred.user}`, [ddl.alterUserMappingSql(name, cred.user, cred.password)], true);
    }
    if (recreate && cat.parent) add(`- drop table ${table} and its foreign partitions (another shard key; the shards hold no rows)`, [...assertEmptySql(spec.schema, spec.name), dropTableSql(spec.schema, spec.name)]);
    if (!cat.parent || recreate) add(`+ create table ${table} PARTITION BY ${spec.shardBy.strategy.toUpperCase()} (${spec.shardBy.columns.join(", ")})`, [ddl.createCoordinatorParentSql(spec)]);
    const parts = new Map((recreate ? [] : cat.partitions).map((p) => [p.name, p]));
    const wanted = new Set(slices.map((s) => s.name));
    const removed = removedShards(input);
    const removedAt = (server: string | null) => Object.keys(removed).find((n) => foreignServerName(spec, n) === server);
    // Partitions that are no longer slices (a shard removed, ranges changed): dropped only when empty.
    for (const p of parts.values()) {
        if (wanted.has(p.name)) continue;
        const gone = removedAt(p.server);
        const why = !gone
            ? MOVES_NOT_YET
            : spec.shardBy.strategy === "hash"
              ? `its shard ${gone} is no longer in shards, and a removed shard's slices move (moveRowsOnShardRemoval) only while shardBy.modulus stays the same; nothing was changed`
              : `its shard ${gone} is no longer in shards, and only hash sharding moves a removed shard's slices; keep ${gone} while it holds rows; nothing was changed`;
        if (p.hasRows) plan.refusals.push({ field: "shards", reason: `partition ${p.name}${p.server ? ` (server ${p.server})` : ""} holds rows and is no longer a slice of the spec; ${why}` });
        else if (p.server) add(`- drop foreign partition ${p.name} (empty; no longer in the spec)`, [ddl.dropForeignSliceSql(spec, p.name)]);
        else plan.refusals.push({ field: "shards", reason: `partition ${p.name} of ${table} is not a foreign table pgscale manages; detach or remove it first` });
    }
    // The slices holding rows on each removed shard (refused without moveRowsOnShardRemoval), and the removed shards rows move off.
    const held = new Map<string, Slice[]>();
    const movedOff = new Set<string>();
    for (const s of slices) {
        const server = foreignServerName(spec, s.shard);
        const have = parts.get(s.name);
        if (have && have.server !== server && same(s, have.bound) && have.server) {
            const moving = moveSteps(input, removed, s, have.server, have.hasRows);
            if (moving && "refused" in moving) {
                plan.refusals.push({ field: "shards", reason: moving.refused });
                continue;
            }
            if (moving && "heldBy" in moving) {
                held.set(moving.heldBy, [...(held.get(moving.heldBy) ?? []), s]);
                continue;
            }
            if (moving) {
                if (moving.from && moving.from in removed) movedOff.add(moving.from);
                plan.steps.push(...moving.steps);
                continue;
            }
        }
        if (have && (have.server !== server || !same(s, have.bound))) {
            if (have.hasRows) {
                plan.refusals.push({ field: fieldOf(s.origin), reason: `slice ${s.name} holds rows${have.server !== server ? ` on server ${have.server ?? "(local)"} and would move to ${s.shard}` : " and its bound would change"}; ${MOVES_NOT_YET}` });
                continue;
            }
            if (!have.server) {
                plan.refusals.push({ field: fieldOf(s.origin), reason: `${s.name} exists on the coordinator as a local table; remove it first` });
                continue;
            }
            add(`- drop foreign partition ${s.name} (empty; it moves to ${s.shard} or changes its bound)`, [ddl.dropForeignSliceSql(spec, s.name)]);
        }
        if (!have || have.server !== server || !same(s, have.bound)) add(`+ create foreign partition ${s.name} ${renderBound(s.bound)} on ${server}`, [ddl.createForeignSliceSql(spec, s, server)]);
    }
    for (const [shard, list] of held)
        plan.refusals.push({
            field: "shards",
            reason:
                `shard ${shard} is no longer in shards, and ${list.length > 1 ? "its slices" : "its slice"} ${list.map((x) => x.name).join(", ")} ${list.length > 1 ? "hold" : "holds"} rows: set moveRowsOnShardRemoval: true ` +
                `to move ${list.length > 1 ? "them" : "it"} online to the remaining shards (${list.map((x) => `${x.name} to ${x.shard}`).join(", ")}), or keep ${shard} in shards; nothing was changed`,
        });
    // Servers of shards removed from the spec go once no partition uses them (after this plan's moves off them).
    for (const name of Object.keys(removed)) {
        const server = foreignServerName(spec, name);
        const left = movedOff.has(name) ? "its tables, which keep their copies of the rows moved off it, and its role on the shard are left" : "its tables and role on the shard are left";
        if (servers.has(server)) add(`- drop server ${server} and its user mapping (shard ${name} removed; ${left})`, ddl.dropServerSql(server));
    }
}

/** The shards of the last apply that are no longer in the spec, by name: their coordinator server's options as read ({} once it is gone). */
function removedShards(input: ShardedPlanInput): Record<string, Record<string, string>> {
    const { desired: spec } = input;
    const gone = (input.previous?.shards ?? []).filter((p) => !spec.shards.some((s) => s.name === p.name));
    return Object.fromEntries(gone.map((g) => [g.name, input.coordinator.servers.find((x) => x.name === foreignServerName(spec, g.name))?.options ?? {}]));
}

type Moving =
    | { steps: ShardedStep[]; from?: string }
    /** Rows on a shard removed from the spec, without moveRowsOnShardRemoval. */
    | { heldBy: string }
    | { refused: string };

/**
 * The steps that bring a slice holding rows (or one already in a move) from where the coordinator
 * reads it now to its shard; null when it can simply be re-created there (it is empty and not moving).
 * It leaves a shard of the spec, or (moveRowsOnShardRemoval) a shard removed since the last apply:
 * that shard's server options are its coordinator server's, its role's password the last apply's.
 */
function moveSteps(input: ShardedPlanInput, removed: Record<string, Record<string, string>>, slice: Slice, server: string, hasRows: boolean): Moving | null {
    const { desired: spec } = input;
    const options = { ...removed, ...Object.fromEntries(spec.shards.map((x) => [x.name, ddl.serverOptions(spec, input.endpoints[x.name])])) };
    const names = Object.keys(options);
    const servers = { to: foreignServerName(spec, slice.shard) };
    const ctx = (from: string) => ({ spec, slice, from, to: slice.shard, options, credentials: input.credentials, servers: { ...servers, from: foreignServerName(spec, from) } });
    const partial = input.shards[slice.shard].slices.some((x) => x.name === slice.name && x.hasRows);
    const optedOut = (from: string) => from in removed && !spec.moveRowsOnShardRemoval;
    const from = names.find((n) => foreignServerName(spec, n) === server);
    if (from) {
        if (!hasRows) return null;
        if (optedOut(from)) return { heldBy: from };
        if (!input.credentials[from])
            return { refused: `slice ${slice.name} holds rows on shard ${from}, removed from shards, and the last apply's password of its role ${shardRoleName(spec, from)} is not in the state to route the move through; nothing was changed` };
        return { from, steps: [routeStep(ctx(from)), copyStep(ctx(from), partial), switchStep(ctx(from))] };
    }
    if (server !== moveServerName(spec, slice.name, slice.shard)) return hasRows ? { refused: `slice ${slice.name} holds rows on server ${server}, which is no shard of the spec or of the last apply; nothing was changed` } : null;
    // Interrupted: the move server reads from the old shard (copy not done) or the new one (switch not done).
    const mv = input.coordinator.servers.find((x) => x.name === server);
    const at = names.find((n) => mv && ["host", "port", "dbname"].every((k) => mv.options[k] === options[n][k]));
    if (!at) return { refused: `slice ${slice.name} is in a move to ${slice.shard} through server ${server}, which reads from no shard of the spec or of the last apply; nothing was changed` };
    if (at === slice.shard) return { steps: [switchStep(ctx(at))] };
    if (optedOut(at)) return { heldBy: at };
    return { from: at, steps: [copyStep(ctx(at), partial), switchStep(ctx(at))] };
}

const hasDml = (privileges: string[] | undefined) => ["SELECT", "INSERT", "UPDATE", "DELETE"].every((p) => privileges?.includes(p));

/** Where a relation of the table's name exists that is not partitioned. */
function unpartitioned(coordinator: CoordinatorCatalog, shards: Record<string, ShardCatalog>): string[] {
    const out = coordinator.parent && coordinator.parent.strategy === null ? [COORD] : [];
    for (const [name, cat] of Object.entries(shards)) if (cat.parent && cat.parent.strategy === null) out.push(`shard ${name}`);
    return out;
}

/** Null when the key matches (or nothing exists yet); else where the table exists partitioned by another key, and whether it holds rows there. */
function keyChange(spec: ShardedTableSpec, coordinator: CoordinatorCatalog, shards: Record<string, ShardCatalog>): { target: string; hasRows: boolean }[] | null {
    const differs = (p: { strategy: string | null; keyColumns: string[] } | null) =>
        p !== null && p.strategy !== null && (p.strategy !== spec.shardBy.strategy || stableJson(p.keyColumns) !== stableJson(spec.shardBy.columns));
    const out: { target: string; hasRows: boolean }[] = [];
    if (differs(coordinator.parent)) out.push({ target: COORD, hasRows: coordinator.partitions.some((p) => p.hasRows) });
    for (const [name, cat] of Object.entries(shards)) if (differs(cat.parent)) out.push({ target: name, hasRows: cat.parent!.hasRows });
    return out.length ? out : null;
}

/** Deleting with removalPolicy "destroy": refused while any shard holds rows of the table. */
export function planShardedRemoval(input: Omit<ShardedPlanInput, "credentials" | "endpoints" | "previous">): ShardedPlan {
    const { desired: spec } = input;
    const plan: ShardedPlan = { steps: [], refusals: [], notes: [] };
    if (spec.removalPolicy === "retain") return plan;
    const step = (target: string, summary: string, statements: string[]): ShardedStep => ({ target, summary, statements });
    for (const shard of spec.shards) {
        const cat = input.shards[shard.name];
        if (cat.parent?.hasRows) plan.refusals.push({ field: "removalPolicy", reason: `shard ${shard.name} holds rows of ${spec.schema}.${spec.name}; delete them first (pgscale drops no rows)` });
        if (cat.parent) plan.steps.push(step(shard.name, `- drop empty table ${spec.schema}.${spec.name} and its slices`, [...assertEmptySql(spec.schema, spec.name), dropTableSql(spec.schema, spec.name)]));
        if (cat.role.exists) plan.steps.push(step(shard.name, `- drop role ${shardRoleName(spec, shard.name)}`, ddl.dropRoleSql(spec, shardRoleName(spec, shard.name))));
    }
    for (const target of unpartitioned(input.coordinator, input.shards))
        plan.refusals.push({ field: "removalPolicy", reason: `${spec.schema}.${spec.name} on ${target} is not the partitioned table pgscale created; it is left as it is` });
    if (input.coordinator.partitions.some((p) => p.hasRows)) plan.refusals.push({ field: "removalPolicy", reason: `the coordinator reaches rows of ${spec.schema}.${spec.name}; delete them first` });
    const coord: ShardedStep[] = [];
    if (input.coordinator.parent) coord.push(step(COORD, `- drop table ${spec.schema}.${spec.name} and its foreign partitions`, [...assertEmptySql(spec.schema, spec.name), dropTableSql(spec.schema, spec.name)]));
    for (const s of input.coordinator.servers) coord.push(step(COORD, `- drop server ${s.name} and its user mapping`, ddl.dropServerSql(s.name)));
    // The coordinator first: once its partitions are gone nothing routes rows to the shards.
    plan.steps = plan.refusals.length ? [] : [...coord, ...plan.steps];
    return plan;
}
