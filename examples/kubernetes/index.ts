// The demo stack (examples/demo) on Kubernetes: the same constructs and arguments, imported from
// @pgscale/kubernetes, plus a few platform options (namespace, volume sizes). The Kubernetes
// provider uses the current kubeconfig context; the default images must be pullable by the
// cluster or imported into its nodes (see DEFAULT_IMAGES).
//
// Config: `namespace` (default pgscale-demo); `dcs: kubernetes` to drop etcd and use Patroni's
// Kubernetes DCS; `tableVia: 127.0.0.1:15432` to create the partitioned table through a port-forward
// of the primary Service (`kubectl -n pgscale-demo port-forward svc/main-primary 15432:5432`), since
// the table's provider runs where `pulumi up` runs, outside the cluster network; `etcdCaGeneration`
// (default 0) raised by one rotates etcd's CA on the next `up`: its members restart one at a time,
// each handing etcd's leadership over first, while Patroni keeps its leader.
import * as pulumi from "@pulumi/pulumi";
import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "@pgscale/kubernetes";
import { PartitionedTable } from "@pgscale/postgres";

const config = new pulumi.Config();
const namespace = config.get("namespace") ?? "pgscale-demo";

const dcs = config.get("dcs") === "kubernetes" ? undefined : new EtcdCluster("dcs", {
    members: 3, namespace, storage: { size: "1Gi" },
    tls: { caGeneration: config.getNumber("etcdCaGeneration") ?? 0 },
});

const pg = new PatroniCluster("main", {
    dcs,
    namespace, // shared with the EtcdCluster when there is one, created otherwise
    nodes: 3, // 1 primary + 2 replicas
    patroni: { ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576, usePgRewind: true, synchronousMode: false },
    parameters: { max_connections: "200", shared_buffers: "256MB" },
    database: "appdb",
    owner: "app",
    storage: { size: "2Gi" },
    // Applications connect through HAProxy and PgBouncer: the members' PostgreSQL admits only
    // pgscale's own paths (each other, HAProxy, PgBouncer, its Jobs), not every pod of the namespace.
    networkPolicy: { clientsFrom: [] },
});

const lb = new HAProxyFrontend("lb", { cluster: pg });

const pool = new PgBouncerPool("pool", {
    backend: lb,
    poolMode: "transaction",
    defaultPoolSize: 20, maxClientConn: 1000, minPoolSize: 5, reservePoolSize: 5, reservePoolTimeout: 3,
    serverIdleTimeout: 600, serverLifetime: 3600, queryTimeout: 300,
});

const tableVia = config.get("tableVia");
if (tableVia) {
    // The playbook's time-series table, as in examples/demo.
    new PartitionedTable("events", {
        // The members require TLS (tls.enabled, the default): sslmode=require encrypts; add
        // sslrootcert with the cluster's tlsCaPem and verify-full to verify as well.
        connection: pulumi.secret(pulumi.interpolate`postgresql://${pg.owner}:${pg.ownerPassword}@${tableVia}/${pg.database}?sslmode=require`),
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
}

// In-cluster URIs (secrets), as on Docker; the Services' port-forward commands reach them from outside.
export const primaryUri = lb.primaryUri;
export const replicaUri = lb.replicaUri;
export const poolerUri = pool.uri;
export const poolerAdminUri = pool.adminUri;
export const haproxyStats = lb.statsUrl;
export const haproxyStatsPassword = lb.statsPassword; // secret; the user is lb.statsUser ("stats")
export const servicePrimaryUri = pg.primaryUri;
export const serviceReplicaUri = pg.replicaUri;
export const portForward = { primary: pg.primary.portForward, replicas: pg.replicas.portForward, pooler: pool.endpoint.portForward };
export const patroniRestUrls = pg.members.map((m) => m.restUrl);
export const worstCaseFailoverSeconds = pg.worstCaseFailoverSeconds;
