// The demo stack: the topology every Patroni guide draws, on the local Docker engine.
// `npm run demo` runs it; see README.md.
import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "@pgscale/docker";
import { PartitionedTable } from "@pgscale/postgres";

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

// The playbook's time-series table: quarterly range partitions, a default partition for
// overflow, and indexes declared once on the parent. Runs through the primary endpoint.
new PartitionedTable("events", {
    connection: lb.primaryUri,
    schema: "public",
    name: "events",
    columns: [
        { name: "id", type: "bigint", identity: "always" },
        { name: "event_type", type: "text", notNull: true },
        { name: "data", type: "jsonb" },
        { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
    ],
    primaryKey: ["id", "created_at"],
    partitionBy: { strategy: "range", columns: ["created_at"] },
    partitions: [
        { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
        { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
        { name: "events_2024_q3", from: "2024-07-01", to: "2024-10-01" },
        { name: "events_2024_q4", from: "2024-10-01", to: "2025-01-01" },
    ],
    defaultPartition: true,
    indexes: [{ columns: ["created_at"] }, { columns: ["event_type"] }],
}, { dependsOn: [pg] });

export const primaryUri = lb.primaryUri;
export const replicaUri = lb.replicaUri;
export const poolerUri = pool.uri;
export const poolerAdminUri = pool.adminUri;
export const haproxyStats = lb.statsUrl;
export const haproxyStatsPassword = lb.statsPassword; // secret; the user is lb.statsUser ("stats")
export const patroniRestUrls = pg.members.map((m) => m.restUrl);
// For `pgscale switchover --password-env`: POST /switchover needs the REST API's credentials (user patroni).
export const restApiPassword = pg.restApiPassword;
/** The CA the members' HTTPS REST API certificates chain to: `pgscale status --patroni-ca`. */
export const restApiCaPem = pg.restApiCaPem;
export const worstCaseFailoverSeconds = pg.worstCaseFailoverSeconds;
