import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { HAPROXY_STATS, HAProxyFrontendInput, METRICS_PORTS, kubernetesMetricsPort, HAProxyFrontendOutputs, HAProxyFrontendSpec, HealthCheckTimings, IssueCollector, checkConstructName, haproxyStatsAuth, renderHaproxyCfg, resolveHAProxyFrontend } from "@pgscale/core";
import { GeneratedSecret } from "@pgscale/postgres";
import { IMAGE_USERS, podImage } from "./images";
import { labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { podMonitor } from "./pod-monitor";
import { PatroniCluster } from "./patroni";
import { proxyPolicies } from "./network-policy";
import {
    DeploymentPlatform, NETWORK_POLICY_KEY, NetworkPolicyPlatformArgs, PLACEMENT_KEYS, PlacementArgs, deploymentPlatformSpec, rejectDockerOnly, splitArgs,
} from "./platform";
import { containerSecurityContext, httpProbe, podSecurityContext, scheduling, scratchVolumes, tcpProbe } from "./pod";
import { ServiceEndpoint, serviceEndpoint, servicePort } from "./service-endpoint";

/**
 * Listener options are the shared spec's (@pgscale/core `haproxyFrontendSpec`, defaults documented
 * there); ports are Service ports (defaults 5000, 5001, 5002, 7000) and there is no host bind address.
 */
export interface HAProxyFrontendArgs extends PlacementArgs, NetworkPolicyPlatformArgs, Omit<HAProxyFrontendInput, "bindAddress"> {
    cluster: PatroniCluster;
    /** HAProxy pods behind the Service. Default 2. */
    replicas?: number;
}

/** Ports inside the pod, as on Docker; the Service ports are what clients use. */
export const HAPROXY_PORTS = { primary: 5000, replicas: 5001, syncReplicas: 5002, stats: 7000 } as const;

// HAProxy's resolvers have no search path and the cluster DNS address differs per cluster: take it
// from the pod's resolv.conf at start and hand it to the config as an environment variable.
const NAMESERVER_ENV = "PGSCALE_NAMESERVER";
const START = [
    `${NAMESERVER_ENV}="$(sed -n 's/^nameserver[[:space:]]*//p' /etc/resolv.conf | head -n 1):53"`,
    `export ${NAMESERVER_ENV}`,
    "exec haproxy -W -db -f /etc/haproxy/haproxy.cfg",
].join("; ");

/**
 * HAProxy in front of a PatroniCluster, routing by Patroni's REST health checks (PLAYBOOK "HAProxy
 * for Load Balancing"). Optional on Kubernetes, where the cluster's primary and replica Services
 * already route by role label: use it for HAProxy's checks (lag-bounded reads, synchronous-standby
 * reads, `on-marked-down shutdown-sessions`) or to keep one routing layer on both platforms.
 */
export class HAProxyFrontend extends pulumi.ComponentResource implements HAProxyFrontendOutputs<PatroniCluster> {
    public readonly spec: HAProxyFrontendSpec;
    public readonly platform: DeploymentPlatform;
    public readonly check: HealthCheckTimings;
    public readonly cluster: PatroniCluster;
    public readonly namespace: NamespaceRef;
    /** In-cluster DNS name of the frontend's Service (PgBouncer connects here). */
    public readonly host: string;
    /** The Service's ports, as the Service reports them (a port-forward or NodePort maps them elsewhere). */
    public readonly primaryPort: pulumi.Output<number>;
    public readonly replicaPort: pulumi.Output<number>;
    public readonly syncReplicaPort?: pulumi.Output<number>;
    /** Each listener of the Service, with its port-forward command. */
    public readonly primary: ServiceEndpoint;
    public readonly replicas: ServiceEndpoint;
    public readonly syncReplicas?: ServiceEndpoint;
    public readonly stats: ServiceEndpoint;
    public readonly statsUrl: pulumi.Output<string>;
    /** The stats page's user and password (secret): it answers nothing without them. */
    public readonly statsUser: string = HAPROXY_STATS.user;
    public readonly statsPassword: pulumi.Output<string>;
    /** Read-write URI as the application owner, in-cluster (secret). */
    public readonly primaryUri: pulumi.Output<string>;
    /** Read-only URI, round-robin over healthy replicas, in-cluster (secret). */
    public readonly replicaUri: pulumi.Output<string>;
    /** Reads only from synchronous standbys (secret); set when the cluster runs synchronous mode. */
    public readonly syncReplicaUri?: pulumi.Output<string>;
    public readonly configMap: k8s.core.v1.ConfigMap;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    /** With `monitoring.podMonitor`: prometheus-operator's PodMonitor for HAProxy's exporter on every pod; else undefined. */
    public readonly podMonitor?: k8s.apiextensions.CustomResource;
    /** The labels that select HAProxy's pods (a PgBouncerPool in front opens its path to them). */
    public readonly podSelector: Record<string, string>;
    /**
     * With `networkPolicy.enabled` (the default): `<name>-haproxy` (clients to the listeners and
     * stats page, Prometheus to the metrics port) and `<name>-to-backend` (HAProxy to the members'
     * PostgreSQL and REST API); else empty.
     */
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: HAProxyFrontendArgs, opts?: pulumi.ComponentResourceOptions) {
        const subject = `HAProxyFrontend ${name}`;
        const { cluster, ...withoutCluster } = args;
        const [platformArgs, rest] = splitArgs(withoutCluster, [...PLACEMENT_KEYS, NETWORK_POLICY_KEY, "replicas"]);
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        rejectDockerOnly(issues, rest, ["bindAddress"]);
        const platform = issues.parse(deploymentPlatformSpec, platformArgs);
        if (!(cluster instanceof PatroniCluster)) {
            issues.add("cluster", "must be a PatroniCluster from @pgscale/kubernetes");
            issues.throwIfAny(subject);
        }
        const resolved = issues.run(() => resolveHAProxyFrontend(rest, subject, cluster.resolved));
        issues.throwIfAny(subject);
        super("pgscale:kubernetes:HAProxyFrontend", name, {}, opts);
        const { spec, check } = resolved!;
        const p = platform!;
        this.spec = spec;
        this.platform = p;
        this.check = check;
        this.cluster = cluster;

        const { labels, selector } = labelsFor(name, "haproxy", "proxy");
        this.podSelector = selector;
        this.namespace = resolveNamespace(this, name, p.namespace, p.createNamespace, cluster.namespace);
        const ns = this.namespace.name;
        const sync = cluster.resolved.synchronousMode;
        const primaryPort = spec.primaryPort ?? HAPROXY_PORTS.primary;
        const replicaPort = spec.replicaPort ?? HAPROXY_PORTS.replicas;
        const statsPort = spec.statsPort ?? HAPROXY_PORTS.stats;
        const endpoint = (port: number) => serviceEndpoint(name, ns, port, p.clusterDomain);
        this.primary = endpoint(primaryPort);
        this.replicas = endpoint(replicaPort);
        this.stats = endpoint(statsPort);
        this.host = this.primary.host;

        // The file holds a crypt hash of it, derived the same way on every run (no new ConfigMap per up).
        const statsPassword = new GeneratedSecret(`${name}-stats-password`, {}, { parent: this });
        this.statsPassword = statsPassword.value;
        // The checks verify each member's REST certificate against the cluster's CA (restApi.https), from the ConfigMap.
        const https = cluster.resolved.spec.restApi.https;
        const cfg = statsPassword.value.apply((password) => renderHaproxyCfg({
            // Pod DNS names through the headless Service: re-resolved when a member's pod gets a new IP.
            nodes: cluster.members.map((m) => ({ name: m.name, host: m.host, pgPort: 5432, apiPort: 8008 })),
            // HAProxy's built-in exporter on every frontend, as on Docker: found by Prometheus through the pod's port named for it.
            ports: { primary: HAPROXY_PORTS.primary, replicas: HAPROXY_PORTS.replicas, stats: HAPROXY_PORTS.stats, metrics: METRICS_PORTS.haproxy,
                ...(sync ? { syncReplicas: HAPROXY_PORTS.syncReplicas } : {}) },
            synchronousMode: sync,
            check,
            maxReplicaLagBytes: spec.maxReplicaLagBytes,
            maxConnections: spec.maxConnections,
            idleTimeoutSeconds: spec.idleTimeoutSeconds,
            nameserver: `"\${${NAMESERVER_ENV}}"`,
            statsAuth: haproxyStatsAuth(password),
            ...(https ? { restApiCaFile: "/etc/haproxy/patroni-ca.crt" } : {}),
        }));
        // Auto-named: a changed config is a new ConfigMap, so the Deployment rolls onto it.
        this.configMap = new k8s.core.v1.ConfigMap(`${name}-haproxy`, {
            metadata: { namespace: this.namespace.ref, labels },
            data: { "haproxy.cfg": cfg, ...(https ? { "patroni-ca.crt": cluster.restApiCaPem.apply((p) => p ?? "") } : {}) },
        }, { parent: this });

        const ports: Array<{ name: string; port: number; targetPort: number }> = [
            { name: "primary", port: primaryPort, targetPort: HAPROXY_PORTS.primary },
            { name: "replicas", port: replicaPort, targetPort: HAPROXY_PORTS.replicas },
            { name: "stats", port: statsPort, targetPort: HAPROXY_PORTS.stats },
        ];
        const syncReplicaPort = sync ? spec.syncReplicaPort ?? HAPROXY_PORTS.syncReplicas : undefined;
        if (syncReplicaPort !== undefined) {
            this.syncReplicas = endpoint(syncReplicaPort);
            ports.push({ name: "sync-replicas", port: syncReplicaPort, targetPort: HAPROXY_PORTS.syncReplicas });
        }
        this.service = new k8s.core.v1.Service(name, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: { type: p.serviceType, selector, ports },
        }, { parent: this });
        this.primaryPort = servicePort(this.service, "primary");
        this.replicaPort = servicePort(this.service, "replicas");
        if (syncReplicaPort !== undefined) this.syncReplicaPort = servicePort(this.service, "sync-replicas");
        this.statsUrl = pulumi.interpolate`http://${this.host}:${servicePort(this.service, "stats")}/`;

        // Clients reach the listeners and the stats page; HAProxy reaches the members' PostgreSQL and REST API (its checks).
        this.networkPolicies = proxyPolicies(name, "haproxy", {
            selector, namespace: this.namespace, labels, options: p.networkPolicy,
            clientPorts: ports.map((x) => x.targetPort), metricsPorts: [METRICS_PORTS.haproxy],
            backend: { selector: cluster.podSelector, namespace: cluster.namespace, ports: [cluster.pgPort, cluster.apiPort] },
        }, this);

        const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
        this.deployment = new k8s.apps.v1.Deployment(name, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: {
                replicas: p.replicas,
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(IMAGE_USERS.haproxy, p),
                        ...scheduling(p, selector),
                        containers: [{
                            name: "haproxy",
                            image: podImage("haproxy", spec),
                            imagePullPolicy: p.imagePullPolicy,
                            command: ["/bin/sh", "-c", START],
                            // The metrics port is the pod's only (no Service port): Prometheus scrapes every pod.
                            ports: [...ports.map((x) => ({ name: x.name, containerPort: x.targetPort })), kubernetesMetricsPort("haproxy")],
                            // The stats page wants credentials; its monitor URI answers probes without.
                            readinessProbe: httpProbe(HAPROXY_STATS.healthPath, HAPROXY_PORTS.stats, 5, 3),
                            livenessProbe: tcpProbe(HAPROXY_PORTS.stats, 10, 3),
                            resources: p.resources,
                            securityContext: containerSecurityContext,
                            volumeMounts: [{ name: "config", mountPath: "/etc/haproxy", readOnly: true }, ...scratch.mounts],
                        }],
                        volumes: [{ name: "config", configMap: { name: this.configMap.metadata.name } }, ...scratch.volumes],
                    },
                },
            },
        }, { parent: this, dependsOn: this.networkPolicies });

        if (spec.monitoring.podMonitor) {
            this.podMonitor = podMonitor(name, { namespace: this.namespace, labels, selector, jobs: ["haproxy"], extraLabels: spec.monitoring.podMonitorLabels }, this);
        }

        const uri = (port: number) =>
            // HAProxy passes TLS through: with the cluster's TLS the member answers, and requires it.
            pulumi.secret(pulumi.interpolate`postgresql://${cluster.owner}:${cluster.ownerPassword}@${this.host}:${port}/${cluster.database}${cluster.tls ? "?sslmode=require" : ""}`);
        this.primaryUri = uri(primaryPort);
        this.replicaUri = uri(replicaPort);
        if (syncReplicaPort !== undefined) this.syncReplicaUri = uri(syncReplicaPort);
        this.registerOutputs({ primaryUri: this.primaryUri, replicaUri: this.replicaUri, statsUrl: this.statsUrl, statsPassword: this.statsPassword });
    }
}
