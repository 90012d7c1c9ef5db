import type { Endpoint } from "./connections";
import type { ShardedTableSpec } from "./spec";

// What the planner takes: the catalogs of the coordinator and of each shard as read
// (by @pgscale/postgres), the credentials of the shard roles, and what it gives.

export type Strategy = "hash" | "range" | "list";

export interface ShardCatalog {
    schemaExists: boolean;
    /** The local parent (partitioned by the shard key), or null. */
    parent: { strategy: Strategy | null; keyColumns: string[]; hasRows: boolean } | null;
    /** Partitions of the local parent: the slices this shard holds. `bound` as pg_get_expr prints it. */
    slices: { name: string; bound: string; hasRows: boolean }[];
    /** The coordinator's role on this shard, whether it may connect to the database, and the privileges it holds on each slice. */
    role: { exists: boolean; connect: boolean; privileges: Record<string, string[]> };
}

export interface CoordinatorCatalog {
    fdwInstalled: boolean;
    /** Foreign servers of postgres_fdw with pgscale's names, their options and the PUBLIC user mapping's user. */
    servers: { name: string; options: Record<string, string>; mappingUser: string | null }[];
    parent: { strategy: Strategy | null; keyColumns: string[] } | null;
    /** Partitions of the parent; `server` is null for one that is not a foreign table. */
    partitions: { name: string; bound: string; server: string | null; hasRows: boolean }[];
}

export interface ShardCredential {
    user: string;
    password: string;
    /** The SCRAM verifier the shard's role gets: the server never sees the password. */
    verifier: string;
    /** A password made for this run: set on the role and in the user mapping even when both exist. */
    fresh: boolean;
}

export interface ShardedPlanInput {
    desired: ShardedTableSpec;
    /** The spec of the last apply, when there is one (shards removed since, columns changed). */
    previous?: ShardedTableSpec | null;
    /** Where the coordinator reaches each shard (serverEndpoint). */
    endpoints: Record<string, Endpoint>;
    credentials: Record<string, ShardCredential>;
    coordinator: CoordinatorCatalog;
    shards: Record<string, ShardCatalog>;
}

export interface ShardedStep {
    /** "coordinator", or the name of the shard the statements run on. */
    target: string;
    summary: string;
    statements: string[];
    /** Holds a password or verifier: errors name the step by its summary only. */
    sensitive?: boolean;
    /** False: the statements carry their own BEGIN ... COMMIT (a slice's move, one transaction per step). Default true. */
    transactional?: boolean;
    /** Runs after the coordinator's steps (a shard dropping a slice the coordinator reads elsewhere by then). */
    after?: boolean;
}

export interface ShardedPlan {
    steps: ShardedStep[];
    refusals: { field: string; reason: string }[];
    notes: string[];
}

/** Preview lines, in the order they run: each step prefixed by where it runs. */
export function summarizeShardedPlan(plan: ShardedPlan): string[] {
    const steps = [...plan.steps.filter((s) => !s.after), ...plan.steps.filter((s) => s.after)];
    return [...steps.map((s) => `[${s.target}] ${s.summary}`), ...plan.notes.map((n) => `note: ${n}`)];
}
