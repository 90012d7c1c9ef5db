// A stack written once for Docker and Kubernetes: only the import names the platform.
// portable-stack.test.ts compiles it against @pgscale/docker and @pgscale/kubernetes (tsconfig.test.json
// maps "@pgscale/platform" to Docker for editors and `tsc`). Every output a stack reads is annotated
// with its shared type, so a rename or a type change on one platform fails to compile.
import * as pulumi from "@pulumi/pulumi";
import { PartitionedTable } from "@pgscale/postgres";
import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "@pgscale/platform";

const dcs = new EtcdCluster("dcs", { members: 3 });
const pg = new PatroniCluster("main", {
    dcs,
    nodes: 3,
    database: "appdb",
    owner: "app",
    patroni: { synchronousMode: true },
    parameters: { max_connections: "200" },
    roles: [{ name: "reporter", poolSize: 5 }, { name: "readers", login: false }],
    databases: [{ name: "reports", owner: "reporter" }],
});
const lb = new HAProxyFrontend("lb", { cluster: pg, maxReplicaLagBytes: 16 * 1024 * 1024 });
const pool = new PgBouncerPool("pool", { backend: lb, poolMode: "transaction", defaultPoolSize: 20 });

// Anything that needs a settled cluster waits for the readiness handle.
new PartitionedTable("events", {
    connection: lb.primaryUri,
    name: "events",
    columns: [{ name: "id", type: "bigint" }, { name: "at", type: "timestamptz", notNull: true }],
    partitionBy: { strategy: "range", columns: ["at"] },
    defaultPartition: true,
}, { dependsOn: [pg.ready, pool] });

export const etcdEndpoints: string[] = dcs.clientEndpoints;

export const members = pg.members.map((m) => {
    const name: string = m.name;
    const host: string = m.host;
    const restUrl: pulumi.Output<string> = m.restUrl;
    const pgPort: pulumi.Output<number> = m.pgPort;
    return { name, host, restUrl, pgPort };
});
const ready: pulumi.Resource = pg.ready;
export const readyUrn: pulumi.Output<string> = ready.urn;
export const tlsCaPem: pulumi.Output<string | undefined> = pg.tlsCaPem;
export const restApiCaPem: pulumi.Output<string | undefined> = pg.restApiCaPem;
export const scope: string = pg.scope;
export const database: string = pg.database;
export const owner: string = pg.owner;
export const ownerPassword: pulumi.Output<string> = pg.ownerPassword;
export const superuserPassword: pulumi.Output<string> = pg.superuserPassword;
export const restApiUser: string = pg.restApiUser;
export const restApiPassword: pulumi.Output<string> = pg.restApiPassword;
export const worstCase: { failover: number; planned: number; dataLoss: number } = {
    failover: pg.worstCaseFailoverSeconds,
    planned: pg.worstCasePlannedSeconds,
    dataLoss: pg.worstCaseDataLossBytes,
};
export const synchronousMode: boolean | "quorum" = pg.resolved.synchronousMode;
// The declared roles and databases: a login role's generated password, its verifier for a pool elsewhere.
export const reporterName: pulumi.Output<string> = pg.roles.reporter.name;
export const reporterPassword: pulumi.Output<string> = pg.roles.reporter.password;
const reporterVerifier: pulumi.Output<string> = pg.roles.reporter.scramVerifier;
export const reportsName: pulumi.Output<string> = pg.databases.reports.name;
export const reporterUser = { role: { name: reporterName, scramVerifier: reporterVerifier }, poolSize: 2 };

export const primaryUri: pulumi.Output<string> = lb.primaryUri;
// The cluster's own role-routed URIs, and a pool straight on the cluster.
export const clusterPrimaryUri: pulumi.Output<string> = pg.primaryUri;
export const clusterReplicaUri: pulumi.Output<string> = pg.replicaUri;
export const directPoolUri: pulumi.Output<string> = new PgBouncerPool("direct", { backend: pg }).uri;
export const replicaUri: pulumi.Output<string> = lb.replicaUri;
export const syncReplicaUri: pulumi.Output<string> | undefined = lb.syncReplicaUri;
export const primaryPort: pulumi.Output<number> = lb.primaryPort;
export const replicaPort: pulumi.Output<number> = lb.replicaPort;
export const syncReplicaPort: pulumi.Output<number> | undefined = lb.syncReplicaPort;
export const statsUrl: pulumi.Output<string> = lb.statsUrl;
export const statsUser: string = lb.statsUser;
export const statsPassword: pulumi.Output<string> = lb.statsPassword;
export const haproxyHost: string = lb.host;
export const checkIntervalMs: number = lb.check.interMs;
export const maxConnections: number = lb.spec.maxConnections;
export const sameCluster: boolean = lb.cluster === pg;

export const poolerUri: pulumi.Output<string> = pool.uri;
export const poolerAdminUri: pulumi.Output<string> = pool.adminUri;
export const poolerPort: pulumi.Output<number> = pool.port;
export const poolMode: string = pool.spec.poolMode;
