import * as fs from "fs";
import * as path from "path";
import { SynchronousMode } from "@pgscale/core";
import { PROJECT } from "./labels";
import { TopologyOutputs } from "./topology";

/** A container of the cluster other than a PostgreSQL member. */
export interface ServiceInfo {
    name: string;
    container: string;
    kind: "etcd" | "haproxy" | "pgbouncer";
}

/** A Patroni member: `name` is also its DNS alias on the cluster network. */
export interface MemberInfo {
    name: string;
    container: string;
    /** Patroni REST API on 127.0.0.1 (https: verify with `ClusterInfo.restApi.ca`). */
    restUrl: string;
}

/**
 * Everything needed to reach and disturb a running cluster, as plain data: it travels to jest
 * workers in PGSCALE_TESTING_CLUSTER, so chaos helpers work there without Pulumi.
 */
export interface ClusterInfo {
    kind: "cluster" | "postgres";
    project: string;
    stackName: string;
    /** The cluster's state directory (Pulumi backend, workspace); removed by destroy(). */
    stateDir: string;
    network: string;
    /** Patroni synchronous mode (true or "quorum"): only a synchronous (or quorum) standby may be promoted. */
    synchronousMode: SynchronousMode;
    database: string;
    owner: string;
    primaryUri: string;
    replicaUri?: string;
    syncReplicaUri?: string;
    poolerUri?: string;
    /** The superuser on the `postgres` database, through the same endpoint as primaryUri. */
    superuserUri: string;
    /**
     * The CA (PEM) of the members' and the pool's PostgreSQL certificates, and the file holding it.
     * TLS is required, and the URIs verify it: `sslmode=verify-full&sslrootcert=<caFile>`, which
     * psql, node-postgres and every libpq client read alike (the certificates name 127.0.0.1).
     */
    tls?: { ca: string; caFile: string };
    /** The REST API's credentials, and the CA (PEM) its HTTPS certificates chain to. */
    restApi: { username: string; password: string; ca?: string };
    members: MemberInfo[];
    services: ServiceInfo[];
    /**
     * A cluster kept for reuse: its reuse key and the database slot this process holds (slot 1 is
     * the cluster's own database, slot n its `<database>_<n>`); absent for a cluster of one run.
     */
    reuse?: { key: string; slot: number };
}

/**
 * `uri` verifying the server against `caFile`: a test's client then connects as it is, whatever it
 * is (node-postgres reads `sslmode=require` as verify-full against the system's CAs, which fails).
 */
export function verifiedUri(uri: string, caFile: string): string {
    const u = new URL(uri);
    u.searchParams.set("sslmode", "verify-full");
    u.searchParams.set("sslrootcert", caFile);
    return u.toString();
}

export function clusterInfo(
    kind: ClusterInfo["kind"], stackName: string, stateDir: string, synchronousMode: SynchronousMode, database: string, owner: string, out: TopologyOutputs,
): ClusterInfo {
    // The CA beside the cluster's state, where every process of the run (jest workers too) finds it.
    const caFile = path.join(stateDir, "postgres-ca.pem");
    if (out.tlsCaPem) fs.writeFileSync(caFile, out.tlsCaPem, { mode: 0o644 });
    const v = (uri: string) => (out.tlsCaPem ? verifiedUri(uri, caFile) : uri);
    return {
        kind, project: PROJECT, stackName, stateDir, network: out.network, synchronousMode, database, owner,
        primaryUri: v(out.primaryUri),
        ...(out.replicaUri ? { replicaUri: v(out.replicaUri) } : {}),
        ...(out.syncReplicaUri ? { syncReplicaUri: v(out.syncReplicaUri) } : {}),
        ...(out.poolerUri ? { poolerUri: v(out.poolerUri) } : {}),
        superuserUri: v(`postgresql://postgres:${encodeURIComponent(out.superuserPassword)}@${out.primaryEndpoint}/postgres`),
        ...(out.tlsCaPem ? { tls: { ca: out.tlsCaPem, caFile } } : {}),
        restApi: { username: out.restApiUser, password: out.restApiPassword, ...(out.restApiCaPem ? { ca: out.restApiCaPem } : {}) },
        members: out.members,
        services: out.services,
    };
}

/** The environment variables a cluster is published through (jest globalSetup, `pgscale-testing start`). */
export const ENV = {
    primaryUri: "PGSCALE_PRIMARY_URI",
    replicaUri: "PGSCALE_REPLICA_URI",
    syncReplicaUri: "PGSCALE_SYNC_REPLICA_URI",
    poolerUri: "PGSCALE_POOLER_URI",
    superuserUri: "PGSCALE_SUPERUSER_URI",
    /** The whole ClusterInfo as JSON, for clusterFromEnv(). */
    cluster: "PGSCALE_TESTING_CLUSTER",
} as const;

export function clusterEnv(info: ClusterInfo): Record<string, string> {
    const env: Record<string, string> = {
        [ENV.primaryUri]: info.primaryUri,
        [ENV.superuserUri]: info.superuserUri,
        [ENV.cluster]: JSON.stringify(info),
    };
    if (info.replicaUri) env[ENV.replicaUri] = info.replicaUri;
    if (info.syncReplicaUri) env[ENV.syncReplicaUri] = info.syncReplicaUri;
    if (info.poolerUri) env[ENV.poolerUri] = info.poolerUri;
    return env;
}

export function clusterInfoFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterInfo {
    const text = env[ENV.cluster];
    if (!text) throw new Error(`${ENV.cluster} is not set: start the cluster with jestGlobalSetup() (or pgscale-testing start) first`);
    return JSON.parse(text) as ClusterInfo;
}
