import type { CoordinatorCatalog } from "./catalog";
import { fitIdentifier } from "../partition/naming";
import { foreignServerName, hashModulus, slicesOf, type Slice } from "./slices";
import type { ShardedTableSpec } from "./spec";

// Which shard holds each hash slice. A new table follows `shardBy.assignment`. Once the
// coordinator has its foreign partitions, the catalog is the truth: each slice stays on the
// shard that holds it, and a change of the shard list moves the fewest slices that leave every
// shard with modulus / shards of them (shards over that count give up their highest remainders,
// shards under it take them in the order of `shards`). So adding a fourth shard to three moves a
// quarter of the slices, where re-applying round-robin would move three quarters.

type Spec = Pick<ShardedTableSpec, "schema" | "name" | "shardBy" | "shards">;

/**
 * The coordinator's server for a slice while it moves to `shard`: the slice's foreign partition
 * reads through it, first from the old shard, then (after the copy) from the new one, so the
 * switch is an ALTER SERVER under a lock on that slice alone.
 */
export function moveServerName(spec: Pick<ShardedTableSpec, "schema" | "name">, slice: string, shard: string): string {
    // Servers are per database, slices per schema: a table of the same name in another schema has the same slice names.
    return fitIdentifier(`${spec.schema === "public" ? slice : `${spec.schema}_${slice}`}_to_${shard}`, "_move");
}

/** Slice name -> the shard the coordinator reads it from now (a slice in a move counts as its target's). */
export function currentPlacement(spec: Spec, coordinator: Pick<CoordinatorCatalog, "partitions">, knownShards: readonly string[]): Record<string, string> {
    const byServer = new Map(knownShards.map((s) => [foreignServerName(spec, s), s]));
    const out: Record<string, string> = {};
    for (const p of coordinator.partitions) {
        if (!p.server) continue;
        const shard = byServer.get(p.server) ?? knownShards.find((s) => moveServerName(spec, p.name, s) === p.server);
        if (shard) out[p.name] = shard;
    }
    return out;
}

/** The slices with the shard each belongs on: where they are, evened out with the fewest moves. */
export function placeSlices(spec: Spec, where: Record<string, string>): Slice[] {
    const rule = slicesOf(spec);
    if (spec.shardBy.strategy !== "hash" || rule.length === 0) return rule;
    const names = spec.shards.map((s) => s.name);
    const placed = rule.filter((s) => names.includes(where[s.name] ?? ""));
    if (placed.length === 0) return rule;
    const target = hashModulus(spec) / names.length;
    const held = new Map(names.map((n) => [n, [] as Slice[]]));
    const pool: Slice[] = [];
    for (const s of rule) {
        const at = where[s.name];
        if (at && held.has(at)) held.get(at)!.push({ ...s, shard: at });
        else pool.push(s);
    }
    const remainder = (s: Slice) => (s.bound.kind === "hash" ? s.bound.remainder : 0);
    for (const list of held.values()) {
        list.sort((a, b) => remainder(a) - remainder(b));
        while (list.length > target) pool.push(list.pop()!);
    }
    pool.sort((a, b) => remainder(a) - remainder(b));
    for (const n of names) {
        const list = held.get(n)!;
        while (list.length < target) list.push({ ...pool.shift()!, shard: n });
    }
    const shardOf = new Map([...held.values()].flat().map((s) => [s.name, s.shard]));
    return rule.map((s) => ({ ...s, shard: shardOf.get(s.name)! }));
}
