// The demo stack: the topology every Patroni guide draws, on the local Docker engine.
// `npm run demo` runs it; see README.md.
import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "@pgscale/docker";

const dcs = new EtcdCluster("dcs", { members: 3 });

const pg = new PatroniCluster("main", {
    dcs,
    nodes: 3, // 1 primary + 2 replicas
    patroni: { ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576, usePgRewind: true, synchronousMode: false },
    parameters: { max_connections: "200", shared_buffers: "256MB" },
    database: "appdb",
    owner: "app",
});

const lb = new HAProxyFrontend("lb", { cluster: pg });

const pool = new PgBouncerPool("pool", {
    backend: lb,
    poolMode: "transaction",
    defaultPoolSize: 20, maxClientConn: 1000, minPoolSize: 5, reservePoolSize: 5, reservePoolTimeout: 3,
    serverIdleTimeout: 600, serverLifetime: 3600, queryTimeout: 300,
});

export const primaryUri = lb.primaryUri;
export const replicaUri = lb.replicaUri;
export const poolerUri = pool.uri;
export const poolerAdminUri = pool.adminUri;
export const haproxyStats = lb.statsUrl;
export const patroniRestUrls = pg.members.map((m) => m.restUrl);
export const worstCaseFailoverSeconds = pg.worstCaseFailoverSeconds;
