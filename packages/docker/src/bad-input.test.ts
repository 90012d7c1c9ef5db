import * as pulumi from "@pulumi/pulumi";
import { PgscaleValidationError } from "@pgscale/core";
import type { PartitionedTableInput } from "@pgscale/core";
import { generatedSecretState, generatedTlsState } from "../../../test/support/postgres-stubs";
import { BadInputCase, expectRejectedBeforeRegistration, settledCount } from "../../../test/support/bad-input";

// The bad-input table: each invalid configuration must throw a PgscaleValidationError that names
// the offending field, and nothing at all may be registered with the engine (no component, no
// child). Upstream constructs a case needs are built first and the registration count settles
// before the bad construct is attempted.

// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
const registered: string[] = [];
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push(`${args.type}::${args.name}`);
            const state: any = { ...args.inputs };
            if (args.type === "docker:index/container:Container") {
                state.ports = (args.inputs.ports ?? []).map((p: any) => ({ ...p, external: p.external ?? 40000 }));
            }
            if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
            if (args.type.includes("GeneratedSecret")) Object.assign(state, generatedSecretState(args.name));
            if (args.type.includes("GeneratedTls")) Object.assign(state, generatedTlsState(args.name, args.inputs.servers));
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "pgscale",
    "unit",
);

// The construct-graph stubs, except PartitionedTable: its validation runs before any
// serialization, so the real class is safe here and is what the table must exercise.
jest.mock("@pgscale/postgres", () => ({
    ...jest.requireActual("../../../test/support/postgres-stubs"),
    PartitionedTable: jest.requireActual("@pgscale/postgres").PartitionedTable,
}));
// @pgscale/docker's own dynamic resources (rolling gates, HAProxy reload) are replaced likewise.
jest.mock("./rolling/rollout", () => require("../../../test/support/postgres-stubs"));
jest.mock("./haproxy-reload/config-reload", () => require("../../../test/support/postgres-stubs"));
jest.mock("./tls-delivery/cert-delivery", () => require("../../../test/support/postgres-stubs"));
jest.mock("./etcd-auth", () => require("../../../test/support/postgres-stubs"));
jest.mock("./engine/preflight", () => require("../../../test/support/postgres-stubs"));

import { PartitionedTable } from "@pgscale/postgres";
const { GeneratedSecret: RealGeneratedSecret } = jest.requireActual("@pgscale/postgres") as typeof import("@pgscale/postgres");
import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool, StreamingReplica } from "./index";


let seq = 0;
const uniq = (prefix: string) => `${prefix}${++seq}`;
const quiesce = () => settledCount(registered);

const dcs = () => new EtcdCluster(uniq("dcs"), { members: 3 });
const cluster = (args: Partial<ConstructorParameters<typeof PatroniCluster>[1]> = {}) =>
    new PatroniCluster(uniq("pg"), { dcs: dcs(), nodes: 2, ...args });
const frontend = (clusterArgs: Partial<ConstructorParameters<typeof PatroniCluster>[1]> = {}) =>
    new HAProxyFrontend(uniq("lb"), { cluster: cluster(clusterArgs) });
const CONNECTION = "postgresql://app:not-a-real-password@127.0.0.1:5432/app";
const replicaArgs = { primaryHost: "primary", primaryAdminUri: CONNECTION };
const table = (): PartitionedTableInput => ({
    name: "events",
    columns: [
        { name: "id", type: "bigint" },
        { name: "created_at", type: "timestamptz", notNull: true },
        { name: "region", type: "text" },
    ],
    primaryKey: ["id", "created_at"],
    partitionBy: { strategy: "range", columns: ["created_at"] },
    partitions: [
        { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
        { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
    ],
});
const partitioned = (override: Record<string, unknown>) =>
    new PartitionedTable(uniq("bad-table"), { ...table(), ...override, connection: CONNECTION } as any);

/** [construct, what is wrong, upstream constructs the case needs, the bad construct, field named]. */
const none = () => undefined;
const bad = () => uniq("bad");

const cases: BadInputCase[] = [
    // EtcdCluster
    ["EtcdCluster", "no members", none, () => new EtcdCluster(bad(), { members: 0 }), "members"],
    ["EtcdCluster", "more than 9 members", none, () => new EtcdCluster(bad(), { members: 11 }), "members"],
    ["EtcdCluster", "fractional member count", none, () => new EtcdCluster(bad(), { members: 2.5 }), "members"],
    ["EtcdCluster", "client port out of range", none, () => new EtcdCluster(bad(), { clientPort: 70000 }), "clientPort"],
    ["EtcdCluster", "empty image", none, () => new EtcdCluster(bad(), { image: "" }), "image"],
    ["EtcdCluster", "untagged image (:latest)", none, () => new EtcdCluster(bad(), { image: "registry.example.com/etcd" }), "image"],
    ["EtcdCluster", "unknown images option", none, () => new EtcdCluster(bad(), { images: { registry: "registry.example.com/t", tag: "1", pull: "always" } as any }), "images.pull"],
    ["EtcdCluster", "images registry without a tag", none, () => new EtcdCluster(bad(), { images: { registry: "registry.example.com/team" } }), "images.tag"],
    ["EtcdCluster", "images registry carrying a tag", none, () => new EtcdCluster(bad(), { images: { registry: "registry.example.com/team/etcd:1", tag: "1" } }), "images.registry"],
    ["EtcdCluster", "misspelt option", none, () => new EtcdCluster(bad(), { member: 3 } as any), "member"],
    ["EtcdCluster", "name not a DNS label", none, () => new EtcdCluster("Bad_DCS"), "(name)"],

    // PatroniCluster
    ["PatroniCluster", "images registry without a tag", dcs, (d) => new PatroniCluster(bad(), { dcs: d, images: { registry: "registry.example.com/team" } }), "images.tag"],
    ["PatroniCluster", "no nodes", dcs, (d) => new PatroniCluster(bad(), { dcs: d, nodes: 0 }), "nodes"],
    ["PatroniCluster", "more than 9 nodes", dcs, (d) => new PatroniCluster(bad(), { dcs: d, nodes: 12 }), "nodes"],
    ["PatroniCluster", "ttl below Patroni's minimum 20", dcs, (d) => new PatroniCluster(bad(), { dcs: d, patroni: { ttl: 10, loopWait: 1, retryTimeout: 3 } }), "patroni.ttl"],
    ["PatroniCluster", "loopWait below 1", dcs, (d) => new PatroniCluster(bad(), { dcs: d, patroni: { loopWait: 0 } }), "patroni.loopWait"],
    ["PatroniCluster", "retryTimeout below 3", dcs, (d) => new PatroniCluster(bad(), { dcs: d, patroni: { retryTimeout: 2 } }), "patroni.retryTimeout"],
    ["PatroniCluster", "loopWait + 2*retryTimeout > ttl", dcs, (d) => new PatroniCluster(bad(), { dcs: d, patroni: { ttl: 25, loopWait: 10, retryTimeout: 10 } }), "patroni.ttl"],
    ["PatroniCluster", "negative maximumLagOnFailover", dcs, (d) => new PatroniCluster(bad(), { dcs: d, patroni: { maximumLagOnFailover: -1 } }), "patroni.maximumLagOnFailover"],
    ["PatroniCluster", "misspelt timing", dcs, (d) => new PatroniCluster(bad(), { dcs: d, patroni: { tll: 30 } as any }), "patroni.tll"],
    ["PatroniCluster", "strict synchronous mode without synchronous mode", dcs, (d) => new PatroniCluster(bad(), { dcs: d, patroni: { synchronousModeStrict: true } }), "patroni.synchronousModeStrict"],
    ["PatroniCluster", "strict synchronous mode on one node", dcs, (d) => new PatroniCluster(bad(), { dcs: d, nodes: 1, patroni: { synchronousMode: true, synchronousModeStrict: true } }), "patroni.synchronousModeStrict"],
    ["PatroniCluster", "more synchronous standbys than replicas", dcs, (d) => new PatroniCluster(bad(), { dcs: d, nodes: 3, patroni: { synchronousMode: true, synchronousNodeCount: 3 } }), "patroni.synchronousNodeCount"],
    ["PatroniCluster", "RTO below what Patroni can meet", dcs, (d) => new PatroniCluster(bad(), { dcs: d, objectives: { rtoSeconds: 10, rpoBytes: 0 } }), "objectives.rtoSeconds"],
    ["PatroniCluster", "negative RPO", dcs, (d) => new PatroniCluster(bad(), { dcs: d, objectives: { rtoSeconds: 60, rpoBytes: -1 } }), "objectives.rpoBytes"],
    ["PatroniCluster", "more node tags than nodes", dcs, (d) => new PatroniCluster(bad(), { dcs: d, nodes: 1, nodeTags: [{}, {}] }), "nodeTags"],
    ["PatroniCluster", "no failover candidate", dcs, (d) => new PatroniCluster(bad(), { dcs: d, nodes: 2, nodeTags: [{ nofailover: true }, { nofailover: true }] }), "nodeTags"],
    ["PatroniCluster", "Patroni-owned parameter", dcs, (d) => new PatroniCluster(bad(), { dcs: d, parameters: { listen_addresses: "*" } }), "parameters.listen_addresses"],
    ["PatroniCluster", "upper-case parameter name", dcs, (d) => new PatroniCluster(bad(), { dcs: d, parameters: { Work_Mem: "4MB" } }), "parameters.Work_Mem"],
    // PodMonitor objects are prometheus-operator's, on Kubernetes only.
    ["PatroniCluster", "a PodMonitor (Kubernetes only)", dcs, (d) => new PatroniCluster(bad(), { dcs: d, monitoring: { enabled: true, podMonitor: true } }), "monitoring.podMonitor"],
    ["PatroniCluster", "weaker password_encryption", dcs, (d) => new PatroniCluster(bad(), { dcs: d, parameters: { password_encryption: "md5" } }), "parameters.password_encryption"],
    ["PatroniCluster", "max_connections not a number", dcs, (d) => new PatroniCluster(bad(), { dcs: d, parameters: { max_connections: "lots" } }), "parameters.max_connections"],
    ["PatroniCluster", "wal_log_hints off with pg_rewind", dcs, (d) => new PatroniCluster(bad(), { dcs: d, parameters: { wal_log_hints: false } }), "parameters.wal_log_hints"],
    ["PatroniCluster", "trust on a TCP pg_hba line", dcs, (d) => new PatroniCluster(bad(), { dcs: d, pgHba: ["host all all 10.0.0.0/8 trust"] }), "pgHba[0]"],
    ["PatroniCluster", "md5 pg_hba line", dcs, (d) => new PatroniCluster(bad(), { dcs: d, pgHba: ["host all all 10.0.0.0/8 scram-sha-256", "hostssl all all all md5"] }), "pgHba[1]"],
    ["PatroniCluster", "plain password pg_hba line", dcs, (d) => new PatroniCluster(bad(), { dcs: d, pgHba: ["host all all all password"] }), "pgHba[0]"],
    ["PatroniCluster", "multi-line pg_hba entry", dcs, (d) => new PatroniCluster(bad(), { dcs: d, pgHba: ["host all all all reject\nhost all all all trust"] }), "pgHba[0]"],
    ["PatroniCluster", "tls.lifetimeDays of 0", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { lifetimeDays: 0 } }), "tls.lifetimeDays"],
    ["PatroniCluster", "tls.lifetimeDays past 825 (what clients accept)", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { lifetimeDays: 826 } }), "tls.lifetimeDays"],
    ["PatroniCluster", "tls.lifetimeDays not a whole number", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { lifetimeDays: 1.5 } }), "tls.lifetimeDays"],
    ["PatroniCluster", "tls.lifetimeDays with tls.enabled false", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { enabled: false, lifetimeDays: 90 } }), "tls.lifetimeDays"],
    ["PatroniCluster", "tls.renewBeforeFraction of 1 (renew when the whole lifetime is left: always)", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { renewBeforeFraction: 1 } }), "tls.renewBeforeFraction"],
    ["PatroniCluster", "tls.renewBeforeFraction above 1", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { renewBeforeFraction: 1.5 } }), "tls.renewBeforeFraction"],
    ["PatroniCluster", "tls.renewBeforeFraction of 0 (never renew)", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { renewBeforeFraction: 0 } }), "tls.renewBeforeFraction"],
    ["EtcdCluster", "tls.renewBeforeFraction of 1", none, () => new EtcdCluster(bad(), { tls: { renewBeforeFraction: 1 } }), "tls.renewBeforeFraction"],
    ["EtcdCluster", "tls.caGeneration with tls.enabled false", none, () => new EtcdCluster(bad(), { tls: { enabled: false, caGeneration: 1 } }), "tls.caGeneration"],
    ["PatroniCluster", "tls.caGeneration negative", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { caGeneration: -1 } }), "tls.caGeneration"],
    ["PatroniCluster", "tls.caGeneration not a whole number", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { caGeneration: 1.5 } }), "tls.caGeneration"],
    ["PatroniCluster", "tls.renewBeforeFraction negative", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { renewBeforeFraction: -0.1 } }), "tls.renewBeforeFraction"],
    ["PatroniCluster", "tls.renewBeforeFraction with tls.enabled false", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { enabled: false, renewBeforeFraction: 0.5 } }), "tls.renewBeforeFraction"],
    ["PatroniCluster", "an unknown tls option (a CA of the user's own is not supported)", dcs, (d) => new PatroniCluster(bad(), { dcs: d, tls: { caPem: "x" } as never }), "tls.caPem"],
    ["PatroniCluster", "database not an identifier", dcs, (d) => new PatroniCluster(bad(), { dcs: d, database: "App-DB" }), "database"],
    ["PatroniCluster", "database that already exists", dcs, (d) => new PatroniCluster(bad(), { dcs: d, database: "postgres" }), "database"],
    ["PatroniCluster", "owner is the superuser", dcs, (d) => new PatroniCluster(bad(), { dcs: d, owner: "postgres" }), "owner"],
    ["PatroniCluster", "owner is the replication role", dcs, (d) => new PatroniCluster(bad(), { dcs: d, owner: "replicator" }), "owner"],
    ["PatroniCluster", "owner in PostgreSQL's reserved pg_ namespace", dcs, (d) => new PatroniCluster(bad(), { dcs: d, owner: "pg_app" }), "owner"],
    ["PatroniCluster", "scope not a DNS label", dcs, (d) => new PatroniCluster(bad(), { dcs: d, scope: "Main_Cluster" }), "scope"],
    ["PatroniCluster", "shared memory below 64 MB", dcs, (d) => new PatroniCluster(bad(), { dcs: d, shmSizeMb: 32 }), "shmSizeMb"],
    ["PatroniCluster", "dcs of the wrong kind", none, () => new PatroniCluster(bad(), { dcs: {} as any }), "dcs"],
    ["PatroniCluster", "backup retention of 0 full backups", dcs, (d) => new PatroniCluster(bad(), { dcs: d, backup: { retention: { full: 0 } } }), "backup.retention.full"],
    ["PatroniCluster", "backup schedule that does not parse", dcs, (d) => new PatroniCluster(bad(), { dcs: d, backup: { schedule: { full: "daily" } } }), "backup.schedule.full"],
    ["PatroniCluster", "restore drill schedule that does not parse", dcs, (d) => new PatroniCluster(bad(), { dcs: d, backup: { drill: { schedule: "nightly" } } }), "backup.drill.schedule"],
    ["PatroniCluster", "restore target time in the future", dcs, (d) => new PatroniCluster(bad(), {
        dcs: d, nodes: 1, bootstrap: { fromBackup: { repository: { volume: "repo" }, stanza: "pg", passphrase: "a-passphrase-of-some-length", target: { time: "2999-01-01T00:00:00Z" } } },
    }), "bootstrap.fromBackup.target.time"],

    // HAProxyFrontend
    ["HAProxyFrontend", "two listeners on one port", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, primaryPort: 6000, statsPort: 6000 }), "statsPort"],
    ["HAProxyFrontend", "sync listener without synchronous mode", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, syncReplicaPort: 6002 }), "syncReplicaPort"],
    ["HAProxyFrontend", "a PodMonitor, even false (Kubernetes only)", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, monitoring: { podMonitor: false } }), "monitoring.podMonitor"],
    ["HAProxyFrontend", "port 0", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, primaryPort: 0 }), "primaryPort"],
    ["HAProxyFrontend", "port above 65535", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, replicaPort: 65536 }), "replicaPort"],
    ["HAProxyFrontend", "bind address not an IP", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, bindAddress: "my laptop" }), "bindAddress"],
    ["HAProxyFrontend", "check interval below 100 ms", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, check: { interMs: 50 } }), "check.interMs"],
    ["HAProxyFrontend", "check fall 0", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, check: { fall: 0 } }), "check.fall"],
    ["HAProxyFrontend", "no connections allowed", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, maxConnections: 0 }), "maxConnections"],
    ["HAProxyFrontend", "negative lag bound", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, maxReplicaLagBytes: -5 }), "maxReplicaLagBytes"],
    ["HAProxyFrontend", "cluster of the wrong kind", none, () => new HAProxyFrontend(bad(), { cluster: {} as any }), "cluster"],

    // PgBouncerPool
    ["PgBouncerPool", "unknown pool mode", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, poolMode: "sessions" as any }), "poolMode"],
    ["PgBouncerPool", "min pool above default pool", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, defaultPoolSize: 10, minPoolSize: 11 }), "minPoolSize"],
    ["PgBouncerPool", "PodMonitor labels (Kubernetes only)", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, monitoring: { enabled: true, podMonitor: true, podMonitorLabels: { release: "kps" } } }), "monitoring.podMonitorLabels"],
    ["PgBouncerPool", "pool above max client connections", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, defaultPoolSize: 50, maxClientConn: 40 }), "defaultPoolSize"],
    ["PgBouncerPool", "pool + reserve above max_connections", () => frontend({ parameters: { max_connections: 50 } }), (lb) => new PgBouncerPool(bad(), { backend: lb, defaultPoolSize: 40, reservePoolSize: 10 }), "defaultPoolSize"],
    ["PgBouncerPool", "pool above HAProxy's connection limit", () => new HAProxyFrontend(uniq("lb"), { cluster: cluster(), maxConnections: 10 }), (lb) => new PgBouncerPool(bad(), { backend: lb, defaultPoolSize: 20 }), "defaultPoolSize"],
    ["PgBouncerPool", "port out of range", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, port: 99999 }), "port"],
    ["PgBouncerPool", "unknown target", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, target: "standby" as any }), "target"],
    ["PgBouncerPool", "stats period 0", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, statsPeriod: 0 }), "statsPeriod"],
    ["PgBouncerPool", "empty bind address", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, bindAddress: "" }), "bindAddress"],
    ["PgBouncerPool", "config injection through a startup parameter", frontend, (lb) => new PgBouncerPool(bad(), { backend: lb, ignoreStartupParameters: ["extra_float_digits\nauth_type = trust"] }), "ignoreStartupParameters[0]"],
    ["PgBouncerPool", "backend of the wrong kind", none, () => new PgBouncerPool(bad(), { backend: {} as any }), "backend"],

    // StreamingReplica
    ["StreamingReplica", "slot name not an identifier", none, () => new StreamingReplica(bad(), { ...replicaArgs, slotName: "Bad-Slot" }), "slotName"],
    ["StreamingReplica", "replication user not an identifier", none, () => new StreamingReplica(bad(), { ...replicaArgs, replicationUser: "repl user" }), "replicationUser"],
    ["StreamingReplica", "port out of range", none, () => new StreamingReplica(bad(), { ...replicaArgs, port: 70000 }), "port"],
    ["StreamingReplica", "primary port out of range", none, () => new StreamingReplica(bad(), { ...replicaArgs, primaryPort: 0 }), "primaryPort"],
    ["StreamingReplica", "empty primary host", none, () => new StreamingReplica(bad(), { ...replicaArgs, primaryHost: "" }), "primaryHost"],
    ["StreamingReplica", "misspelt option", none, () => new StreamingReplica(bad(), { ...replicaArgs, slot: "x" } as any), "slot"],

    // PartitionedTable
    // GeneratedSecret (every generated password)
    ["GeneratedSecret", "password shorter than 16", none, () => new RealGeneratedSecret(bad(), { length: 8 }), "length"],

    ["PartitionedTable", "primary key without the partition column", none, () => partitioned({ primaryKey: ["id"] }), "primaryKey"],
    ["PartitionedTable", "overlapping range partitions", none, () => partitioned({ partitions: [
        { name: "events_a", from: "2024-01-01", to: "2024-05-01" },
        { name: "events_b", from: "2024-04-01", to: "2024-07-01" }] }), "partitions[1]"],
    ["PartitionedTable", "empty range (from >= to)", none, () => partitioned({ partitions: [{ name: "events_a", from: "2024-04-01", to: "2024-01-01" }] }), "partitions[0]"],
    ["PartitionedTable", "list partitioning on two columns", none, () => partitioned({ partitionBy: { strategy: "list", columns: ["region", "id"] }, partitions: [] }), "partitionBy.columns"],
    ["PartitionedTable", "list value in two partitions", none, () => partitioned({ primaryKey: undefined, partitionBy: { strategy: "list", columns: ["region"] }, partitions: [
        { name: "events_eu", values: ["eu", "uk"] }, { name: "events_uk", values: ["uk"] }] }), "partitions[1].values[0]"],
    ["PartitionedTable", "hash remainder not below modulus", none, () => partitioned({ primaryKey: undefined, partitionBy: { strategy: "hash", columns: ["id"] }, partitions: [
        { name: "events_h", modulus: 4, remainder: 4 }] }), "partitions[0].remainder"],
    ["PartitionedTable", "unknown strategy", none, () => partitioned({ partitionBy: { strategy: "interval", columns: ["created_at"] } }), "partitionBy.strategy"],
    ["PartitionedTable", "partition key not a column", none, () => partitioned({ primaryKey: undefined, partitionBy: { strategy: "range", columns: ["day"] }, partitions: [] }), "partitionBy.columns[0]"],
    ["PartitionedTable", "rolling interval not an interval", none, () => partitioned({ partitions: [], rolling: { interval: "fortnightly" } }), "rolling.interval"],
    ["PartitionedTable", "cron schedule not five fields", none, () => partitioned({ partitions: [], maintenance: { engine: "pg_partman", interval: "1 month", schedule: "hourly" } }), "maintenance.schedule"],
    ["PartitionedTable", "duplicate column", none, () => partitioned({ columns: [...table().columns, { name: "id", type: "int" }] }), "columns[3].name"],
];

describe("bad input is rejected before any resource is registered", () => {
    it("covers every Docker construct and PartitionedTable with at least 40 cases", () => {
        expect(cases.length).toBeGreaterThanOrEqual(40);
        expect(new Set(cases.map((c) => c[0]))).toEqual(new Set(["EtcdCluster", "PatroniCluster", "HAProxyFrontend", "PgBouncerPool", "StreamingReplica", "GeneratedSecret", "PartitionedTable"]));
    });

    it.each(cases)("%s: %s", (_construct, _what, given, make, field) => expectRejectedBeforeRegistration(registered, given, make, field));

    // The same harness sees registrations, so the table above can fail.
    it("registers resources for valid input (control)", async () => {
        const before = await quiesce();
        const lb = frontend();
        new PgBouncerPool(uniq("pool"), { backend: lb });
        new StreamingReplica(uniq("replica"), replicaArgs);
        partitioned({});
        const after = await quiesce();
        expect(after - before).toBeGreaterThan(10);
        expect(registered.slice(before).some((r) => r.startsWith("pulumi-nodejs:dynamic/pgscale:PartitionedTable::bad-table"))).toBe(true);
    });
});
