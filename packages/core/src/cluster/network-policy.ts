import { z } from "zod";

// Which pods may open connections to which ports of pgscale's pods on Kubernetes: the rules of the
// `networking.k8s.io/v1` NetworkPolicies the Kubernetes constructs create. Pure: the constructs
// pass their pods' selectors and ports, and create one policy per rule set returned here.
//
// Ingress only: a policy that selects a pod refuses every connection to it that no rule admits,
// while the pod's own connections out (DNS, the API server, its backends) stay as they are.

const labelValue = z.string().max(63);
const labelSelectorSpec = z.strictObject({
    matchLabels: z.record(z.string().min(1), labelValue).optional(),
    matchExpressions: z.array(z.strictObject({
        key: z.string().min(1),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(labelValue).optional(),
    })).optional(),
});

/**
 * A source of connections, as a NetworkPolicy's `from` entry: pods (`podSelector`, in the
 * policy's namespace unless `namespaceSelector` is given too), every pod of some namespaces
 * (`namespaceSelector` alone), or addresses (`ipBlock`, for clients outside the cluster).
 */
export const policyPeerSpec = z
    .strictObject({
        podSelector: labelSelectorSpec.optional(),
        namespaceSelector: labelSelectorSpec.optional(),
        ipBlock: z.strictObject({ cidr: z.string().min(1), except: z.array(z.string().min(1)).optional() }).optional(),
    })
    .refine((p) => (p.ipBlock ? !p.podSelector && !p.namespaceSelector : !!(p.podSelector || p.namespaceSelector)), {
        message: "must give ipBlock alone, or podSelector and/or namespaceSelector",
    });

export type LabelSelector = z.output<typeof labelSelectorSpec>;
export type PolicyPeer = z.output<typeof policyPeerSpec>;

/** Every pod of the policy's own namespace. */
export const SAME_NAMESPACE: PolicyPeer[] = [{ podSelector: {} }];
/** Prometheus pods in any namespace: pgscale's Prometheus and prometheus-operator's both label theirs so. */
export const PROMETHEUS_PODS: PolicyPeer[] = [{ namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }];

/**
 * The `networkPolicy` option of the Kubernetes constructs.
 */
export const networkPolicySpec = z
    .strictObject({
        /** Create the construct's NetworkPolicies. Default true. */
        enabled: z.boolean().default(true),
        /**
         * Where applications run: who may connect to the construct's client ports (PostgreSQL on a
         * PatroniCluster's members, HAProxy's listeners and stats page, PgBouncer's pool). `[]`
         * admits no application (pgscale's own paths stay open). Default: every pod of the
         * construct's namespace.
         */
        clientsFrom: z.array(policyPeerSpec).default(SAME_NAMESPACE),
        /**
         * Who may scrape the construct's metrics ports (Patroni's REST port, the exporters').
         * Default: pods labelled `app.kubernetes.io/name: prometheus` in any namespace.
         */
        metricsFrom: z.array(policyPeerSpec).default(PROMETHEUS_PODS),
    })
    .prefault({});

/** An EtcdCluster's: it has no application clients and serves no metrics pgscale scrapes. */
export const etcdNetworkPolicySpec = z
    .strictObject({
        /** Create the cluster's NetworkPolicies (its PatroniClusters add theirs). Default true. */
        enabled: z.boolean().default(true),
    })
    .prefault({});

export type NetworkPolicyOptions = z.output<typeof networkPolicySpec>;
export type NetworkPolicyArgs = z.input<typeof networkPolicySpec>;

export interface PolicyRule {
    ports: Array<{ port: number; protocol: "TCP" }>;
    from: PolicyPeer[];
}

/** A NetworkPolicy's spec (ingress only); `namespace` is where it goes (undefined: the construct's own). */
export interface IngressPolicy {
    namespace?: string;
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: ["Ingress"];
    ingress: PolicyRule[];
}

/** Pods of a construct, by the labels they carry, in `namespace` (undefined: the policy's own). */
export interface Pods {
    labels: Record<string, string>;
    namespace?: string;
}

function peer(pods: Pods, policyNamespace: string | undefined): PolicyPeer {
    const inOther = pods.namespace !== undefined && pods.namespace !== policyNamespace;
    return {
        podSelector: { matchLabels: { ...pods.labels } },
        ...(inOther ? { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": pods.namespace! } } } : {}),
    };
}

const tcp = (ports: number[]) => [...new Set(ports)].sort((a, b) => a - b).map((port) => ({ port, protocol: "TCP" as const }));

/** A rule, or none when nobody is admitted (a rule with an empty `from` would admit everyone). */
/** A rule admitting `from` on `ports`; none without ports, since a rule with no ports admits every port. */
function rule(ports: number[], from: PolicyPeer[]): PolicyRule[] {
    return from.length && ports.length ? [{ ports: tcp(ports), from }] : [];
}

function policy(selector: Record<string, string>, ingress: PolicyRule[], namespace?: string): IngressPolicy {
    return { ...(namespace !== undefined ? { namespace } : {}), podSelector: { matchLabels: { ...selector } }, policyTypes: ["Ingress"], ingress };
}

/** An EtcdCluster's members: peers talk to each other, its own auth Job reaches the client port. */
export function etcdMemberPolicy(i: { members: Record<string, string>; authJob?: Record<string, string>; clientPort: number; peerPort: number }): IngressPolicy {
    return policy(i.members, [
        ...rule([i.clientPort, i.peerPort], [peer({ labels: i.members }, undefined)]),
        ...(i.authJob ? rule([i.clientPort], [peer({ labels: i.authJob }, undefined)]) : []),
    ]);
}

/**
 * What a PatroniCluster adds to its EtcdCluster (in the etcd's namespace): its members (Patroni,
 * its role-label callback) and its etcd-user Job reach the client port.
 */
export function etcdClientPolicy(i: { etcdMembers: Record<string, string>; etcdNamespace: string; clients: Pods[]; clientPort: number }): IngressPolicy {
    return policy(i.etcdMembers, rule([i.clientPort], i.clients.map((c) => peer(c, i.etcdNamespace))), i.etcdNamespace);
}

/**
 * A PatroniCluster's members: PostgreSQL and the REST API from each other (replication, rewind,
 * Patroni's own calls), the REST API from its DCS reconcile Job, PostgreSQL from its SQL Jobs and
 * from `clientsFrom`, and the metrics ports from `metricsFrom`. HAProxy and PgBouncer add their own
 * paths (backendPolicy).
 */
export function patroniMemberPolicy(i: {
    members: Record<string, string>;
    pgPort: number;
    apiPort: number;
    /** More ports the members open to each other (pgBackRest's server with `backup`). Default none. */
    peerPorts?: number[];
    restApiJobs: Array<Record<string, string>>;
    sqlJobs: Array<Record<string, string>>;
    metricsPorts: number[];
    options: NetworkPolicyOptions;
}): IngressPolicy {
    const own = (labels: Record<string, string>) => peer({ labels }, undefined);
    return policy(i.members, [
        ...rule([i.pgPort, i.apiPort, ...(i.peerPorts ?? [])], [own(i.members)]),
        ...rule([i.apiPort], i.restApiJobs.map(own)),
        ...rule([i.pgPort], i.sqlJobs.map(own)),
        ...rule([i.pgPort], i.options.clientsFrom),
        ...rule(i.metricsPorts, i.options.metricsFrom),
    ]);
}

/**
 * The path a consumer opens to its backend's pods (in the backend's namespace): HAProxy to the
 * members' PostgreSQL and REST API (its checks), PgBouncer to the members' PostgreSQL or to
 * HAProxy's listeners.
 */
export function backendPolicy(i: { backend: Pods; consumer: Pods; ports: number[] }): IngressPolicy {
    const ns = i.backend.namespace;
    return policy(i.backend.labels, rule(i.ports, [peer(i.consumer, ns)]), ns);
}

/** A proxy or pool's own pods (HAProxy, PgBouncer): client ports from `clientsFrom`, metrics from `metricsFrom`. */
export function frontPolicy(i: { pods: Record<string, string>; clientPorts: number[]; metricsPorts: number[]; options: NetworkPolicyOptions }): IngressPolicy {
    return policy(i.pods, [...rule(i.clientPorts, i.options.clientsFrom), ...rule(i.metricsPorts, i.options.metricsFrom)]);
}
