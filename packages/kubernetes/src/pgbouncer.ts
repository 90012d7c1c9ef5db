import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DEFAULT_RENEW_BEFORE_FRACTION, DEFAULT_TLS_LIFETIME_DAYS, IssueCollector, METRICS_PORTS, PgBouncerPoolInput, PgBouncerPoolOutputs, PgBouncerPoolSpec, PgBouncerPoolUser, checkConstructName, frontendFitIssues, poolFitIssues,
    poolUserIssues, poolUserlist, renderPgbouncerIni, resolvePgBouncerPool,
} from "@pgscale/core";
import { GeneratedSecret, GeneratedTls } from "@pgscale/postgres";
import { HAPROXY_PORTS, HAProxyFrontend } from "./haproxy";
import { IMAGE_USERS, podImage } from "./images";
import { labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { PatroniCluster } from "./patroni";
import { proxyPolicies } from "./network-policy";
import {
    DeploymentPlatform, NETWORK_POLICY_KEY, NetworkPolicyPlatformArgs, PLACEMENT_KEYS, PlacementArgs, deploymentPlatformSpec, rejectDockerOnly, splitArgs,
} from "./platform";
import { STATS_USER, pgbouncerExporterSidecar } from "./monitoring";
import { podMonitor } from "./pod-monitor";
import { containerSecurityContext, podSecurityContext, scheduling, scratchVolumes, tcpProbe } from "./pod";
import { ServiceEndpoint, serviceEndpoint, servicePort } from "./service-endpoint";

/**
 * Pool options are the shared spec's (@pgscale/core `pgBouncerPoolSpec`, defaults documented
 * there); `port` is the Service port (default 6432) and there is no host bind address here.
 */
export interface PgBouncerPoolArgs extends PlacementArgs, NetworkPolicyPlatformArgs, Omit<PgBouncerPoolInput, "bindAddress"> {
    /**
     * What the pool connects to: an HAProxyFrontend (its read-write or read-only listener, as on
     * Docker) or, on Kubernetes, directly a PatroniCluster (its primary or replica Service).
     */
    backend: HAProxyFrontend | PatroniCluster;
    /** PgBouncer pods behind the Service. Default 2; each opens its own server connections. */
    replicas?: number;
    /**
     * Login roles the pool admits besides the cluster's owner and the cluster's own login `roles`
     * (admitted always, with their `poolSize`), e.g. `Role`s of @pgscale/postgres
     * (`{ role: reporter }`), each with its own pool size when given (`poolSize`, else
     * `defaultPoolSize`). Each role's pool, in every pod, counts against max_connections. Default none.
     */
    users?: PgBouncerPoolUser<pulumi.Input<string>>[];
}

/** A cluster's declared login roles, as pool users with their `poolSize`. */
function clusterPoolUsers(cluster: PatroniCluster): PgBouncerPoolUser<pulumi.Input<string>>[] {
    return cluster.resolved.spec.roles.filter((r) => r.login).map((r) => ({ role: cluster.roles[r.name], poolSize: r.poolSize }));
}

const LISTEN_PORT = 6432;
const ADMIN_USER = "pgscale_admin";
/** The pool's certificate, key and the cluster's CA, in its Secret (mounted at /etc/pgbouncer, 0440). */
const TLS_FILES = { certFile: "/etc/pgbouncer/server.crt", keyFile: "/etc/pgbouncer/server.key", caFile: "/etc/pgbouncer/ca.crt" } as const;

/**
 * PgBouncer pods behind a Service (PLAYBOOK "Connection Pooling"). pgbouncer.ini and the auth file
 * are a Secret; the auth file holds SCRAM verifiers only, identical to the server's, so PgBouncer
 * passes SCRAM through to PostgreSQL.
 */
export class PgBouncerPool extends pulumi.ComponentResource implements PgBouncerPoolOutputs {
    public readonly spec: PgBouncerPoolSpec;
    public readonly platform: DeploymentPlatform;
    public readonly namespace: NamespaceRef;
    /** The pool's Service, with its port-forward command. */
    public readonly endpoint: ServiceEndpoint;
    /** The Service's port, as the Service reports it. */
    public readonly port: pulumi.Output<number>;
    /** Application URI through the pool, in-cluster (secret). */
    public readonly uri: pulumi.Output<string>;
    /** Admin console URI (`SHOW POOLS`) as pgscale_admin (secret); each connection reaches one of the pods. */
    public readonly adminUri: pulumi.Output<string>;
    /** With the cluster's TLS (its `tls.enabled`, the default): the pool's certificate, signed by the cluster's CA; else undefined. */
    public readonly tls?: GeneratedTls;
    public readonly secret: k8s.core.v1.Secret;
    public readonly service: k8s.core.v1.Service;
    public readonly deployment: k8s.apps.v1.Deployment;
    /** With `monitoring.podMonitor`: prometheus-operator's PodMonitor for the exporter of every pod; else undefined. */
    public readonly podMonitor?: k8s.apiextensions.CustomResource;
    /**
     * With `networkPolicy.enabled` (the default): `<name>-pgbouncer` (clients to the pool, Prometheus
     * to the exporter) and `<name>-to-backend` (the pool to HAProxy's listener or the members'
     * PostgreSQL); else empty.
     */
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: PgBouncerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        const subject = `PgBouncerPool ${name}`;
        const { backend, users: listed = [], ...withoutBackend } = args;
        const [platformArgs, rest] = splitArgs(withoutBackend, [...PLACEMENT_KEYS, NETWORK_POLICY_KEY, "replicas"]);
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        rejectDockerOnly(issues, rest, ["bindAddress"]);
        const platform = issues.parse(deploymentPlatformSpec, platformArgs);
        const spec = issues.run(() => resolvePgBouncerPool(rest, subject));
        // PgBouncer serves no metrics itself: without the exporter a PodMonitor would select nothing to scrape.
        if (spec?.monitoring.podMonitor && !spec.monitoring.enabled) issues.add("monitoring.podMonitor", "needs monitoring.enabled: true (the pool's metrics are its exporter's)");
        poolUserIssues(listed).forEach((x) => issues.add(x.field, x.message));
        const cluster = backend instanceof HAProxyFrontend ? backend.cluster : backend instanceof PatroniCluster ? backend : undefined;
        if (!cluster) issues.add("backend", "must be an HAProxyFrontend or a PatroniCluster from @pgscale/kubernetes");
        // One list of admitted users, as on Docker: the cluster's declared login roles first, each
        // with its poolSize, then the listed ones; listing one of the cluster's again is refused.
        const fromCluster = cluster ? clusterPoolUsers(cluster) : [];
        const explicit = Array.isArray(listed) ? listed : [];
        explicit.forEach((u, i) => {
            if (fromCluster.some((c) => c.role === u.role)) issues.add(`users[${i}].role`, "is one of the cluster's roles, which the pool admits already (set its poolSize there)");
        });
        const users = [...fromCluster, ...explicit];
        if (spec && platform && cluster) {
            // Every pod opens up to defaultPoolSize + reservePoolSize server connections.
            const params = cluster.resolved.parameters;
            const maxConnections = Number(params.max_connections ?? 100);
            const reserved = Number(params.superuser_reserved_connections ?? 3);
            poolFitIssues(spec, maxConnections, platform.replicas, reserved, users).forEach((i) =>
                issues.add(i.field, `${i.message}, across ${platform.replicas} PgBouncer pods`));
            // HAProxy's maxconn is per pod; the Service spreads the pool's connections over them.
            if (backend instanceof HAProxyFrontend)
                frontendFitIssues(spec, backend.spec.maxConnections * backend.platform.replicas, platform.replicas, users).forEach((i) =>
                    issues.add(i.field, `${i.message} x ${backend.platform.replicas} HAProxy pods, across ${platform.replicas} PgBouncer pods`));
        }
        issues.throwIfAny(subject);
        super("pgscale:kubernetes:PgBouncerPool", name, {}, opts);
        this.spec = spec!;
        this.platform = platform!;
        const p = this.platform;
        const owner = cluster!;

        const { labels, selector } = labelsFor(name, "pgbouncer", "pooler");
        this.namespace = resolveNamespace(this, name, p.namespace, p.createNamespace, owner.namespace);
        const port = this.spec.port ?? LISTEN_PORT;
        this.endpoint = serviceEndpoint(name, this.namespace.name, port, p.clusterDomain);

        const toReplicas = this.spec.target === "replicas";
        // With the cluster's TLS, the pool requires TLS from clients and verifies the member it reaches
        // (verify-full): through HAProxy, by the cluster's name, which every member's certificate
        // carries and which the pods resolve to HAProxy's Service address (a host alias); directly, by
        // the cluster's Service name, which the certificates carry too.
        const clusterTls = owner.tls;
        const alias = clusterTls && backend instanceof HAProxyFrontend ? owner.tlsServerName : undefined;
        const upstream = backend instanceof HAProxyFrontend
            ? { host: alias ?? backend.host, port: (toReplicas ? backend.replicas : backend.primary).port }
            : { host: (toReplicas ? owner.replicas : owner.primary).host, port: 5432 };
        const hostAliases = alias && backend instanceof HAProxyFrontend
            ? [{ ip: backend.service.spec.clusterIP, hostnames: [alias] }]
            : undefined;
        const e = this.endpoint;
        this.tls = clusterTls && new GeneratedTls(`${name}-tls`, {
            servers: { [name]: {
                dnsNames: [e.host, `${name}.${e.namespace}.svc`, `${name}.${e.namespace}`, name, "localhost"], ipAddresses: ["127.0.0.1"],
                validDays: owner.resolved.spec.tls.lifetimeDays ?? DEFAULT_TLS_LIFETIME_DAYS,
            } },
            // After a CA rotation its certificate is served with the new CA cross-signed by the old.
            ca: clusterTls.signingCa,
            // A renewal is a new pool Secret, which rolls the pool's pods (clients reconnect to the new ones).
            renewBeforeFraction: owner.resolved.spec.tls.renewBeforeFraction ?? DEFAULT_RENEW_BEFORE_FRACTION,
        }, { parent: this });
        const tls = this.tls;
        const admin = new GeneratedSecret(`${name}-admin-password`, {}, { parent: this });
        // With monitoring, the exporter's user may read SHOW POOLS / SHOW STATS and nothing else.
        const stats = this.spec.monitoring.enabled ? new GeneratedSecret(`${name}-stats-password`, {}, { parent: this }) : undefined;
        const ini = pulumi.all(users.map((u) => u.role.name)).apply((names) => renderPgbouncerIni({
            pool: this.spec,
            databases: [{ name: owner.database, ...upstream }],
            listenPort: LISTEN_PORT,
            authFile: "/etc/pgbouncer/userlist.txt",
            adminUsers: [ADMIN_USER],
            statsUsers: [ADMIN_USER, ...(stats ? [STATS_USER] : [])],
            users: names.map((n, i) => ({ name: n, poolSize: users[i].poolSize })),
            ...(tls ? { tls: TLS_FILES } : {}),
        }));
        const userlist = pulumi
            .all([owner.ownerScramVerifier, admin.scramVerifier, stats?.scramVerifier, pulumi.all(users.map((u) => pulumi.all([u.role.name, u.role.scramVerifier])))])
            .apply(([ownerV, adminV, statsV, declaredUsers]) => poolUserlist([
                { name: owner.owner, secret: ownerV }, { name: ADMIN_USER, secret: adminV }, ...(statsV ? [{ name: STATS_USER, secret: statsV }] : []),
            ], declaredUsers.map(([n, v]) => ({ name: n, secret: v }))));
        // The exporter reads its own pod's PgBouncer over loopback.
        const exporterDsn = stats && pulumi.interpolate`postgres://${STATS_USER}:${stats.value}@127.0.0.1:${LISTEN_PORT}/pgbouncer?sslmode=${tls ? "require" : "disable"}`;
        // The cluster's CA: the pool verifies the members with it, and its own certificate chains to it.
        // A program under Pulumi's mocks may get no certificates back: then no files.
        const tlsFiles = tls && clusterTls
            ? pulumi.all([tls.certs, clusterTls.trustBundlePem]).apply(([certs, ca]): Record<string, string> => {
                const pair = certs?.[name];
                return pair && ca ? { "server.crt": pair.certPem, "server.key": pair.keyPem, "ca.crt": ca } : {};
            })
            : undefined;
        // Auto-named: a changed config or auth file is a new Secret, so the Deployment rolls onto it.
        this.secret = new k8s.core.v1.Secret(`${name}-pgbouncer`, {
            metadata: { namespace: this.namespace.ref, labels },
            stringData: pulumi.secret(pulumi.all([ini, userlist, exporterDsn, tlsFiles]).apply(([iniText, users, dsn, files]) => ({
                "pgbouncer.ini": iniText, "userlist.txt": users, ...(dsn ? { "exporter.dsn": dsn } : {}), ...(files ?? {}),
            }))),
        }, { parent: this });
        const exporter = stats && pgbouncerExporterSidecar({ secret: this.secret.metadata.name, images: this.spec.images, imagePullPolicy: p.imagePullPolicy });

        this.service = new k8s.core.v1.Service(name, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: { type: p.serviceType, selector, ports: [{ name: "pgbouncer", port, targetPort: LISTEN_PORT }] },
        }, { parent: this });
        this.port = servicePort(this.service, "pgbouncer");

        // Clients reach the pool; the pool reaches HAProxy's listener or the members' PostgreSQL.
        this.networkPolicies = proxyPolicies(name, "pgbouncer", {
            selector, namespace: this.namespace, labels, options: p.networkPolicy,
            clientPorts: [LISTEN_PORT], metricsPorts: exporter ? [METRICS_PORTS.pgbouncer] : [],
            backend: backend instanceof HAProxyFrontend
                ? { selector: backend.podSelector, namespace: backend.namespace, ports: [toReplicas ? HAPROXY_PORTS.replicas : HAPROXY_PORTS.primary] }
                : { selector: owner.podSelector, namespace: owner.namespace, ports: [owner.pgPort] },
        }, this);

        const scratch = scratchVolumes({ run: { path: "/var/run/pgbouncer" }, tmp: { path: "/tmp" } });
        this.deployment = new k8s.apps.v1.Deployment(name, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: {
                replicas: p.replicas,
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: {
                        automountServiceAccountToken: false,
                        ...(hostAliases ? { hostAliases } : {}),
                        securityContext: podSecurityContext(IMAGE_USERS.pgbouncer, p),
                        ...scheduling(p, selector),
                        containers: [{
                            name: "pgbouncer",
                            image: podImage("pgbouncer", this.spec),
                            imagePullPolicy: p.imagePullPolicy,
                            command: ["pgbouncer", "/etc/pgbouncer/pgbouncer.ini"],
                            ports: [{ name: "pgbouncer", containerPort: LISTEN_PORT }],
                            readinessProbe: tcpProbe(LISTEN_PORT, 5, 3),
                            livenessProbe: tcpProbe(LISTEN_PORT, 10, 3),
                            resources: p.resources,
                            securityContext: containerSecurityContext,
                            volumeMounts: [{ name: "config", mountPath: "/etc/pgbouncer", readOnly: true }, ...scratch.mounts],
                        }, ...(exporter ? [exporter.container] : [])],
                        // 0440: readable by root and the postgres group (fsGroup) only.
                        volumes: [{ name: "config", secret: { secretName: this.secret.metadata.name, defaultMode: 0o440 } }, ...scratch.volumes, ...(exporter?.volumes ?? [])],
                    },
                },
            },
        }, { parent: this, dependsOn: this.networkPolicies });

        if (this.spec.monitoring.podMonitor) {
            this.podMonitor = podMonitor(name, { namespace: this.namespace, labels, selector, jobs: ["pgbouncer"], extraLabels: this.spec.monitoring.podMonitorLabels }, this);
        }

        const ssl = tls ? "?sslmode=require" : "";
        this.uri = pulumi.secret(pulumi.interpolate`postgresql://${owner.owner}:${owner.ownerPassword}@${this.endpoint.host}:${port}/${owner.database}${ssl}`);
        this.adminUri = pulumi.secret(pulumi.interpolate`postgresql://${ADMIN_USER}:${admin.value}@${this.endpoint.host}:${port}/pgbouncer${ssl}`);
        this.registerOutputs({ uri: this.uri, adminUri: this.adminUri });
    }
}
