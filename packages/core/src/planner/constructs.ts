import { PoolSizing } from "./sizing/pool";
import { PatroniTimingsPlan } from "./sizing/ha";
import { ConstructConfig } from "./types";

// Builders for the construct arguments a plan emits, in the shape of the
// public API of issue 3 (@pgscale/docker) and issue 4 (@pgscale/postgres).
// References to other resources go in `refs`, never in `args`.

export function etcdCluster(members: number, purpose: string): ConstructConfig {
    return { construct: "EtcdCluster", package: "@pgscale/docker", name: "dcs", args: { members }, refs: {}, purpose };
}

export function patroniCluster(nodes: number, patroni: PatroniTimingsPlan, maxConnections: number, purpose: string): ConstructConfig {
    return {
        construct: "PatroniCluster",
        package: "@pgscale/docker",
        name: "main",
        args: { nodes, patroni: { ...patroni }, parameters: { max_connections: String(maxConnections) }, database: "appdb", owner: "app" },
        refs: { dcs: "dcs" },
        purpose,
    };
}

export function haproxyFrontend(purpose: string, maxReplicaLagBytes?: number): ConstructConfig {
    return {
        construct: "HAProxyFrontend",
        package: "@pgscale/docker",
        name: "lb",
        args: maxReplicaLagBytes === undefined ? {} : { maxReplicaLagBytes },
        refs: { cluster: "main" },
        purpose,
    };
}

export function pgBouncerPool(name: string, sizing: PoolSizing, purpose: string, target?: "replicas"): ConstructConfig {
    return {
        construct: "PgBouncerPool",
        package: "@pgscale/docker",
        name,
        args: { ...sizing, ...(target ? { target } : {}) },
        refs: { backend: "lb" },
        purpose,
    };
}

export function partitionedTable(name: string, args: Record<string, unknown>, connectionRef: string, purpose: string): ConstructConfig {
    return { construct: "PartitionedTable", package: "@pgscale/postgres", name, args, refs: { connection: connectionRef }, purpose };
}

/** Where PartitionedTable connects when the plan does not create the cluster: a secret in stack config. */
export const DATABASE_URI_CONFIG = "config:databaseUri";

export function shardedTable(name: string, args: Record<string, unknown>, refs: Record<string, string>, purpose: string): ConstructConfig {
    return { construct: "ShardedTable", package: "@pgscale/postgres", name, args, refs, purpose };
}

/** Where the plan's ShardedTable reaches shard `name` (e.g. "s1"): a secret in stack config. */
export const shardUriConfig = (name: string) => `config:${name}Uri`;
