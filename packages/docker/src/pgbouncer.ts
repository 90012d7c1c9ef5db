import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    DEFAULT_RENEW_BEFORE_FRACTION, DEFAULT_TLS_LIFETIME_DAYS, IssueCollector, PgBouncerPoolInput, PgBouncerPoolOutputs, PgBouncerPoolSpec, PgBouncerPoolUser, checkConstructName, frontendFitIssues, poolFitIssues,
    poolUserIssues, poolUserlist, renderPgbouncerIni, resolveHAProxyFrontend, resolvePgBouncerPool,
} from "@pgscale/core";
import { GeneratedSecret, GeneratedTls } from "@pgscale/postgres";
import { CertificateDelivery } from "./tls-delivery/cert-delivery";
import { engineTarget } from "./engine/target";
import { HAProxyFrontend, HAPROXY_PORTS } from "./haproxy";
import { PatroniCluster } from "./patroni";
import { nodeImage } from "./images";
import { clientHost, enginePrefix, hostPort, pgscaleLabels, publish } from "./naming";
import { NO_CAPABILITIES } from "./hardening";
import { EXPORTER_CA, pgbouncerExporter, rejectKubernetesOnlyMonitoring } from "./monitoring";

/** Pool options are the shared spec's (@pgscale/core `pgBouncerPoolSpec`, defaults documented there). */
export interface PgBouncerPoolArgs extends PgBouncerPoolInput {
    /**
     * The HAProxy frontend whose read-write (or read-only) listener the pool connects to, or a
     * PatroniCluster: the pool then connects through the cluster's `router`.
     */
    backend: HAProxyFrontend | PatroniCluster;
    /**
     * Login roles the pool admits besides the cluster's owner and the cluster's own login `roles`
     * (admitted always, with their `poolSize`), e.g. `Role`s of @pgscale/postgres
     * (`{ role: reporter }`), each with its own pool size when given (`poolSize`, else
     * `defaultPoolSize`). Each role's pool counts against max_connections. Default none.
     */
    users?: PgBouncerPoolUser<pulumi.Input<string>>[];
}

/** A cluster's declared login roles, as pool users with their `poolSize`. */
function clusterPoolUsers(cluster: PatroniCluster): PgBouncerPoolUser<pulumi.Input<string>>[] {
    return cluster.resolved.spec.roles.filter((r) => r.login).map((r) => ({ role: cluster.roles[r.name], poolSize: r.poolSize }));
}

const LISTEN_PORT = 6432;
const ADMIN_USER = "pgscale_admin";
/** The exporter's user: in stats_users only. */
const STATS_USER = "pgscale_stats";
/**
 * The pool's certificate, key (0600, the pooler's own) and CA, written by its CertificateDelivery
 * into the container's own layer, which a restart keeps; a replaced container gets them again.
 */
const TLS_DIR = "/var/run/pgbouncer/tls";
const TLS_KEY = `${TLS_DIR}/server.key`;

/**
 * PgBouncer in front of HAProxy (PLAYBOOK "Connection Pooling"). The auth file holds SCRAM
 * verifiers only, identical to the server's, so PgBouncer passes SCRAM through to PostgreSQL.
 */
export class PgBouncerPool extends pulumi.ComponentResource implements PgBouncerPoolOutputs {
    public readonly spec: PgBouncerPoolSpec;
    public readonly container: docker.Container;
    public readonly port: pulumi.Output<number>;
    /** Application URI through the pool (secret). */
    public readonly uri: pulumi.Output<string>;
    /** Admin console URI (`SHOW POOLS`, `SHOW STATS`) as pgscale_admin (secret). */
    public readonly adminUri: pulumi.Output<string>;
    /** With `monitoring.enabled`: the pgbouncer_exporter beside the pool; else undefined. */
    public readonly exporter?: docker.Container;

    constructor(name: string, args: PgBouncerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        const { backend: given, users: listed = [], ...rest } = args;
        const subject = `PgBouncerPool ${name}`;
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        if (!(given instanceof HAProxyFrontend) && !(given instanceof PatroniCluster)) issues.add("backend", "must be an HAProxyFrontend or a PatroniCluster from @pgscale/docker");
        // Checked against the router's default listener before the router exists, so bad pool
        // options create nothing.
        const facts = given instanceof PatroniCluster
            ? { cluster: given, frontendMaxConnections: resolveHAProxyFrontend({}, subject, given.resolved).spec.maxConnections }
            : given instanceof HAProxyFrontend ? { cluster: given.cluster, frontendMaxConnections: given.spec.maxConnections } : undefined;
        const parsed = issues.run(() => resolvePgBouncerPool(rest, subject));
        rejectKubernetesOnlyMonitoring(issues, rest);
        poolUserIssues(listed).forEach((x) => issues.add(x.field, x.message));
        // The cluster's declared login roles come first, each with its poolSize; listing one again is refused.
        const fromCluster = facts ? clusterPoolUsers(facts.cluster) : [];
        const explicit = Array.isArray(listed) ? listed : [];
        explicit.forEach((u, i) => {
            if (fromCluster.some((c) => c.role === u.role)) issues.add(`users[${i}].role`, "is one of the cluster's roles, which the pool admits already (set its poolSize there)");
        });
        const users = [...fromCluster, ...explicit];
        if (parsed && facts) {
            const params = facts.cluster.resolved.parameters;
            const fit = [
                ...poolFitIssues(parsed, Number(params.max_connections ?? 100), 1, Number(params.superuser_reserved_connections ?? 3), users),
                ...frontendFitIssues(parsed, facts.frontendMaxConnections, 1, users),
            ];
            fit.forEach((i) => issues.add(i.field, i.message));
        }
        issues.throwIfAny(subject);
        const spec = parsed!;
        const backend = given instanceof PatroniCluster ? given.router : given;
        const cluster = backend.cluster;
        super("pgscale:docker:PgBouncerPool", name, {}, opts);
        this.spec = spec;

        const admin = new GeneratedSecret(`${name}-admin-password`, {}, { parent: this });
        // With monitoring, the exporter's user may read SHOW POOLS / SHOW STATS and nothing else.
        const stats = spec.monitoring.enabled ? new GeneratedSecret(`${name}-stats-password`, {}, { parent: this }) : undefined;
        // With the cluster's TLS on, the pool presents a certificate from the same CA, with the
        // cluster's lifetime and renewal point.
        const clusterTls = cluster.tls;
        const tlsSpec = cluster.resolved.spec.tls;
        const tls = clusterTls && new GeneratedTls(`${name}-tls`, {
            servers: { [name]: {
                dnsNames: [name, enginePrefix(name), "localhost"], ipAddresses: ["127.0.0.1"],
                validDays: tlsSpec.lifetimeDays ?? DEFAULT_TLS_LIFETIME_DAYS,
            } },
            ca: clusterTls.signingCa,
            renewBeforeFraction: tlsSpec.renewBeforeFraction ?? DEFAULT_RENEW_BEFORE_FRACTION,
        }, { parent: this });
        const ini = pulumi.all(users.map((u) => u.role.name)).apply((names) => renderPgbouncerIni({
            pool: spec,
            databases: [{
                // With TLS, the name the members' certificates carry (an alias of every HAProxyFrontend
                // in front): PgBouncer verifies the member behind HAProxy on it (verify-full).
                name: cluster.database, host: cluster.tlsServerName ?? backend.host,
                port: spec.target === "primary" ? HAPROXY_PORTS.primary : HAPROXY_PORTS.replicas,
            }],
            listenPort: LISTEN_PORT,
            authFile: "/etc/pgbouncer/userlist.txt",
            adminUsers: [ADMIN_USER],
            statsUsers: [ADMIN_USER, ...(stats ? [STATS_USER] : [])],
            ...(tls ? { tls: { certFile: `${TLS_DIR}/server.crt`, keyFile: TLS_KEY, caFile: `${TLS_DIR}/ca.crt` } } : {}),
            users: names.map((n, i) => ({ name: n, poolSize: users[i].poolSize })),
        }));
        const userlist = pulumi
            .all([cluster.ownerScramVerifier, admin.scramVerifier, stats?.scramVerifier, pulumi.all(users.map((u) => pulumi.all([u.role.name, u.role.scramVerifier])))])
            .apply(([ownerV, adminV, statsV, declaredUsers]) => poolUserlist([
                { name: cluster.owner, secret: ownerV }, { name: ADMIN_USER, secret: adminV }, ...(statsV ? [{ name: STATS_USER, secret: statsV }] : []),
            ], declaredUsers.map(([n, v]) => ({ name: n, secret: v }))));
        const image = nodeImage(`${name}-image`, "pgbouncer", spec, this);
        this.container = new docker.Container(name, {
            name: enginePrefix(name),
            image: image.imageId,
            hostname: name,
            user: "postgres",
            capabilities: NO_CAPABILITIES,
            networksAdvanced: [{ name: backend.network.name, aliases: [name] }],
            uploads: [
                { file: "/etc/pgbouncer/pgbouncer.ini", content: ini },
                { file: "/etc/pgbouncer/userlist.txt", content: pulumi.secret(userlist), permissions: "0644" },
            ],
            // With TLS, PgBouncer starts once its CertificateDelivery has written the files.
            ...(tls ? { command: ["/bin/sh", "-c", `until [ -s ${TLS_DIR}/server.crt ]; do sleep 0.2; done && exec pgbouncer /etc/pgbouncer/pgbouncer.ini`] } : {}),
            ports: [publish(LISTEN_PORT, spec.bindAddress, spec.port)],
            labels: pgscaleLabels(name, "pgbouncer"),
            restart: "unless-stopped",
        }, { parent: this, dependsOn: [backend.container], deleteBeforeReplace: true });

        // A renewed certificate reaches the running pooler, which reloads it (SIGHUP, as RELOAD).
        const delivery = tls && new CertificateDelivery(`${name}-tls-files`, {
            containerId: this.container.id, dockerHost: engineTarget(this).host, user: "postgres", dir: TLS_DIR,
            certPem: tls.certs.apply((c) => c[name].certPem), keyPem: tls.certs.apply((c) => c[name].keyPem), caPem: clusterTls.trustBundlePem,
            reload: "kill -HUP 1", serves: [{ port: LISTEN_PORT, starttls: "postgres" }],
        }, { parent: this, dependsOn: [this.container] });

        // Handed out once the HAProxy behind routes by real checks, as HAProxyFrontend's own ports,
        // and the pooler serves with its certificate.
        this.port = pulumi.all([hostPort(this.container, LISTEN_PORT), backend.configReload.id, delivery ? delivery.id : ""]).apply(([p]) => p);
        const clientAddr = clientHost(spec.bindAddress);
        const ssl = tls ? "?sslmode=require" : "";
        this.uri = pulumi.secret(pulumi.interpolate`postgresql://${cluster.owner}:${cluster.ownerPassword}@${clientAddr}:${this.port}/${cluster.database}${ssl}`);
        this.adminUri = pulumi.secret(pulumi.interpolate`postgresql://${ADMIN_USER}:${admin.value}@${clientAddr}:${this.port}/pgbouncer${ssl}`);
        this.exporter = stats ? pgbouncerExporter({
            name, prefix: enginePrefix(name), network: backend.network.name, images: spec.images,
            connection: pulumi.interpolate`postgres://${STATS_USER}:${stats.value}@${name}:${LISTEN_PORT}/pgbouncer?sslmode=${tls ? `verify-full&sslrootcert=${EXPORTER_CA}` : "disable"}`,
            ...(tls ? { caPem: clusterTls.trustBundlePem } : {}),
            dependsOn: [this.container, ...(delivery ? [delivery] : [])],
        }, this) : undefined;
        this.registerOutputs({ uri: this.uri, adminUri: this.adminUri });
    }
}
