import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    IngressPolicy, METRICS_PORTS, NetworkPolicyOptions, backendPolicy, etcdClientPolicy, frontPolicy, patroniMemberPolicy,
} from "@pgscale/core";
import { Labels, labelsFor } from "./labels";
import { NamespaceRef } from "./namespace";

// The constructs' NetworkPolicies, from the rules of @pgscale/core (cluster/network-policy.ts):
// each construct closes its own pods to all but its paths, and a consumer (a PatroniCluster on its
// EtcdCluster, HAProxy on the members, PgBouncer on its backend) adds the path it needs to its
// backend's pods. Policies are additive, so each path is where the construct that uses it is.

/** One NetworkPolicy named `name` in `namespace`, a child of `parent`. */
export function networkPolicy(name: string, namespace: NamespaceRef, labels: Labels, rules: IngressPolicy, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy {
    return new k8s.networking.v1.NetworkPolicy(name, {
        metadata: { name, namespace: namespace.ref, labels },
        spec: { podSelector: rules.podSelector, policyTypes: rules.policyTypes, ingress: rules.ingress },
    }, { parent });
}

export interface ProxyPolicyArgs {
    /** The proxy's or pool's own pods and namespace. */
    selector: Labels;
    namespace: NamespaceRef;
    labels: Labels;
    clientPorts: number[];
    metricsPorts: number[];
    options: NetworkPolicyOptions;
    /** Its backend's pods, and the ports it connects to there. */
    backend: { selector: Labels; namespace: NamespaceRef; ports: number[] };
}

/**
 * HAProxy's and PgBouncer's policies (when `options.enabled`): `<name>-<app>` on their own pods,
 * `<name>-to-backend` on their backend's. The workload depends on them, so it starts with its
 * path open.
 */
export function proxyPolicies(name: string, app: string, a: ProxyPolicyArgs, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy[] {
    if (!a.options.enabled) return [];
    return [
        networkPolicy(`${name}-${app}`, a.namespace, a.labels,
            frontPolicy({ pods: a.selector, clientPorts: a.clientPorts, metricsPorts: a.metricsPorts, options: a.options }), parent),
        networkPolicy(`${name}-to-backend`, a.backend.namespace, a.labels, backendPolicy({
            backend: { labels: a.backend.selector, namespace: a.backend.namespace.name },
            consumer: { labels: a.selector, namespace: a.namespace.name },
            ports: a.backend.ports,
        }), parent),
    ];
}

export interface MemberPolicyArgs {
    selector: Labels;
    namespace: NamespaceRef;
    labels: Labels;
    pgPort: number;
    apiPort: number;
    /** postgres_exporter runs beside Patroni (its port is scraped too). */
    exporter: boolean;
    /** More ports the members open to each other (pgBackRest's server with `backup`). Default none. */
    peerPorts?: number[];
    /** The backup scheduler serves metrics beside Patroni (`backup`): its port is open to `metricsFrom` too. */
    backupMetrics?: boolean;
    options: NetworkPolicyOptions;
    /** The EtcdCluster DCS: its members' selector, namespace and client port. */
    etcd?: { selector: Labels; namespace: NamespaceRef; clientPort: number };
}

/**
 * A PatroniCluster's policies (when `options.enabled`): `<name>-members` on its members (each
 * other, its Jobs, `clientsFrom` on PostgreSQL, `metricsFrom` on the metrics ports) and, with an
 * EtcdCluster, `<name>-to-etcd` on the etcd members (its members and its etcd-user Job). The Jobs
 * are pgscale's own in-cluster Jobs of the cluster, by their app names (labels.ts).
 */
export function memberPolicies(name: string, a: MemberPolicyArgs, parent: pulumi.Resource): k8s.networking.v1.NetworkPolicy[] {
    if (!a.options.enabled) return [];
    const job = (app: "patroni-dcs-reconcile" | "patroni-monitor-role" | "patroni-access" | "patroni-etcd-user") => labelsFor(name, app, "").selector;
    const members = networkPolicy(`${name}-members`, a.namespace, a.labels, patroniMemberPolicy({
        members: a.selector, pgPort: a.pgPort, apiPort: a.apiPort, peerPorts: a.peerPorts ?? [],
        restApiJobs: [job("patroni-dcs-reconcile")],
        sqlJobs: [job("patroni-monitor-role"), job("patroni-access")],
        metricsPorts: [a.apiPort, ...(a.exporter ? [METRICS_PORTS.postgres] : []), ...(a.backupMetrics ? [METRICS_PORTS.backup] : [])],
        options: a.options,
    }), parent);
    if (!a.etcd) return [members];
    const toEtcd = networkPolicy(`${name}-to-etcd`, a.etcd.namespace, a.labels, etcdClientPolicy({
        etcdMembers: a.etcd.selector, etcdNamespace: a.etcd.namespace.name, clientPort: a.etcd.clientPort,
        clients: [{ labels: a.selector, namespace: a.namespace.name }, { labels: job("patroni-etcd-user"), namespace: a.namespace.name }],
    }), parent);
    return [members, toEtcd];
}
