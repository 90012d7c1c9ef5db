import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    DEFAULT_RENEW_BEFORE_FRACTION, DEFAULT_TLS_LIFETIME_DAYS, POSTGRES_VERSION_BEFORE_OPTION, IssueCollector, PatroniClusterInput, PatroniClusterOutputs, PatroniMemberOutputs,
    ResolvedPatroniCluster, checkConstructName, clusterDcsDocument, resolvePatroniCluster, predecessor, imageSource,
} from "@pgscale/core";
import { Database, FirstValue, GeneratedSecret, GeneratedTls, PatroniDynamicConfig, PostgresVersionGuard, Role } from "@pgscale/postgres";
import { PatroniRollout, PatroniRolloutGate } from "./rolling";
import { EtcdCluster } from "./etcd";
import { EtcdScopeUser } from "./etcd-auth";
import { nodeImage } from "./images";
import { clientHost, enginePrefix, hostPort } from "./naming";
import { postgresExporters, rejectKubernetesOnlyMonitoring } from "./monitoring";
import { DockerPreflight } from "./engine/preflight";
import { declaredAccess } from "./declared-access";
import { HAProxyFrontend } from "./haproxy";
import { checkDockerConfig, engineTarget } from "./engine/target";
import { legacyCertificates, memberCertificateDelivery, memberCertificates } from "./member-certs";
import { backupWiring, restoreWiring } from "./backup";
import { MajorUpgrade, MajorUpgradeFinish } from "./major-upgrade";
import { API_PORT, ETCD_CA, MemberWiring, PG_PORT, TLS_DIR, TLS_KEY, memberContainer } from "./patroni-member";
import { z } from "zod";

/** Docker's health probe of each member (GET /health), behind `docker ps` and the provider's `wait`. */
const memberHealthcheckSpec = z.strictObject({
    /** Seconds between probes. Default 2. */
    intervalSeconds: z.number().int().min(1).max(3600).default(2),
    /** Failed probes before Docker reports the member unhealthy. Default 60. */
    retries: z.number().int().min(1).max(10000).default(60),
}).default({ intervalSeconds: 2, retries: 60 });
export type MemberHealthcheck = z.input<typeof memberHealthcheckSpec>;

export interface PatroniClusterArgs extends PatroniClusterInput {
    /** The DCS. Its network is joined unless `network` is given. */
    dcs: EtcdCluster;
    /** Network to join. Default: the DCS's network. */
    network?: docker.Network;
    /**
     * Docker's health probe of the members. The docker provider records a change without
     * replacing the containers (they keep the old probe until they are next replaced), so a
     * change never rolls the cluster.
     */
    healthcheck?: MemberHealthcheck;
    /**
     * After a major upgrade (raising `postgresVersion`), each former replica keeps the previous
     * major's data directory (`pg15` in its volume): the rollback path. Set false once the upgraded
     * cluster is trusted: the next `up` removes those directories from every member. Default true.
     */
    keepPreviousMajorData?: boolean;
    /**
     * Use Docker volumes of the members' data-volume names that already exist (with their old
     * PGDATA) instead of refusing to create the cluster. Default false.
     */
    adoptExistingVolumes?: boolean;
}

/** One PostgreSQL member as HAProxy and tools see it. */
export interface PatroniMember extends PatroniMemberOutputs {
    /** Patroni member name, also its DNS alias on the network. */
    name: string;
    /** The member's DNS alias on the cluster network (its name). */
    host: string;
    container: docker.Container;
    /** Patroni REST API on the host (127.0.0.1), for tools such as `pgscale status`. */
    restUrl: pulumi.Output<string>;
    /** PostgreSQL on the host (127.0.0.1). */
    pgPort: pulumi.Output<number>;
}

/**
 * N PostgreSQL nodes managed by Patroni with streaming replication (PLAYBOOK "High Availability
 * with Patroni"). Passwords are generated secrets; the application role and database are created
 * at bootstrap; DCS settings are reconciled on the live cluster by PatroniDynamicConfig.
 *
 * `primaryUri` and `replicaUri` route by role, as the Kubernetes cluster's Services do: Docker has
 * no role-aware service, so they go through the cluster's `router`, an HAProxyFrontend with its
 * defaults (`<name>-router`, loopback ports) created the first time the program reads one of them
 * or passes the cluster to a PgBouncerPool. A stack with its own HAProxyFrontend that never reads
 * them has no router.
 */
export class PatroniCluster extends pulumi.ComponentResource implements PatroniClusterOutputs {
    public readonly resolved: ResolvedPatroniCluster;
    public readonly scope: string;
    public readonly network: docker.Network;
    public readonly members: PatroniMember[];
    public readonly database: string;
    public readonly owner: string;
    /** Application owner's password (secret). */
    public readonly ownerPassword: pulumi.Output<string>;
    /** The owner's SCRAM verifier (secret), for PgBouncer's auth file. */
    public readonly ownerScramVerifier: pulumi.Output<string>;
    public readonly superuserPassword: pulumi.Output<string>;
    public readonly restApiUser: string;
    public readonly restApiPassword: pulumi.Output<string>;
    /** Reconciles the DCS settings on the live cluster (PATCH /config); `ready` is this resource. */
    public readonly dynamicConfig: PatroniDynamicConfig;
    /** Done once a leader runs, every replica streams and the DCS holds the stack's settings; HAProxy and pools depend on it. */
    public readonly ready: pulumi.Resource;
    /** Worst-case figures the effective timings promise. */
    public readonly worstCaseFailoverSeconds: number;
    public readonly worstCasePlannedSeconds: number;
    public readonly worstCaseDataLossBytes: number;
    /** With `tls.enabled` (the default): the CA that signed the members' certificates (PEM), for sslmode=verify-full; else undefined. */
    public readonly tlsCaPem: pulumi.Output<string | undefined>;
    /**
     * With `restApi.https` (the default): the CA that signed the members' REST API certificates
     * (PEM; the same CA as `tlsCaPem` when `tls.enabled`), for clients of `members[].restUrl`
     * (`pgscale status --patroni-ca`); else undefined.
     */
    public readonly restApiCaPem: pulumi.Output<string | undefined>;
    /** With `tls.enabled` (the default): the generated CA and certificates (keys are secrets); PgBouncerPool signs its own with it. */
    public readonly tls?: GeneratedTls;
    /**
     * With `tls.enabled` (the default): the name (the construct's) that every member's certificate
     * carries besides its own, and that each HAProxyFrontend in front answers to on the network, so
     * a PgBouncerPool dialing HAProxy verifies the member behind it (verify-full); else undefined.
     */
    public readonly tlsServerName?: string;
    /** With `backup` in a volume: the engine volume holding the pgBackRest repository (kept when the cluster is removed); else (no backup, or `repository.s3`) undefined. */
    public readonly backupVolume: pulumi.Output<string | undefined>;
    /** With `backup.encrypt` (the default): the repository's passphrase (secret), needed to restore from it anywhere else. */
    public readonly backupPassphrase: pulumi.Output<string | undefined>;
    /** With `monitoring.enabled`: the postgres_exporter beside each member (in member order); else empty. */
    public readonly exporters: docker.Container[];
    /** The declared `roles`, by name (a login role's generated password is its `password`, secret). */
    public readonly roles: Record<string, Role>;
    /** The declared `databases`, by name. */
    public readonly databases: Record<string, Database>;
    private routerFrontend?: HAProxyFrontend;

    /**
     * The HAProxyFrontend (default options, `<name>-router`) behind `primaryUri` and `replicaUri`,
     * created on first use. Read it in the program's body, not inside an `apply`: a resource made
     * there does not show in `pulumi preview`.
     */
    get router(): HAProxyFrontend {
        this.routerFrontend ??= new HAProxyFrontend(`${this.name}-router`, { cluster: this }, { parent: this });
        return this.routerFrontend;
    }
    /** Read-write URI as the application owner, routed to the leader by the cluster's router (secret, loopback). */
    get primaryUri(): pulumi.Output<string> {
        return this.router.primaryUri;
    }
    /** Read-only URI over healthy replicas, through the cluster's router (secret, loopback). */
    get replicaUri(): pulumi.Output<string> {
        return this.router.replicaUri;
    }
    private readonly name: string;

    constructor(name: string, args: PatroniClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const { dcs, network, healthcheck: healthcheckInput, adoptExistingVolumes, keepPreviousMajorData, ...rest } = args;
        const subject = `PatroniCluster ${name}`;
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        const resolved = issues.run(() => resolvePatroniCluster(rest, subject))!;
        rejectKubernetesOnlyMonitoring(issues, rest);
        if (!(dcs instanceof EtcdCluster)) issues.add("dcs", "must be an EtcdCluster from @pgscale/docker");
        const probe = issues.parse(z.strictObject({ healthcheck: memberHealthcheckSpec }), { healthcheck: healthcheckInput })?.healthcheck;
        if (adoptExistingVolumes !== undefined && typeof adoptExistingVolumes !== "boolean") issues.add("adoptExistingVolumes", "must be a boolean");
        if (keepPreviousMajorData !== undefined && typeof keepPreviousMajorData !== "boolean") issues.add("keepPreviousMajorData", "must be a boolean");
        checkDockerConfig(issues);
        issues.throwIfAny(subject);
        super("pgscale:docker:PatroniCluster", name, {}, opts);
        this.name = name;
        const spec = resolved.spec;
        this.resolved = resolved;
        this.scope = spec.scope ?? name;
        this.network = network ?? dcs.network;
        this.database = spec.database;
        this.owner = spec.owner;
        this.worstCaseFailoverSeconds = resolved.worstCase.failoverSeconds;
        this.worstCasePlannedSeconds = resolved.worstCase.plannedSeconds;
        this.worstCaseDataLossBytes = resolved.worstCase.dataLossBytes;
        resolved.rationale.forEach((r) => pulumi.log.info(`${name}: ${r}`, this));
        resolved.warnings.forEach((w) => pulumi.log.warn(w, this));

        const secret = (role: string) => new GeneratedSecret(`${name}-${role}-password`, {}, { parent: this });
        const superuser = secret("superuser");
        const replication = secret("replication");
        const rewind = secret("rewind");
        const restApi = secret("restapi");
        const owner = secret("owner");
        this.ownerPassword = owner.value;
        this.ownerScramVerifier = owner.scramVerifier;
        this.superuserPassword = superuser.value;
        this.restApiUser = "patroni";
        this.restApiPassword = restApi.value;

        // TLS required on every TCP connection unless the program says otherwise (docs/security.md "TLS").
        const tlsOn = spec.tls.enabled ?? true;
        const dcsDoc = clusterDcsDocument(resolved, this.scope, tlsOn);

        // Patroni reads bootstrap.dcs only when it initialises the cluster; later changes go through
        // PATCH /config, so the nodes keep the first document and are never replaced for them.
        // Its note keeps the major the cluster was initialised with (absent in states from before
        // postgresVersion existed, when every cluster was 15); the guard refuses any other.
        const layout = resolved.layout;
        const bootstrapDcs = new FirstValue(`${name}-bootstrap-dcs`, { value: dcsDoc, note: { postgresVersion: layout.version } }, { parent: this });
        const versionGuard = new PostgresVersionGuard(`${name}-postgres-version`, {
            subject, version: layout.version, versionGiven: args.postgresVersion !== undefined,
            bootstrapVersion: bootstrapDcs.firstNote.apply((n) => n?.postgresVersion ?? POSTGRES_VERSION_BEFORE_OPTION),
            bootstrapRecord: bootstrapDcs.id,
            upgradable: true,
        }, { parent: this });

        const prefix = enginePrefix(name);
        const https = spec.restApi.https;
        // One CA per cluster and one certificate per member, valid for the member's names on the
        // network (Patroni's own calls and HAProxy's checks use its alias) and for loopback, where
        // ports are published: PostgreSQL's TLS (tls.enabled) and the REST API's HTTPS share them.
        // With TLS, also the cluster's name, which HAProxyFrontends in front answer to on the network:
        // PgBouncer dials HAProxy by it and verifies the member's certificate behind (verify-full).
        // Each renews on the first `up` past its renewal point and reaches the running member in place.
        const serverNames = (i: number) => ({
            dnsNames: [`${name}-${i}`, `${prefix}-${i}`, "localhost", ...(tlsOn ? [name] : [])], ipAddresses: ["127.0.0.1"],
            validDays: spec.tls.lifetimeDays ?? DEFAULT_TLS_LIFETIME_DAYS,
        });
        const renewBeforeFraction = spec.tls.renewBeforeFraction ?? DEFAULT_RENEW_BEFORE_FRACTION;
        // `backup` needs them too: the members' pgBackRest servers speak mutual TLS.
        // The CA rotates when `tls.caGeneration` goes up or it is due; every party that verifies
        // gets its trust bundle (the CA and its predecessor), never the CA alone (docs/security.md "Rotation").
        const caGeneration = spec.tls.caGeneration ?? 0;
        const certs = https || (spec.backup && !tlsOn) ? memberCertificates(name, spec.nodes, serverNames, { renewBeforeFraction, caGeneration }, this)
            // PostgreSQL's TLS alone, as clusters made before HTTPS was the default have it: one resource for the CA and every node.
            : tlsOn ? legacyCertificates(new GeneratedTls(`${name}-tls`, {
                servers: Object.fromEntries(Array.from({ length: spec.nodes }, (_, i) => [`${name}-${i}`, serverNames(i)])), renewBeforeFraction, caGeneration,
            }, { parent: this })) : undefined;
        this.tls = tlsOn ? certs!.ca : undefined;
        this.tlsServerName = tlsOn ? name : undefined;
        this.tlsCaPem = this.tls ? this.tls.trustBundlePem : pulumi.output(undefined);
        this.restApiCaPem = https && certs ? certs.ca.trustBundlePem : pulumi.output(undefined);
        const restCaPem = https && certs ? certs.ca.trustBundlePem : undefined;
        const tls = this.tls;
        const names = Array.from({ length: spec.nodes }, (_, i) => `${name}-${i}`);
        const engine = engineTarget(this);
        // With a locked etcd (the default): this scope's own etcd user, which reaches its keys only.
        const etcdSecurity = { tls: dcs.spec.tls, auth: dcs.spec.auth };
        const etcdPassword = etcdSecurity.auth ? secret("etcd") : undefined;
        const etcdUser = etcdPassword ? new EtcdScopeUser(`${name}-etcd-user`, {
            subject, dockerHost: engine.host, containers: dcs.containerNames, tls: etcdSecurity.tls,
            rootPassword: dcs.rootPassword.apply((p) => p ?? ""), scope: this.scope, password: etcdPassword.value,
        // Beside the EtcdAuth that turns auth on (the script works either way), not after it: on a
        // new stack both are on the way to the first member's start.
        }, { parent: this, dependsOn: dcs.serving }) : undefined;
        // What Patroni needs of etcd before it starts: authentication on, and its scope's user.
        const etcdReady = [...dcs.ready, ...(etcdUser ? [etcdUser] : [])];
        const preflight = new DockerPreflight(`${name}-preflight`, {
            subject, dockerHost: engine.host, hostField: engine.hostField, unsupported: engine.unsupported,
            volumes: names.map((_, i) => `${prefix}-${i}-data`), adoptExistingVolumes: adoptExistingVolumes ?? false,
            restApiHttps: https, postgresTls: { enabled: tlsOn, explicit: spec.tls.enabled !== undefined },
        }, { parent: this, dependsOn: [versionGuard] });
        const image = nodeImage(`${name}-image`, layout.image, spec, this, [preflight]);
        const backup = spec.backup
            ? backupWiring(name, prefix, this.scope, spec.backup, layout, { pg: PG_PORT, api: API_PORT, ...(https ? { restApiCaFile: `${TLS_DIR}/ca.crt` } : {}) },
                { ca: certs!.ca, certFile: `${TLS_DIR}/server.crt`, keyFile: TLS_KEY, caFile: `${TLS_DIR}/ca.crt` }, this, [preflight])
            : undefined;
        // A raise of postgresVersion: pg_upgrade on the stopped cluster before its members are replaced.
        const selector = { project: pulumi.getProject(), stack: pulumi.getStack(), component: name };
        const upgradeSource = imageSource("pg-upgrade", { images: spec.images });
        const upgrade = new MajorUpgrade(`${name}-major-upgrade`, {
            subject, selector, dockerHost: engine.host, scope: this.scope, version: layout.version, members: names,
            image: { kind: upgradeSource.kind, ref: upgradeSource.ref },
            restUser: this.restApiUser, restPassword: restApi.value, restCaPem, superuserPassword: superuser.value, pgCaPem: tls?.trustBundlePem,
            etcd: { containers: dcs.containerNames, tls: etcdSecurity.tls, auth: etcdSecurity.auth, rootPassword: dcs.rootPassword.apply((p) => p ?? "") },
            dcsConfig: JSON.stringify(dcsDoc),
        // After the etcd members run, not after authentication is on: on a new cluster it does
        // nothing, and the members' containers wait for it (through their gates); an upgrade checks
        // that etcd takes its root user before it touches anything.
        }, { parent: this, dependsOn: [preflight, image as unknown as pulumi.Resource, ...dcs.serving] });
        const restore = spec.bootstrap?.fromBackup
            ? restoreWiring(spec.bootstrap.fromBackup, layout, spec.owner, spec.database, { name, subject, dockerHost: engine.host, image: image.imageId, network: this.network.name, parent: this })
            : undefined;
        this.backupVolume = backup?.volume ? backup.volume.name : pulumi.output(undefined);
        this.backupPassphrase = backup?.passphrase ?? pulumi.output(undefined);
        const wiring: MemberWiring = {
            name, prefix, scope: this.scope, spec, layout, image: image.imageId, network: this.network.name, preflight,
            passwords: { superuser: superuser.value, replication: replication.value, rewind: rewind.value, restApi: restApi.value, etcd: etcdPassword?.value },
            restApiUser: this.restApiUser, ownerScramVerifier: owner.scramVerifier, bootstrapDcs: bootstrapDcs.value,
            etcd: { clientEndpoints: dcs.clientEndpoints, ...etcdSecurity, caPem: dcs.tlsCaPem, caPemAtCreation: dcs.tlsCaPemAtCreation },
            postgresTls: tlsOn, https, certificates: certs !== undefined, backup, restore, healthcheck: probe!,
        };
        const specs = names.map((member, i) => memberContainer(wiring, member, i, this));

        // Rolling changes (docs/constructs.md "Rolling changes"): the plan orders the members,
        // each member's gate runs before its container is replaced, and the gate of a member being
        // replaced waits for the container before it in the plan, so Pulumi replaces one member at
        // a time, leader last. Members not being replaced (all of them in a new cluster) wait for
        // nothing: a new cluster's members start at once and race for the leader key, as Patroni
        // members do, instead of one container creation after another.
        const rollout = new PatroniRollout(`${name}-rollout`, {
            selector, dockerHost: engine.host, members: names, revisions: Object.fromEntries(specs.map((s) => [s.member, s.revision])), restCaPem,
        // A restore's source is read before the gates exist: a refused restore leaves no member behind.
        }, { parent: this, dependsOn: restore ? [restore.sourceCheck] : [] });
        const gateCredentials = { dockerHost: engine.host, username: this.restApiUser, password: restApi.value, superuserPassword: superuser.value, restCaPem, pgCaPem: tls?.trustBundlePem };
        // A member is up once its container runs and, with certificates, has them (its entrypoint waits).
        const started = new Map<string, pulumi.Resource>();
        const afterPredecessor = (member: string) =>
            rollout.plan.apply((p): pulumi.Resource[] => {
                if (!(p?.replace ?? []).includes(member)) return [];
                const prev = predecessor(p?.order ?? [], member);
                return prev && started.has(prev) ? [started.get(prev)!] : [];
            });
        this.members = specs.map(({ member, args, revision }) => {
            const gate = new PatroniRolloutGate(`${member}-gate`, {
                selector, member, members: names, revision, ...gateCredentials, upgradeToken: upgrade.upgradeToken,
                prefer: rollout.plan.apply((p) => (p?.replace ?? []).slice(0, Math.max(0, (p?.replace ?? []).indexOf(member)))),
            }, { parent: this, dependsOn: afterPredecessor(member) });
            // With certificates, Patroni starts when they arrive (the entrypoint waits for them), so
            // only the delivery waits for etcd's authentication and the scope's user: a new member's
            // container is created while etcd turns authentication on, not after it.
            const container = new docker.Container(member, args, { parent: this, dependsOn: [...(certs ? [] : etcdReady), gate, preflight, upgrade, ...(restore ? [restore.sourceCheck] : [])], deleteBeforeReplace: true });
            started.set(member, certs ? memberCertificateDelivery(member, container, certs, {
                after: etcdReady,
                dockerHost: engine.host, dir: TLS_DIR, binDir: layout.binDir, ...(tlsOn ? { pgPort: PG_PORT } : {}), ...(https ? { apiPort: API_PORT } : {}),
                // Patroni reads etcd's CA on each new connection to etcd.
                ...(etcdSecurity.tls ? { trustFiles: [{ path: ETCD_CA, pem: dcs.tlsCaPem.apply((p) => p ?? "") }] } : {}),
            }, this) : container);
            return {
                name: member,
                host: member,
                container,
                restUrl: pulumi.interpolate`${https ? "https" : "http"}://127.0.0.1:${hostPort(container, API_PORT)}`,
                pgPort: hostPort(container, PG_PORT),
            };
        });
        const settledGate = new PatroniRolloutGate(`${name}-rollout-settled`, {
            selector, members: names, revision: pulumi.output(specs.map((s) => s.revision)).apply((r) => `${names.join(",")}:${r.join(",")}`),
            ...gateCredentials,
        }, { parent: this, dependsOn: [...started.values()] });

        this.dynamicConfig = new PatroniDynamicConfig(`${name}-dcs-config`, {
            members: this.members.map((m) => ({ name: m.name, restUrl: m.restUrl })),
            username: this.restApiUser,
            password: restApi.value,
            caPem: restCaPem,
            config: dcsDoc,
        }, { parent: this, dependsOn: [...this.members.map((m) => m.container), settledGate, ...(restore ? [restore.watch(this.members, restCaPem)] : [])] });
        this.ready = this.dynamicConfig;
        new MajorUpgradeFinish(`${name}-major-upgrade-finish`, {
            dockerHost: engine.host, selector, restUser: this.restApiUser, restPassword: restApi.value, restCaPem, upgradeToken: upgrade.upgradeToken,
            keepPreviousMajorData: keepPreviousMajorData ?? true,
        }, { parent: this, dependsOn: [this.ready] });

        // pgscale's superuser through the router's read-write listener (loopback), so what it
        // creates lands on whichever member leads.
        const adminConnection = (database: string) => {
            const router = this.router;
            return pulumi.secret(pulumi.interpolate`postgresql://postgres:${superuser.value}@${clientHost(router.spec.bindAddress)}:${router.primaryPort}/${database}${tlsOn ? "?sslmode=require" : ""}`);
        };
        if (spec.monitoring.enabled) {
            this.exporters = postgresExporters({
                name, prefix, members: this.members, network: this.network.name, database: spec.database, images: spec.images,
                adminConnection: adminConnection("postgres"), tlsCaPem: tls?.trustBundlePem, dependsOn: [this.ready],
            }, this).containers;
        } else {
            this.exporters = [];
        }
        const access = spec.roles.length || spec.databases.length
            ? declaredAccess(name, { spec, connection: adminConnection(spec.database), ready: this.ready }, this)
            : { roles: {}, databases: {} };
        this.roles = access.roles;
        this.databases = access.databases;

        this.registerOutputs({ members: this.members.map((m) => m.name) });
    }
}
