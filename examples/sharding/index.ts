import * as pulumi from "@pulumi/pulumi";
import { EtcdCluster, HAPROXY_PORTS, HAProxyFrontend, PatroniCluster, type PatroniClusterArgs } from "@pgscale/docker";
import { Grant, ShardedTable, referenceSlotName } from "@pgscale/postgres";

// Sizes: 3 etcd members, 2 shards (s1, s2) and 2 members per cluster unless set
// (`pulumi config set nodes 1`; `shards 3` adds s3; `shardNodes '{"s1": 2}'` sizes one shard;
// `coordinatorNodes 2` sizes the coordinator).
const config = new pulumi.Config();
const nodes = config.getNumber("nodes") ?? 2;
const shardNodes = config.getObject<Record<string, number>>("shardNodes") ?? {};
const dcs = new EtcdCluster("dcs", { members: config.getNumber("etcdMembers") ?? 3 });
// Every cluster on the dcs's network: the coordinator's members reach each shard's HAProxy by its name.
const cluster = (name: string, members = nodes, extra: Partial<PatroniClusterArgs> = {}) => {
    const pg = new PatroniCluster(name, { dcs, nodes: members, patroni: config.getObject("patroni"), ...extra });
    return { pg, lb: new HAProxyFrontend(`${name}-lb`, { cluster: pg }) };
};
const shardNames = Array.from({ length: config.getNumber("shards") ?? 2 }, (_, i) => `s${i + 1}`);
// The reference tables' slots (one per shard) as Patroni's permanent slots on the coordinator: they
// follow its primary through a failover, and declaring them sets wal_level = logical.
const coordinator = cluster("coord", config.getNumber("coordinatorNodes") ?? nodes, { logicalSlots: shardNames.map((s) => ({ name: referenceSlotName({ schema: "public", name: "orders" }, s) })) });
const shards = shardNames.map((name) => ({ name, ...cluster(`shard-${name}`, shardNodes[name]) }));

// The cluster's superuser through its HAProxy's read-write port (see "Privileges"): postgres_fdw is
// not a trusted extension, and creating each shard's fdw role needs CREATEROLE.
const superuser = ({ pg, lb }: { pg: PatroniCluster; lb: HAProxyFrontend }) =>
    pulumi.secret(pulumi.all([lb.primaryUri, pg.superuserPassword]).apply(([uri, password]) => {
        const url = new URL(uri);
        url.username = "postgres";
        url.password = encodeURIComponent(password);
        return url.toString();
    }));

const orders = new ShardedTable("orders", {
    coordinator: superuser(coordinator),
    shards: shards.map((shard) => ({
        name: shard.name,
        uri: superuser(shard), // how pgscale reaches the shard: 127.0.0.1:<host port>
        // How the coordinator's members reach it: the shard's HAProxy on the shared network.
        fromCoordinator: { host: shard.lb.host, port: HAPROXY_PORTS.primary },
    })),
    name: "orders",
    columns: [
        { name: "customer_id", type: "bigint", notNull: true },
        { name: "id", type: "bigint", notNull: true },
        { name: "total", type: "numeric" },
        { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
        { name: "country", type: "text" },
    ],
    primaryKey: ["customer_id", "id", "created_at"],
    shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 },
    localPartitioning: {
        partitionBy: { strategy: "range", columns: ["created_at"] },
        partitions: [{ name: "2026", from: "2026-01-01", to: "2027-01-01" }],
        defaultPartition: true,
    },
    // Written on the coordinator, copied to every shard: a shard joins its orders with it locally.
    referenceTables: [{
        name: "countries",
        columns: [{ name: "code", type: "text", notNull: true }, { name: "label", type: "text", notNull: true }],
        primaryKey: ["code"],
    }],
    // How the shards' subscriptions reach the coordinator: its HAProxy on the shared network.
    coordinatorFromShards: { host: coordinator.lb.host, port: HAPROXY_PORTS.primary },
});

// The application queries the table on the coordinator as the cluster's owner.
new Grant("orders-app", {
    connection: superuser(coordinator),
    role: coordinator.pg.owner,
    on: "tables", schema: "public", objects: ["orders", "countries"],
    privileges: ["SELECT", "INSERT", "UPDATE", "DELETE"],
}, { dependsOn: [orders] });

export const coordinatorUri = coordinator.lb.primaryUri;
export const shardUris = shards.map(superuser);
// The coordinator's and each shard's members, and the longest a failover may take (Patroni's timings): what to watch.
export const coordinatorCluster = {
    worstCaseFailoverSeconds: coordinator.pg.worstCaseFailoverSeconds,
    members: coordinator.pg.members.map((m) => ({ name: m.name, container: m.container.name, restUrl: m.restUrl })),
};
export const shardClusters = shards.map(({ name, pg }) => ({
    name,
    worstCaseFailoverSeconds: pg.worstCaseFailoverSeconds,
    members: pg.members.map((m) => ({ name: m.name, container: m.container.name, restUrl: m.restUrl })),
}));
