// Resolves every output of the shared API (@pgscale/core construct-outputs) of one topology, so the
// Docker and Kubernetes construct-graph tests assert the same names on each platform's values.
import type {
    Eventual, EtcdClusterOutputs, HAProxyFrontendOutputs, PatroniClusterOutputs, PgBouncerPoolOutputs,
} from "@pgscale/core";

export interface SharedTopology {
    dcs: EtcdClusterOutputs;
    pg: PatroniClusterOutputs;
    lb: HAProxyFrontendOutputs;
    pool: PgBouncerPoolOutputs;
}

const value = <T>(e: Eventual<T>): Promise<T> => new Promise((resolve) => { e.apply(resolve); });
const optional = <T>(e: Eventual<T> | undefined): Promise<T | undefined> => (e ? value(e) : Promise.resolve(undefined));

export async function resolveSharedOutputs({ dcs, pg, lb, pool }: SharedTopology) {
    return {
        etcd: {
            clientEndpoints: dcs.clientEndpoints,
            tlsCaPem: await value(dcs.tlsCaPem),
            rootPassword: await value(dcs.rootPassword),
            readyUrns: await Promise.all(dcs.ready.map((r) => value(r.urn))),
        },
        patroni: {
            members: await Promise.all(pg.members.map(async (m) => ({
                name: m.name, host: m.host, restUrl: await value(m.restUrl), pgPort: await value(m.pgPort),
            }))),
            readyUrn: await value(pg.ready.urn),
            tlsCaPem: await value(pg.tlsCaPem),
            ownerPassword: await value(pg.ownerPassword),
            superuserPassword: await value(pg.superuserPassword),
            restApiPassword: await value(pg.restApiPassword),
        },
        haproxy: {
            host: lb.host,
            primaryPort: await value(lb.primaryPort),
            replicaPort: await value(lb.replicaPort),
            syncReplicaPort: await optional(lb.syncReplicaPort),
            statsUrl: await value(lb.statsUrl),
            primaryUri: await value(lb.primaryUri),
            replicaUri: await value(lb.replicaUri),
            syncReplicaUri: await optional(lb.syncReplicaUri),
        },
        pgbouncer: {
            port: await value(pool.port),
            uri: await value(pool.uri),
            adminUri: await value(pool.adminUri),
        },
    };
}
