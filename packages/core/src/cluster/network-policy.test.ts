import {
    PROMETHEUS_PODS, SAME_NAMESPACE, backendPolicy, etcdClientPolicy, etcdMemberPolicy, frontPolicy, networkPolicySpec, patroniMemberPolicy,
} from "./network-policy";

const members = { "app.kubernetes.io/name": "patroni", "app.kubernetes.io/instance": "main" };
const job = (app: string) => ({ "app.kubernetes.io/name": app, "app.kubernetes.io/instance": "main" });
const tcp = (...ports: number[]) => ports.map((port) => ({ port, protocol: "TCP" }));

describe("networkPolicySpec", () => {
    it("defaults: on, applications from the construct's namespace, metrics from Prometheus pods anywhere", () => {
        expect(networkPolicySpec.parse(undefined)).toEqual({ enabled: true, clientsFrom: SAME_NAMESPACE, metricsFrom: PROMETHEUS_PODS });
        expect(SAME_NAMESPACE).toEqual([{ podSelector: {} }]);
        expect(PROMETHEUS_PODS).toEqual([{ namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }]);
    });

    it("refuses a peer that selects nothing or mixes an ipBlock with selectors, naming the entry", () => {
        const bad = networkPolicySpec.safeParse({ clientsFrom: [{ podSelector: {} }, {}], metricsFrom: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] });
        expect(bad.success).toBe(false);
        const paths = bad.error!.issues.map((i) => i.path.join("."));
        expect(paths).toEqual(["clientsFrom.1", "metricsFrom.0"]);
        expect(bad.error!.issues[0].message).toMatch(/ipBlock alone, or podSelector and\/or namespaceSelector/);
        expect(networkPolicySpec.safeParse({ clientsFrom: [{ ipBlock: { cidr: "192.0.2.0/24" } }, { namespaceSelector: { matchLabels: { team: "a" } } }] }).success).toBe(true);
        expect(networkPolicySpec.safeParse({ clientsFrom: [{ podSelector: { matchLabels: { app: "x" } }, extra: 1 }] }).success).toBe(false);
    });
});

describe("etcd", () => {
    it("admits the members on client and peer ports and the auth Job on the client port only", () => {
        const etcd = { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": "dcs" };
        const auth = { "app.kubernetes.io/name": "etcd-auth", "app.kubernetes.io/instance": "dcs" };
        expect(etcdMemberPolicy({ members: etcd, authJob: auth, clientPort: 2379, peerPort: 2380 })).toEqual({
            podSelector: { matchLabels: etcd },
            policyTypes: ["Ingress"],
            ingress: [
                { ports: tcp(2379, 2380), from: [{ podSelector: { matchLabels: etcd } }] },
                { ports: tcp(2379), from: [{ podSelector: { matchLabels: auth } }] },
            ],
        });
        expect(etcdMemberPolicy({ members: etcd, clientPort: 2379, peerPort: 2380 }).ingress).toHaveLength(1);
    });

    it("a PatroniCluster's clients: in the etcd's namespace, by namespace when theirs differs", () => {
        const etcd = { "app.kubernetes.io/name": "etcd", "app.kubernetes.io/instance": "dcs" };
        const p = etcdClientPolicy({
            etcdMembers: etcd, etcdNamespace: "dcs", clientPort: 2379,
            clients: [{ labels: members, namespace: "db" }, { labels: job("patroni-etcd-user"), namespace: "dcs" }],
        });
        expect(p).toEqual({
            namespace: "dcs",
            podSelector: { matchLabels: etcd },
            policyTypes: ["Ingress"],
            ingress: [{
                ports: tcp(2379),
                from: [
                    { podSelector: { matchLabels: members }, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "db" } } },
                    { podSelector: { matchLabels: job("patroni-etcd-user") } },
                ],
            }],
        });
    });
});

describe("PatroniCluster members", () => {
    const base = {
        members, pgPort: 5432, apiPort: 8008,
        restApiJobs: [job("patroni-dcs-reconcile")], sqlJobs: [job("patroni-monitor-role"), job("patroni-access")],
        metricsPorts: [8008, 9187],
    };
    it("PostgreSQL and REST between members, REST from the reconcile Job, PostgreSQL from the SQL Jobs and the clients, metrics from Prometheus", () => {
        const p = patroniMemberPolicy({ ...base, options: networkPolicySpec.parse({}) });
        expect(p.podSelector).toEqual({ matchLabels: members });
        expect(p.ingress).toEqual([
            { ports: tcp(5432, 8008), from: [{ podSelector: { matchLabels: members } }] },
            { ports: tcp(8008), from: [{ podSelector: { matchLabels: job("patroni-dcs-reconcile") } }] },
            { ports: tcp(5432), from: [{ podSelector: { matchLabels: job("patroni-monitor-role") } }, { podSelector: { matchLabels: job("patroni-access") } }] },
            { ports: tcp(5432), from: SAME_NAMESPACE },
            { ports: tcp(8008, 9187), from: PROMETHEUS_PODS },
        ]);
    });

    it("clientsFrom: [] leaves PostgreSQL to pgscale's own paths (no rule: an empty `from` would admit everyone)", () => {
        const p = patroniMemberPolicy({ ...base, sqlJobs: [], options: networkPolicySpec.parse({ clientsFrom: [], metricsFrom: [] }) });
        expect(p.ingress).toEqual([
            { ports: tcp(5432, 8008), from: [{ podSelector: { matchLabels: members } }] },
            { ports: tcp(8008), from: [{ podSelector: { matchLabels: job("patroni-dcs-reconcile") } }] },
        ]);
        expect(p.ingress.every((r) => r.from.length > 0)).toBe(true);
    });
});

describe("HAProxy and PgBouncer", () => {
    const haproxy = { "app.kubernetes.io/name": "haproxy", "app.kubernetes.io/instance": "front" };
    it("a consumer opens its path to its backend's pods, in the backend's namespace", () => {
        expect(backendPolicy({ backend: { labels: members, namespace: "db" }, consumer: { labels: haproxy, namespace: "edge" }, ports: [8008, 5432] })).toEqual({
            namespace: "db",
            podSelector: { matchLabels: members },
            policyTypes: ["Ingress"],
            ingress: [{ ports: tcp(5432, 8008), from: [{ podSelector: { matchLabels: haproxy }, namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } } }] }],
        });
        expect(backendPolicy({ backend: { labels: members, namespace: "db" }, consumer: { labels: haproxy, namespace: "db" }, ports: [5432] }).ingress[0].from)
            .toEqual([{ podSelector: { matchLabels: haproxy } }]);
    });

    it("their own pods: client ports from clientsFrom, metrics from metricsFrom", () => {
        const clients = [{ namespaceSelector: { matchLabels: { team: "shop" } } }];
        expect(frontPolicy({ pods: haproxy, clientPorts: [5001, 5000, 7000], metricsPorts: [8405], options: networkPolicySpec.parse({ clientsFrom: clients }) }).ingress).toEqual([
            { ports: tcp(5000, 5001, 7000), from: clients },
            { ports: tcp(8405), from: PROMETHEUS_PODS },
        ]);
    });

    it("admit nothing on a port list that is empty: a rule without ports would admit every port", () => {
        // A PgBouncerPool without its exporter has no metrics port: Prometheus's pods get no rule, not all of 6432.
        expect(frontPolicy({ pods: haproxy, clientPorts: [6432], metricsPorts: [], options: networkPolicySpec.parse({}) }).ingress).toEqual([
            { ports: tcp(6432), from: SAME_NAMESPACE },
        ]);
    });
});
