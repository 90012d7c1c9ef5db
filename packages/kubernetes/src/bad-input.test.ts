import { installKubernetesMocks } from "../../../test/support/kubernetes-mocks";
import { BadInputCase, expectRejectedBeforeRegistration, settledCount } from "../../../test/support/bad-input";

// The Kubernetes half of the bad-input table (the Docker constructs and PartitionedTable are in
// packages/docker/src/bad-input.test.ts): options only Kubernetes has, rules that differ here
// (pods multiply pool sizes, Docker host options are refused), and the shared spec's rules as the
// Kubernetes constructs apply them. Each case must name the field and register nothing.

const registered: string[] = [];
installKubernetesMocks((args) => registered.push(`${args.type}::${args.name}`));

jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import * as k8s from "@pulumi/kubernetes";
import { Alertmanager, EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool, Prometheus, RestoreDrill } from "./index";


let seq = 0;
const uniq = (prefix: string) => `${prefix}${++seq}`;
const quiesce = () => settledCount(registered);

const cluster = (args: Record<string, unknown> = {}) => new PatroniCluster(uniq("pg"), { nodes: 2, ...args });
const bad = () => uniq("bad");
const S3 = { endpoint: "seaweed.db.svc:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "secret-key" };
const backedUp = (args: Record<string, unknown> = {}, opts?: object) => new PatroniCluster(uniq("pg"), { nodes: 1, backup: { repository: { s3: S3 } }, ...args }, opts);
const none = () => undefined;

const cases: BadInputCase[] = [
    ["EtcdCluster", "namespace not a DNS-1123 label", none, () => new EtcdCluster(bad(), { namespace: "My NS" }), "namespace"],
    ["EtcdCluster", "storage size not a quantity", none, () => new EtcdCluster(bad(), { storage: { size: "lots" } }), "storage.size"],
    ["EtcdCluster", "even quorum below one", none, () => new EtcdCluster(bad(), { members: 0 }), "members"],
    ["EtcdCluster", "construct name not a DNS label", none, () => new EtcdCluster("Etcd_Main"), "(name)"],
    ["EtcdCluster", "tls not a boolean", none, () => new EtcdCluster(bad(), { tls: "yes" as any }), "tls"],
    ["EtcdCluster", "a renewal fraction of 1 (never before expiry)", none, () => new EtcdCluster(bad(), { tls: { renewBeforeFraction: 1 } }), "tls.renewBeforeFraction"],
    ["EtcdCluster", "tls.caGeneration with tls.enabled false", none, () => new EtcdCluster(bad(), { tls: { enabled: false, caGeneration: 1 } }), "tls.caGeneration"],
    ["EtcdCluster", "auth not a boolean", none, () => new EtcdCluster(bad(), { auth: 1 as any }), "auth"],
    ["PatroniCluster", "pod running as root", none, () => new PatroniCluster(bad(), { podSecurity: { runAsUser: 0 } }), "podSecurity.runAsUser"],
    ["PatroniCluster", "unknown anti-affinity mode", none, () => new PatroniCluster(bad(), { antiAffinity: "sometimes" as any }), "antiAffinity"],
    ["PatroniCluster", "unknown Service type", none, () => new PatroniCluster(bad(), { serviceType: "External" as any }), "serviceType"],
    ["PatroniCluster", "resource limit not a quantity", none, () => new PatroniCluster(bad(), { resources: { limits: { memory: "2 gigs" } } }), "resources.limits.memory"],
    ["PatroniCluster", "toleration with an unknown effect", none, () => new PatroniCluster(bad(), { tolerations: [{ key: "db", effect: "Sometimes" as any }] }), "tolerations[0].effect"],
    ["PatroniCluster", "images registry without a tag", none, () => new PatroniCluster(bad(), { images: { registry: "registry.example.com/team" } }), "images.tag"],
    ["PatroniCluster", "untagged image (:latest)", none, () => new PatroniCluster(bad(), { image: "registry.example.com/patroni" }), "image"],
    ["PatroniCluster", "unknown image pull policy", none, () => new PatroniCluster(bad(), { imagePullPolicy: "Sometimes" as any }), "imagePullPolicy"],
    ["PatroniCluster", "scope clashing with the cluster's Services", none, () => new PatroniCluster("clash", { scope: "clash-primary" }), "scope"],
    ["PatroniCluster", "misspelt platform option", none, () => new PatroniCluster(bad(), { namespce: "x" } as any), "namespce"],
    ["PatroniCluster", "tls.lifetimeDays out of range", none, () => new PatroniCluster(bad(), { tls: { lifetimeDays: 826 } }), "tls.lifetimeDays"],
    ["PatroniCluster", "tls.lifetimeDays without TLS", none, () => new PatroniCluster(bad(), { tls: { enabled: false, lifetimeDays: 90 } }), "tls.lifetimeDays"],
    ["PatroniCluster", "a CA of one's own (not supported)", none, () => new PatroniCluster(bad(), { tls: { caPem: "x" } as never }), "tls.caPem"],
    ["PatroniCluster", "a renewal fraction of 0", none, () => new PatroniCluster(bad(), { tls: { renewBeforeFraction: 0 } }), "tls.renewBeforeFraction"],
    ["PatroniCluster", "tls.caGeneration not a whole number", none, () => new PatroniCluster(bad(), { tls: { caGeneration: 1.5 } }), "tls.caGeneration"],
    ["PatroniCluster", "a declared role dropped on removal (the access Job drops nothing)", none, () => new PatroniCluster(bad(), { roles: [{ name: "auditor", removalPolicy: "drop" }] }), "roles[0].removalPolicy"],
    ["PatroniCluster", "a declared role reassigned on removal", none, () => new PatroniCluster(bad(), { roles: [{ name: "auditor", removalPolicy: "reassign", reassignOwnedTo: "app" }] }), "roles[0].removalPolicy"],
    ["PatroniCluster", "a declared database destroyed on removal", none, () => new PatroniCluster(bad(), { databases: [{ name: "audit", removalPolicy: "destroy" }] }), "databases[0].removalPolicy"],
    ["PgBouncerPool", "one of the cluster's roles listed again", () => cluster({ roles: [{ name: "auditor" }] }), (c) => new PgBouncerPool(bad(), { backend: c, users: [{ role: c.roles.auditor }] }), "users[0].role"],
    ["PatroniCluster", "a networkPolicy source that selects nothing", none, () => new PatroniCluster(bad(), { networkPolicy: { clientsFrom: [{ podSelector: {} }, {}] } }), "networkPolicy.clientsFrom[1]"],
    ["HAProxyFrontend", "a networkPolicy source mixing ipBlock and selectors", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, networkPolicy: { clientsFrom: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] } }), "networkPolicy.clientsFrom[0]"],
    ["EtcdCluster", "clientsFrom (etcd has no application clients)", none, () => new EtcdCluster(bad(), { networkPolicy: { clientsFrom: [] } as any }), "networkPolicy.clientsFrom"],
    ["Prometheus", "a networkPolicy source that selects nothing", none, () => new Prometheus(bad(), { networkPolicy: { clientsFrom: [{}] } }), "networkPolicy.clientsFrom[0]"],
    ["PatroniCluster", "dcs of the wrong kind", none, () => new PatroniCluster(bad(), { dcs: {} as any }), "dcs"],
    ["PatroniCluster", "shared rule: loopWait + 2*retryTimeout > ttl", none, () => new PatroniCluster(bad(), { patroni: { ttl: 20, loopWait: 5, retryTimeout: 8 } }), "patroni.ttl"],
    ["PatroniCluster", "shared rule: trust over TCP", none, () => new PatroniCluster(bad(), { pgHba: ["host all all 0.0.0.0/0 trust"] }), "pgHba[0]"],
    ["PatroniCluster", "shared rule: owner is the superuser", none, () => new PatroniCluster(bad(), { owner: "postgres" }), "owner"],
    ["HAProxyFrontend", "Docker's bindAddress", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, bindAddress: "0.0.0.0" } as any), "bindAddress"],
    ["HAProxyFrontend", "no pods", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, replicas: 0 }), "replicas"],
    ["HAProxyFrontend", "cluster of the wrong kind", none, () => new HAProxyFrontend(bad(), { cluster: {} as any }), "cluster"],
    ["HAProxyFrontend", "two listeners on one Service port", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, primaryPort: 5001, replicaPort: 5001 }), "replicaPort"],
    ["PgBouncerPool", "Docker's bindAddress", cluster, (c) => new PgBouncerPool(bad(), { backend: c, bindAddress: "0.0.0.0" } as any), "bindAddress"],
    ["PgBouncerPool", "more than 50 pods", cluster, (c) => new PgBouncerPool(bad(), { backend: c, replicas: 51 }), "replicas"],
    ["PgBouncerPool", "pods x pool above max_connections", () => cluster({ parameters: { max_connections: 100 } }), (c) => new PgBouncerPool(bad(), { backend: c, defaultPoolSize: 40, replicas: 3 }), "defaultPoolSize"],
    ["PgBouncerPool", "pods x pool above HAProxy's connection limit", () => new HAProxyFrontend(uniq("lb"), { cluster: cluster({ parameters: { max_connections: 500 } }), maxConnections: 50, replicas: 1 }),
        (lb) => new PgBouncerPool(bad(), { backend: lb, defaultPoolSize: 20, replicas: 3 }), "defaultPoolSize"],
    ["PgBouncerPool", "backend of the wrong kind", none, () => new PgBouncerPool(bad(), { backend: {} as any }), "backend"],
    ["PgBouncerPool", "misspelt monitoring option", cluster, (c) => new PgBouncerPool(bad(), { backend: c, monitoring: { enable: true } as any }), "monitoring.enable"],
    ["Prometheus", "Docker's bindAddress", none, () => new Prometheus(bad(), { bindAddress: "0.0.0.0" } as any), "bindAddress"],
    ["Prometheus", "Docker's engineSocket", none, () => new Prometheus(bad(), { engineSocket: "/var/run/docker.sock" } as any), "engineSocket"],
    ["Prometheus", "Docker's engineSocketGroup", none, () => new Prometheus(bad(), { engineSocketGroup: 999 } as any), "engineSocketGroup"],
    ["Prometheus", "retention not in Prometheus's syntax", none, () => new Prometheus(bad(), { retentionTime: "7 days" }), "retentionTime"],
    ["Prometheus", "alert threshold out of range", none, () => new Prometheus(bad(), { alerts: { connectionsRatio: 2 } }), "connectionsRatio"],
    ["Prometheus", "namespace of the wrong kind", none, () => new Prometheus(bad(), { namespace: {} as any }), "namespace"],
    ["Prometheus", "namespace not a DNS-1123 label", none, () => new Prometheus(bad(), { namespace: "My NS" }), "namespace"],
    ["Prometheus", "storage size not a quantity", none, () => new Prometheus(bad(), { storage: { size: "lots" } }), "storage.size"],
    ["Prometheus", "construct name not a DNS label", none, () => new Prometheus("Prom_Main"), "(name)"],
    ["Prometheus", "alertmanager of the wrong kind", none, () => new Prometheus(bad(), { alertmanager: { url: "http://am:9093" } as any }), "alertmanager"],
    ["PatroniCluster", "PodMonitor labels without a PodMonitor", none, () => new PatroniCluster(bad(), { monitoring: { enabled: true, podMonitorLabels: { release: "kps" } } }), "monitoring.podMonitorLabels"],
    ["PatroniCluster", "PodMonitor label not a label name", none, () => new PatroniCluster(bad(), { monitoring: { podMonitor: true, podMonitorLabels: { "-release": "kps" } } }), "monitoring.podMonitorLabels.-release"],
    ["HAProxyFrontend", "monitoring.enabled (its exporter always runs)", cluster, (c) => new HAProxyFrontend(bad(), { cluster: c, monitoring: { enabled: true } as any }), "monitoring.enabled"],
    ["PgBouncerPool", "a PodMonitor without the exporter", cluster, (c) => new PgBouncerPool(bad(), { backend: c, monitoring: { podMonitor: true } }), "monitoring.podMonitor"],
    ["Alertmanager", "Docker's bindAddress", none, () => new Alertmanager(bad(), { bindAddress: "0.0.0.0" } as any), "bindAddress"],
    ["Alertmanager", "webhook not an http(s) URL", none, () => new Alertmanager(bad(), { webhookUrls: ["ftp://hooks.example.com/x"] }), "webhookUrls[0]"],
    ["Alertmanager", "retention not in Alertmanager's syntax", none, () => new Alertmanager(bad(), { retentionTime: "5 days" }), "retentionTime"],
    ["Alertmanager", "repeat interval under a minute", none, () => new Alertmanager(bad(), { repeatIntervalSeconds: 5 }), "repeatIntervalSeconds"],
    ["Alertmanager", "namespace of the wrong kind", none, () => new Alertmanager(bad(), { namespace: {} as any }), "namespace"],
    ["Alertmanager", "storage size not a quantity", none, () => new Alertmanager(bad(), { storage: { size: "lots" } }), "storage.size"],
    ["Alertmanager", "construct name not a DNS label", none, () => new Alertmanager("AM_Main"), "(name)"],
    ["PatroniCluster", "an empty context", none, () => new PatroniCluster(bad(), { context: "" }), "context"],
    ["PatroniCluster", "a restore through an explicit kubernetes provider and no kubeconfig", () => new k8s.Provider(uniq("k8s"), {}),
        (provider) => new PatroniCluster(bad(), { bootstrap: { fromBackup: { repository: { s3: S3 }, stanza: "pg" } } }, { providers: [provider] }), "kubeconfig"],
    ["PatroniCluster", "backup in a volume without backupStorage (its ReadWriteMany class)", none, () => new PatroniCluster(bad(), { backup: {} }), "backupStorage"],
    ["PatroniCluster", "backupStorage with an S3 repository", none, () => new PatroniCluster(bad(), { backup: { repository: { s3: S3 } }, backupStorage: { storageClassName: "nfs" } }), "backupStorage"],
    ["PatroniCluster", "backupStorage size not a quantity", none, () => new PatroniCluster(bad(), { backup: {}, backupStorage: { storageClassName: "nfs", size: "lots" } }), "backupStorage.size"],
    ["PatroniCluster", "a bucket's repository destroyed on removal", none, () => new PatroniCluster(bad(), { backup: { repository: { s3: S3 }, removalPolicy: "destroy" } }), "backup.removalPolicy"],
    ["RestoreDrill", "a cluster without backup", cluster, (c) => new RestoreDrill(bad(), { cluster: c }), "cluster"],
    ["RestoreDrill", "cluster of the wrong kind", none, () => new RestoreDrill(bad(), { cluster: {} as any }), "cluster"],
    ["RestoreDrill", "a target time without a zone", backedUp, (c) => new RestoreDrill(bad(), { cluster: c, target: { time: "2026-12-06 10:00:00" } }), "target.time"],
    ["RestoreDrill", "a negative objective", backedUp, (c) => new RestoreDrill(bad(), { cluster: c, objectives: { restoreSeconds: -1 } }), "objectives.restoreSeconds"],
    ["RestoreDrill", "runOn not create or every-up", backedUp, (c) => new RestoreDrill(bad(), { cluster: c, runOn: "sometimes" as any }), "runOn"],
    ["RestoreDrill", "an empty context", backedUp, (c) => new RestoreDrill(bad(), { cluster: c, context: "" }), "context"],
    ["RestoreDrill", "an explicit kubernetes provider and no kubeconfig", () => backedUp({}, { providers: [new k8s.Provider(uniq("k8s"), {})] }),
        (c) => new RestoreDrill(bad(), { cluster: c }), "kubeconfig"],
];

describe("Kubernetes: bad input is rejected before any resource is registered", () => {
    it.each(cases)("%s: %s", (_construct, _what, given, make, field) => expectRejectedBeforeRegistration(registered, given, make, field));

    it("registers resources for valid input (control)", async () => {
        const before = await quiesce();
        const pg = cluster();
        new PgBouncerPool(uniq("pool"), { backend: new HAProxyFrontend(uniq("lb"), { cluster: pg }) });
        expect((await quiesce()) - before).toBeGreaterThan(10);
    });
});
