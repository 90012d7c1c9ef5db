import { randomBytes } from "crypto";
import { parseShardedTable, referenceRoleName, scramSha256Verifier, serverEndpoint, shardedTableFields, shardRoleName, type ReferencePlanInput, type ShardCredential, type ShardedTableSpec } from "@pgscale/core";
import { specFrom } from "../sql/provider-io";

// The resource's properties. Inputs: the spec fields (defaults filled), `coordinator`
// and `shardConnections` (secrets: URIs by shard name) and `plan`, the steps check
// computed for preview. Outputs add `credentials` (secret: each shard role's password
// and verifier), `observed`, `drift` (what an up would repair, as refresh found it) and
// `applied` (the steps the last create/update ran).

export const SPEC_KEYS = Object.keys(shardedTableFields.shape) as (keyof ShardedTableSpec)[];

type Props = Record<string, unknown>;

export const subjectOf = (p: Props) => `ShardedTable ${typeof p.schema === "string" && p.schema !== "public" ? `${p.schema}.` : ""}${String(p.name ?? "")}`;

export const specOf = (p: Props): ShardedTableSpec => specFrom(p, SPEC_KEYS, parseShardedTable, subjectOf(p));

export const specProps = (spec: ShardedTableSpec): Props => JSON.parse(JSON.stringify(spec)) as Props;

export function coordinatorOf(p: Props): string {
    if (typeof p.coordinator !== "string" || p.coordinator === "") throw new Error(`${subjectOf(p)}: the coordinator input is missing`);
    return p.coordinator;
}

/** The shards' URIs in spec order; a shard without one is an error naming it. */
export function shardUris(p: Props, spec: ShardedTableSpec): { name: string; uri: string }[] {
    const map = (p.shardConnections ?? {}) as Record<string, unknown>;
    return spec.shards.map((s, i) => {
        const uri = map[s.name];
        if (typeof uri !== "string" || uri === "") throw new Error(`${subjectOf(p)}: shards[${i}].uri is missing`);
        return { name: s.name, uri };
    });
}

export interface StoredCredential {
    user: string;
    password: string;
    verifier: string;
}

/**
 * Each shard's credential: the one in state when there is one for the same role, else a new
 * password (32 random bytes, URL-safe) and its SCRAM verifier, marked fresh so the role and the
 * user mapping get it. The server only ever sees the verifier; the mapping holds the password,
 * as postgres_fdw must present it.
 */
export function credentialsFor(spec: ShardedTableSpec, stored: unknown): Record<string, ShardCredential> {
    const had = (stored ?? {}) as Record<string, StoredCredential | undefined>;
    return Object.fromEntries(
        spec.shards.map((s) => {
            const user = shardRoleName(spec, s.name);
            const c = had[s.name];
            if (c && c.user === user && c.password && c.verifier) return [s.name, { ...c, fresh: false }];
            return [s.name, newCredential(user)];
        }),
    );
}

/** The last apply's shards that are no longer in the spec, with what `pick` finds for each in a map of the last apply's state (undefined: nothing usable). */
function removedFromState<T>(spec: ShardedTableSpec, previous: ShardedTableSpec | null, stored: unknown, pick: (value: unknown, name: string) => T | undefined): { name: string; value: T | undefined }[] {
    const had = (stored ?? {}) as Record<string, unknown>;
    return (previous?.shards ?? []).filter(({ name }) => !spec.shards.some((s) => s.name === name)).map(({ name }) => ({ name, value: pick(had[name], name) }));
}

/**
 * The credentials of the last apply's shards that are no longer in the spec: a move of a removed
 * shard's slices (moveRowsOnShardRemoval) routes through a server that logs in as its role. Only
 * planned with, never stored again: its server goes with the move.
 */
export function removedCredentials(spec: ShardedTableSpec, previous: ShardedTableSpec | null, stored: unknown): Record<string, ShardCredential> {
    const found = removedFromState(spec, previous, stored, (v, name) => {
        const c = v as StoredCredential | undefined;
        return c && c.user === shardRoleName(spec, name) && c.password && c.verifier ? { ...c, fresh: false } : undefined;
    });
    return Object.fromEntries(found.filter((f) => f.value).map((f) => [f.name, f.value!]));
}

/**
 * The last apply's connections (shardConnections) of the shards that are no longer in the spec, null
 * when the state holds none: a removed shard's subscription to the reference tables is dropped there
 * (as the user that created it), so that the coordinator can drop its slot.
 */
export function removedConnections(spec: ShardedTableSpec, previous: ShardedTableSpec | null, stored: unknown): { name: string; uri: string | null }[] {
    return removedFromState(spec, previous, stored, (v) => (typeof v === "string" && v !== "" ? v : undefined)).map((f) => ({ name: f.name, uri: f.value ?? null }));
}

function newCredential(user: string): ShardCredential {
    const password = randomBytes(32).toString("base64url");
    return { user, password, verifier: scramSha256Verifier(password), fresh: true };
}

/**
 * The coordinator's replication role the shards' subscriptions log in as (reference tables): kept
 * from state like a shard's credential. `placeholder`: for planning in check and read, where no
 * password is made.
 */
export function replicationCredentialFor(spec: ShardedTableSpec, stored: unknown, placeholder = false): ShardCredential {
    const user = referenceRoleName(spec);
    const c = stored as StoredCredential | undefined;
    if (c && c.user === user && c.password && c.verifier) return { ...c, fresh: false };
    return placeholder ? { user, password: "(generated)", verifier: "(generated)", fresh: false } : newCredential(user);
}

/** Where the shards' subscriptions reach the coordinator: its URI's endpoint (and options such as sslmode), overridden by coordinatorFromShards. */
export function publisherOf(spec: ShardedTableSpec, coordinator: string): ReferencePlanInput["publisher"] {
    const endpoint = serverEndpoint({ fromCoordinator: spec.coordinatorFromShards }, coordinator);
    return { ...endpoint, params: Object.fromEntries(new URL(coordinator).searchParams) };
}

/** Placeholders for planning in check, where no password exists yet (nor is read): nothing is rotated there. Also for the last apply's shards, removed since. */
export function placeholderCredentials(spec: ShardedTableSpec, previous: ShardedTableSpec | null = null): Record<string, ShardCredential> {
    const names = [...new Set([...spec.shards, ...(previous?.shards ?? [])].map((s) => s.name))];
    return Object.fromEntries(names.map((n) => [n, { user: shardRoleName(spec, n), password: "(generated)", verifier: "(generated)", fresh: false }]));
}

export function storedCredentials(creds: Record<string, ShardCredential>): Record<string, StoredCredential> {
    return Object.fromEntries(Object.entries(creds).map(([k, c]) => [k, { user: c.user, password: c.password, verifier: c.verifier }]));
}
