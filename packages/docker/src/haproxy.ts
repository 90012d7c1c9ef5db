import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { HAPROXY_LISTENERS, HAPROXY_STATS, METRICS_PORTS, HAProxyFrontendInput, HAProxyFrontendOutputs, DEFAULT_CHECK, HealthCheckTimings, IssueCollector, checkConstructName, haproxyStatsAuth, renderHaproxyCfg, resolveHAProxyFrontend, HAProxyFrontendSpec } from "@pgscale/core";
import { GeneratedSecret } from "@pgscale/postgres";
import { HAProxyConfigReload } from "./haproxy-reload";
import { checkDockerConfig, engineTarget } from "./engine/target";
import { PatroniCluster } from "./patroni";
import { nodeImage } from "./images";
import { clientHost, enginePrefix, hostPort, pgscaleLabels, publish } from "./naming";
import { rejectKubernetesOnlyMonitoring } from "./monitoring";
import { HAPROXY_CAPABILITIES } from "./hardening";

/** Listener options are the shared spec's (@pgscale/core `haproxyFrontendSpec`, defaults documented there). */
export interface HAProxyFrontendArgs extends HAProxyFrontendInput {
    cluster: PatroniCluster;
}

/** Ports inside the container; fixed, since only the host side varies. */
export const HAPROXY_PORTS = { primary: 5000, replicas: 5001, syncReplicas: 5002, stats: 7000 } as const;

/**
 * HAProxy in front of a PatroniCluster (PLAYBOOK "HAProxy for Load Balancing"): a read-write
 * listener that follows the leader and a read-only listener over healthy replicas, both decided
 * by Patroni's REST health checks.
 */
export class HAProxyFrontend extends pulumi.ComponentResource implements HAProxyFrontendOutputs<PatroniCluster> {
    public readonly spec: HAProxyFrontendSpec;
    public readonly check: HealthCheckTimings;
    public readonly container: docker.Container;
    /** Brings the running container's haproxy.cfg up to date when members come and go. */
    public readonly configReload: HAProxyConfigReload;
    /** DNS name of the frontend on the cluster network (PgBouncer connects here). */
    public readonly host: string;
    public readonly network: docker.Network;
    public readonly cluster: PatroniCluster;
    public readonly primaryPort: pulumi.Output<number>;
    public readonly replicaPort: pulumi.Output<number>;
    public readonly syncReplicaPort?: pulumi.Output<number>;
    public readonly statsUrl: pulumi.Output<string>;
    /** The stats page's user and password (secret): it answers nothing without them. */
    public readonly statsUser: string = HAPROXY_STATS.user;
    public readonly statsPassword: pulumi.Output<string>;
    /** Read-write URI as the application owner (secret). */
    public readonly primaryUri: pulumi.Output<string>;
    /** Read-only URI, round-robin over healthy replicas (secret). */
    public readonly replicaUri: pulumi.Output<string>;
    /** Reads only from synchronous standbys (secret); set when the cluster runs synchronous mode. */
    public readonly syncReplicaUri?: pulumi.Output<string>;

    constructor(name: string, args: HAProxyFrontendArgs, opts?: pulumi.ComponentResourceOptions) {
        const { cluster, ...rest } = args;
        const subject = `HAProxyFrontend ${name}`;
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        if (!(cluster instanceof PatroniCluster)) issues.add("cluster", "must be a PatroniCluster from @pgscale/docker");
        // Without a cluster, check the listener options against a cluster without synchronous mode.
        const clusterFacts = cluster instanceof PatroniCluster ? cluster.resolved : { check: DEFAULT_CHECK, synchronousMode: false };
        const resolved = issues.run(() => resolveHAProxyFrontend(rest, subject, clusterFacts));
        rejectKubernetesOnlyMonitoring(issues, rest);
        checkDockerConfig(issues);
        issues.throwIfAny(subject);
        const { spec, check } = resolved!;
        super("pgscale:docker:HAProxyFrontend", name, {}, opts);
        this.spec = spec;
        this.check = check;
        this.cluster = cluster;
        this.network = cluster.network;
        this.host = name;

        const sync = cluster.resolved.synchronousMode;
        // The checks verify each member's REST certificate against the cluster's CA (restApi.https).
        const restApiCaFile = cluster.resolved.spec.restApi.https ? "/etc/haproxy/patroni-ca.crt" : undefined;
        // The file holds a crypt hash of it, derived the same way on every run (no reload per up).
        const statsPassword = new GeneratedSecret(`${name}-stats-password`, {}, { parent: this });
        this.statsPassword = statsPassword.value;
        const cfg = statsPassword.value.apply((password) => renderHaproxyCfg({
            nodes: cluster.members.map((m) => ({ name: m.name, host: m.name, pgPort: 5432, apiPort: 8008 })),
            ports: { primary: HAPROXY_PORTS.primary, replicas: HAPROXY_PORTS.replicas, stats: HAPROXY_PORTS.stats, metrics: METRICS_PORTS.haproxy,
                ...(sync ? { syncReplicas: HAPROXY_PORTS.syncReplicas } : {}) },
            synchronousMode: sync,
            check,
            maxReplicaLagBytes: spec.maxReplicaLagBytes,
            maxConnections: spec.maxConnections,
            idleTimeoutSeconds: spec.idleTimeoutSeconds,
            statsAuth: haproxyStatsAuth(password),
            ...(restApiCaFile ? { restApiCaFile } : {}),
        }));
        const image = nodeImage(`${name}-image`, "haproxy", spec, this);
        const ports = [
            publish(HAPROXY_PORTS.primary, spec.bindAddress, spec.primaryPort),
            publish(HAPROXY_PORTS.replicas, spec.bindAddress, spec.replicaPort),
            publish(HAPROXY_PORTS.stats, spec.bindAddress, spec.statsPort),
            ...(sync ? [publish(HAPROXY_PORTS.syncReplicas, spec.bindAddress, spec.syncReplicaPort)] : []),
        ];
        this.container = new docker.Container(name, {
            name: enginePrefix(name),
            image: image.imageId,
            hostname: name,
            user: "haproxy",
            capabilities: HAPROXY_CAPABILITIES,
            // With the cluster's TLS, also the name its members' certificates carry (PgBouncer verifies it).
            networksAdvanced: [{ name: this.network.name, aliases: [name, ...(cluster.tlsServerName ? [cluster.tlsServerName] : [])] }],
            uploads: [
                { file: "/etc/haproxy/haproxy.cfg", content: cfg },
                ...(restApiCaFile ? [{ file: restApiCaFile, content: cluster.restApiCaPem.apply((p) => p ?? ""), permissions: "0644" }] : []),
            ],
            ports,
            labels: pgscaleLabels(name, "haproxy"),
            restart: "unless-stopped",
            // Later configurations arrive by reload (below): a replaced container would move the
            // host ports of every client URI unless they are pinned, and cut every session.
        }, { parent: this, deleteBeforeReplace: true, ignoreChanges: ["uploads"] });
        // After the members' rollout has settled, so a new replica streams before it takes reads;
        // a removed member leaves HAProxy before its container goes (Pulumi deletes last).
        this.configReload = new HAProxyConfigReload(`${name}-config`, {
            containerId: this.container.id,
            dockerHost: engineTarget(this).host,
            config: cfg,
            // The cluster's CA bundle, which its checks verify with: the upload above is the one the
            // container was created with, and a rotated CA reaches it here, before the reload.
            ...(restApiCaFile ? { caFile: { path: restApiCaFile, pem: cluster.restApiCaPem.apply((p) => p ?? "") } } : {}),
            // The replicas listener too when there are replicas: a server DOWN by a check made before
            // its member streamed counts as settled, and stays DOWN for `rise` more checks after
            // the cluster is ready; a replicaUri handed out then met a listener with no server,
            // which closes every session.
            awaitRoutable: cluster.members.length > 1 ? [HAPROXY_LISTENERS.primary, HAPROXY_LISTENERS.replicas] : [HAPROXY_LISTENERS.primary],
        }, { parent: this, dependsOn: [cluster.ready] });

        // Ports (and the URIs built on them) are known only once HAProxy routes by real checks
        // (HAProxyConfigReload waits until every server's state follows its last check and the
        // primary listener has a server UP): a fresh HAProxy starts every server UP, and one that
        // checked the members while Patroni bootstrapped has them DOWN until `rise` checks passed;
        // either way a consumer handed the URI early (a PartitionedTable's first connection) could
        // meet a listener that closes its session.
        const routed = (port: pulumi.Output<number>) => pulumi.all([port, this.configReload.id]).apply(([p]) => p);
        this.primaryPort = routed(hostPort(this.container, HAPROXY_PORTS.primary));
        this.replicaPort = routed(hostPort(this.container, HAPROXY_PORTS.replicas));
        const clientAddr = clientHost(spec.bindAddress);
        this.statsUrl = pulumi.interpolate`http://${clientAddr}:${hostPort(this.container, HAPROXY_PORTS.stats)}/`;
        const uri = (port: pulumi.Output<number>) =>
            pulumi.secret(pulumi.interpolate`postgresql://${cluster.owner}:${cluster.ownerPassword}@${clientAddr}:${port}/${cluster.database}${cluster.tls ? "?sslmode=require" : ""}`);
        this.primaryUri = uri(this.primaryPort);
        this.replicaUri = uri(this.replicaPort);
        if (sync) {
            this.syncReplicaPort = routed(hostPort(this.container, HAPROXY_PORTS.syncReplicas));
            this.syncReplicaUri = uri(this.syncReplicaPort);
        }
        this.registerOutputs({ primaryUri: this.primaryUri, replicaUri: this.replicaUri, statsUrl: this.statsUrl, statsPassword: this.statsPassword });
    }
}
