import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DEFAULT_RENEW_BEFORE_FRACTION, DEFAULT_TLS_LIFETIME_DAYS, PatroniClusterOutputs, PatroniMemberOutputs, ResolvedPatroniCluster, REST_SCHEME_POD_LABEL,
    PGBACKREST_SERVER_PORT,
} from "@pgscale/core";
import { GeneratedSecret, GeneratedTls } from "@pgscale/postgres";
import { backupPodParts, backupRepositoryClaim, backupSecret, repositoryClaimName } from "./backup";
import { IMAGE_USERS, podImage } from "./images";
import { SCOPE_LABEL, labelsFor } from "./labels";
import { postgresExporterObjects } from "./monitoring";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { memberPolicies } from "./network-policy";
import { PatroniClusterArgs, checkPatroniArgs } from "./patroni-args";
import { patroniBootstrap } from "./patroni-bootstrap";
import { API_PORT, CONFIG_DIR, ETCD_CA, PG_PORT, REST_CA, patroniConfigSecret } from "./patroni-config";
import { patroniEtcdAccess } from "./patroni-etcd";
import { DcsStore } from "./patroni-files";
import { RECONCILE_TIMEOUT_S, patroniJobs } from "./patroni-jobs";
import { memberPod, memberPodBasics, patroniStatefulSet } from "./patroni-pod";
import { patroniIdentity, patroniRoleRules } from "./patroni-rbac";
import { patroniServices } from "./patroni-services";
import { patroniMemberTls } from "./patroni-tls";
import { DeclaredDatabase, DeclaredRole } from "./declared-access";
import { podMonitor } from "./pod-monitor";
import { PatroniPlatform } from "./platform";
import { restoreChecks } from "./restore-check";
import { ServiceEndpoint, podHost, serviceEndpoint } from "./service-endpoint";

export type { PatroniClusterArgs } from "./patroni-args";
export { keptRestApiHttps } from "./patroni-tls";

/** One PostgreSQL member as HAProxy and tools see it. */
export interface PatroniMember extends PatroniMemberOutputs {
    /** Patroni member name, also its pod's name. */
    name: string;
    /** Stable in-cluster DNS name (through the headless Service). */
    host: string;
    /** Patroni REST API, in-cluster. */
    restUrl: pulumi.Output<string>;
    /** PostgreSQL's port on the pod. */
    pgPort: pulumi.Output<number>;
}

/**
 * N PostgreSQL pods managed by Patroni with streaming replication (PLAYBOOK "High Availability
 * with Patroni"), on a StatefulSet with a volume per member. Clients use the primary and replica
 * Services, which select pods by the role label; DCS settings reach the live cluster through an
 * in-cluster Job (see dcsReconcileJob). Same arguments as @pgscale/docker's PatroniCluster, with
 * `dcs` optional and Kubernetes placement options.
 *
 * The component checks its arguments (patroni-args.ts) and wires its parts, built by phase: the
 * DCS document and bootstrap record (patroni-bootstrap.ts), certificates (patroni-tls.ts), identity
 * (patroni-rbac.ts), the config Secret (patroni-config.ts), Services (patroni-services.ts), the
 * StatefulSet (patroni-pod.ts) and the in-cluster Jobs (patroni-jobs.ts).
 */
export class PatroniCluster extends pulumi.ComponentResource implements PatroniClusterOutputs {
    public readonly resolved: ResolvedPatroniCluster;
    public readonly platform: PatroniPlatform;
    public readonly scope: string;
    public readonly namespace: NamespaceRef;
    /** "kubernetes" (Patroni's own Endpoints) or "etcd" (the EtcdCluster given as `dcs`). */
    public readonly dcsKind: DcsStore["kind"];
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
    /** Read-write Service (pods labelled role=master). */
    public readonly primary: ServiceEndpoint;
    /** Read-only Service over running replicas (role=replica). */
    public readonly replicas: ServiceEndpoint;
    /** Read-write URI as the application owner, in-cluster (secret). */
    public readonly primaryUri: pulumi.Output<string>;
    /** Read-only URI over the replicas, in-cluster (secret). */
    public readonly replicaUri: pulumi.Output<string>;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly configSecret: k8s.core.v1.Secret;
    public readonly services: k8s.core.v1.Service[];
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;
    public readonly role: k8s.rbac.v1.Role;
    public readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    /** With an EtcdCluster whose `auth` is on: the Job that creates this scope's etcd user; else undefined. */
    public readonly etcdUser?: k8s.batch.v1.Job;
    /** The Job that reconciles the DCS settings in the cluster; `ready` is this Job. */
    public readonly dcsReconcile: k8s.batch.v1.Job;
    /** Done once a leader runs, every replica streams and the DCS holds the stack's settings (the Job completed). */
    public readonly ready: pulumi.Resource;
    /**
     * With `monitoring.enabled`: the Job that creates (or repairs) the `pgscale_monitor` role
     * through the primary Service, once the cluster is ready; else undefined.
     */
    public readonly monitorRole?: k8s.batch.v1.Job;
    /**
     * The declared `roles`, by name: each login role's generated `password` and `scramVerifier`
     * (secrets), known once the access Job created it.
     */
    public readonly roles: Record<string, DeclaredRole>;
    /** The declared `databases`, by name. */
    public readonly databases: Record<string, DeclaredDatabase>;
    /**
     * With `roles` or `databases`: the Job that creates and updates them through the primary
     * Service, once the cluster is ready; else undefined.
     */
    public readonly access?: k8s.batch.v1.Job;
    /**
     * With `monitoring.podMonitor`: prometheus-operator's PodMonitor for the member pods (Patroni's
     * /metrics, the exporters' with `monitoring.enabled`, the backup scheduler's with `backup`); else undefined.
     */
    public readonly podMonitor?: k8s.apiextensions.CustomResource;
    /** With `tls.enabled` (the default): the CA that signed the members' certificates (PEM), for sslmode=verify-full; else undefined. */
    public readonly tlsCaPem: pulumi.Output<string | undefined>;
    /** With `tls.enabled` (the default): the generated CA and certificates (keys are secrets); PgBouncerPool signs its own with it. */
    public readonly tls?: GeneratedTls;
    /**
     * With `tls.enabled` (the default): the name (the construct's) that every member's certificate
     * carries besides its pod's and the Services': a PgBouncerPool in front of an HAProxyFrontend
     * dials HAProxy by it and verifies the member behind in full.
     */
    public readonly tlsServerName?: string;
    /** With `restApi.https` (the default): the CA that signed the members' REST API certificates (PEM); else undefined. */
    public readonly restApiCaPem: pulumi.Output<string | undefined>;
    /** The labels that select the members (HAProxy and PgBouncer open their paths to them). */
    public readonly podSelector: Record<string, string>;
    /** PostgreSQL's and the REST API's ports on the members. */
    public readonly pgPort = PG_PORT;
    public readonly apiPort = API_PORT;
    /**
     * With `networkPolicy.enabled` (the default): `<name>-members` and, with an EtcdCluster,
     * `<name>-to-etcd` (in the etcd's namespace); else empty. docs/security.md "Network policies (Kubernetes)".
     */
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];
    /**
     * With `backup.encrypt` (the default): the repository's passphrase (secret), needed to restore
     * from it anywhere else (`bootstrap.fromBackup.passphrase`); else undefined.
     */
    public readonly backupPassphrase: pulumi.Output<string | undefined>;
    /**
     * With `backup` in a volume: the PersistentVolumeClaim holding the pgBackRest repository (kept
     * when the cluster is removed unless `backup.removalPolicy` is "destroy"; a restore's
     * `bootstrap.fromBackup.repository.volume` in the same namespace); else (no backup, or
     * `repository.s3`) undefined.
     */
    public readonly backupVolume: pulumi.Output<string | undefined>;
    /** The `kubeconfig` and `context` given, for pgscale's steps that run kubectl (a RestoreDrill of this cluster takes them as its defaults). */
    public readonly kubectl: { kubeconfig?: pulumi.Input<string>; context?: string };
    /** Worst-case figures the effective timings promise. */
    public readonly worstCaseFailoverSeconds: number;
    public readonly worstCasePlannedSeconds: number;
    public readonly worstCaseDataLossBytes: number;

    constructor(name: string, args: PatroniClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const subject = `PatroniCluster ${name}`;
        const { resolved, platform: p, scope, dcs } = checkPatroniArgs(name, subject, args, opts);
        super("pgscale:kubernetes:PatroniCluster", name, {}, opts);
        this.kubectl = { kubeconfig: args.kubeconfig, context: args.context };

        const spec = resolved.spec;
        this.resolved = resolved;
        this.platform = p;
        this.scope = scope;
        this.database = spec.database;
        this.owner = spec.owner;
        this.dcsKind = dcs ? "etcd" : "kubernetes";
        this.worstCaseFailoverSeconds = resolved.worstCase.failoverSeconds;
        this.worstCasePlannedSeconds = resolved.worstCase.plannedSeconds;
        this.worstCaseDataLossBytes = resolved.worstCase.dataLossBytes;
        resolved.rationale.forEach((r) => pulumi.log.info(`${name}: ${r}`, this));
        resolved.warnings.forEach((w) => pulumi.log.warn(w, this));
        const https = spec.restApi.https;
        // TLS required on every TCP connection unless the program says otherwise (docs/security.md "TLS").
        const tlsOn = spec.tls.enabled ?? true;

        const secret = (role: string) => new GeneratedSecret(`${name}-${role}-password`, {}, { parent: this });
        const passwords = { superuser: secret("superuser"), replication: secret("replication"), rewind: secret("rewind"), restApi: secret("restapi"), owner: secret("owner") };
        this.ownerPassword = passwords.owner.value;
        this.ownerScramVerifier = passwords.owner.scramVerifier;
        this.superuserPassword = passwords.superuser.value;
        this.restApiUser = "patroni";
        this.restApiPassword = passwords.restApi.value;

        // The DCS document, its bootstrap record and the checks of what the members read at start only (patroni-bootstrap.ts).
        const { dcsDoc, bootstrapDcs, kept, versionGuard } = patroniBootstrap(name, subject, {
            resolved, scope, https, tlsOn, versionGiven: args.postgresVersion !== undefined,
        }, this);
        const layout = resolved.layout;

        const { labels, selector } = labelsFor(name, "patroni", "database");
        // With restApi.https, a label that tells Prometheus to scrape Patroni's /metrics over HTTPS.
        const podLabels = { ...labels, [SCOPE_LABEL]: scope, ...(https ? { [REST_SCHEME_POD_LABEL]: "https" } : {}) };
        this.namespace = resolveNamespace(this, name, p.namespace, p.createNamespace, dcs?.namespace);
        const ns = this.namespace.name;
        const nsRef = this.namespace.ref;
        this.podSelector = selector;
        // Before the etcd user Job and the members, so each starts with its paths open and the rest closed.
        this.networkPolicies = memberPolicies(name, {
            selector, namespace: this.namespace, labels, pgPort: PG_PORT, apiPort: API_PORT, exporter: spec.monitoring.enabled, options: p.networkPolicy,
            // With `backup`, a standby's backup reaches the primary's pgBackRest server.
            peerPorts: spec.backup ? [PGBACKREST_SERVER_PORT] : [], backupMetrics: spec.backup !== undefined,
            etcd: dcs && { selector: dcs.podSelector, namespace: dcs.namespace, clientPort: dcs.clientContainerPort },
        }, this);
        const headless = `${name}-headless`;
        const image = podImage(layout.image, spec);
        // The REST URLs as plain strings go into the reconcile Job's input; the members show them as Outputs like Docker's.
        const memberApis = Array.from({ length: spec.nodes }, (_, i) => {
            const host = podHost(`${name}-${i}`, headless, ns, p.clusterDomain);
            return { name: `${name}-${i}`, host, restUrl: `${https ? "https" : "http"}://${host}:${API_PORT}` };
        });
        this.primary = serviceEndpoint(`${name}-primary`, ns, PG_PORT, p.clusterDomain);
        this.replicas = serviceEndpoint(`${name}-replicas`, ns, PG_PORT, p.clusterDomain);
        // The members' certificates (REST API, PostgreSQL, and `backup`'s pgBackRest servers).
        const memberTls = https || tlsOn || spec.backup ? patroniMemberTls(name, memberApis, {
            headless, namespace: ns, postgresTls: tlsOn, services: [this.primary, this.replicas],
            lifetimeDays: spec.tls.lifetimeDays ?? DEFAULT_TLS_LIFETIME_DAYS, renewBeforeFraction: spec.tls.renewBeforeFraction ?? DEFAULT_RENEW_BEFORE_FRACTION,
            caGeneration: spec.tls.caGeneration ?? 0,
        }, this) : undefined;
        const restTls = https ? memberTls : undefined;
        // Past the checks of restApi.https and tls.enabled, so HAProxy's ConfigMap and PgBouncer wait on them too.
        this.restApiCaPem = restTls ? pulumi.all([restTls.trustBundlePem, kept]).apply(([ca]) => ca) : pulumi.output(undefined);
        this.tls = tlsOn ? memberTls : undefined;
        this.tlsServerName = tlsOn ? name : undefined;
        this.tlsCaPem = this.tls ? pulumi.all([this.tls.trustBundlePem, kept]).apply(([ca]) => ca) : pulumi.output(undefined);
        this.members = memberApis.map((m) => ({ ...m, restUrl: pulumi.output(m.restUrl), pgPort: pulumi.output(PG_PORT) }));
        const memberNames = this.members.map((m) => m.name);
        // pgBackRest (`backup`) and the restore (`bootstrap.fromBackup`): files in the `<name>-backup` Secret (backup.ts).
        const backupSecretName = `${name}-backup`;
        const backup = backupPodParts(spec.backup, spec.bootstrap?.fromBackup, backupSecretName, {
            name, scope, layout, pgPort: PG_PORT, apiPort: API_PORT, caFile: `${CONFIG_DIR}/${REST_CA}`, ca: memberTls!,
            memberCertFile: `${CONFIG_DIR}/$POD_NAME.crt`, memberKeyFile: `${CONFIG_DIR}/$POD_NAME.key`,
            ...(https ? { restApiCaFile: `${CONFIG_DIR}/${REST_CA}` } : {}),
            patroniConfig: `${CONFIG_DIR}/$(POD_NAME).yml`, kubernetesDcs: !dcs, owner: spec.owner, database: spec.database, parent: this,
        });
        this.backupPassphrase = backup?.passphrase ?? pulumi.output(undefined);

        // Identity and the least RBAC Patroni needs (patroni-rbac.ts).
        const identity = patroniIdentity(name, {
            namespace: nsRef, namespaceName: ns, labels, rules: [...patroniRoleRules(this.dcsKind, scope, memberNames), ...(backup?.rules ?? [])],
        }, this);
        this.serviceAccount = identity.serviceAccount;
        this.role = identity.role;

        // With a locked etcd (the default): this scope's own etcd user, which reaches its keys only.
        const etcd = dcs && patroniEtcdAccess(name, scope, dcs, {
            namespace: nsRef, password: dcs.spec.auth ? secret("etcd").value : undefined,
            caKey: ETCD_CA, caFile: `${CONFIG_DIR}/${ETCD_CA}`, timeoutSeconds: RECONCILE_TIMEOUT_S, after: this.networkPolicies,
        }, this);
        this.etcdUser = etcd?.user;

        // Every member's patroni.yml, certificates and bootstrap script in `<name>-patroni` (patroni-config.ts).
        const config = patroniConfigSecret(name, {
            namespace: nsRef, namespaceName: ns, labels, selector, scope, spec, layout, members: this.members, passwords, restApiUser: this.restApiUser,
            https, tlsOn, bootstrapDcs: bootstrapDcs.value, memberTls, kept, backup, etcd, dependsOn: [versionGuard],
        }, this);
        this.configSecret = config.secret;
        const backupFiles = backup && backupSecret(backupSecretName, this.namespace, labels, backup.files, this, [versionGuard]);
        const claimName = repositoryClaimName(name, spec.backup);
        const repositoryClaim = claimName !== undefined && p.backupStorage
            ? backupRepositoryClaim(name, claimName, { namespace: this.namespace, labels, storage: p.backupStorage, removalPolicy: spec.backup!.removalPolicy, parent: this, dependsOn: [versionGuard] })
            : undefined;
        this.backupVolume = repositoryClaim ? repositoryClaim.metadata.name : pulumi.output(undefined);

        const { roleServices, memberServices } = patroniServices(name, {
            namespace: nsRef, labels, selector, scope, serviceType: p.serviceType, pgPort: PG_PORT, apiPort: API_PORT, kubernetesDcs: !dcs,
        }, this);
        this.services = [...memberServices, ...roleServices];
        const uri = (host: string) => pulumi.secret(pulumi.interpolate`postgresql://${spec.owner}:${passwords.owner.value}@${host}:${PG_PORT}/${spec.database}${tlsOn ? "?sslmode=require" : ""}`);
        this.primaryUri = uri(this.primary.host);
        this.replicaUri = uri(this.replicas.host);

        // With monitoring, postgres_exporter runs beside Patroni in every member pod.
        const monitoring = spec.monitoring.enabled;
        const monitorPassword = monitoring ? secret("monitor") : undefined;
        const exporter = monitorPassword && postgresExporterObjects(name, {
            namespace: nsRef, labels, password: monitorPassword.value, database: spec.database, images: spec.images, imagePullPolicy: p.imagePullPolicy, tls: tlsOn,
        }, this);

        // With `bootstrap.fromBackup`: the source bucket read in a throwaway pod before any member exists, then the restore watched (restore-check.ts).
        const restore = restoreChecks(name, spec.bootstrap?.fromBackup, {
            subject, namespace: nsRef, kubectl: this.kubectl, dataDir: layout.dataDir, parent: this, dependsOn: [versionGuard],
            member: pulumi.output(nsRef).apply((namespace) => {
                const basics = memberPodBasics({ resolved, platform: p, image, selector });
                return memberPod(name, namespace, { ...basics.pod, containers: [basics.container] });
            }),
        });

        this.statefulSet = patroniStatefulSet(name, {
            namespace: nsRef, labels, podLabels, selector, serviceName: headless, spec, resolved, platform: p, image, https, tlsOn, certificates: memberTls !== undefined, kubernetesDcs: !dcs,
            // Waits on the check of restApi.https (a refused change registers no member change).
            restScheme: kept.apply(([h]) => (h ? "https" : "http")),
            serviceAccountName: this.serviceAccount.metadata.name, configSecretName: config.secretName, backup, exporter,
            dependsOn: [versionGuard, identity.roleBinding, this.configSecret, ...(backupFiles ? [backupFiles] : []), ...(repositoryClaim ? [repositoryClaim] : []), ...memberServices, ...(exporter?.objects ?? []),
                ...(dcs ? [dcs] : []), ...(this.etcdUser ? [this.etcdUser] : []), ...this.networkPolicies, ...(restore ? [restore.check] : [])],
        }, this);

        // Drains take one member at a time: a replica, or the primary with a failover to a streaming replica.
        this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: { name, namespace: nsRef, labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, { parent: this });

        // The DCS settings' reconcile (`ready`), then the monitoring role and declared access (patroni-jobs.ts).
        const jobs = patroniJobs(name, {
            namespace: nsRef, image, imageUser: IMAGE_USERS[layout.image], placement: p, spec, dcsDoc,
            members: memberApis.map((m) => ({ name: m.name, restUrl: m.restUrl })), restApiUser: this.restApiUser, restApiPassword: passwords.restApi.value,
            restApiCaPem: restTls?.trustBundlePem, primaryHost: this.primary.host, superuserPassword: passwords.superuser.value,
            tlsCaPem: this.tls?.trustBundlePem, monitorScramVerifier: monitorPassword?.scramVerifier, statefulSet: this.statefulSet,
            after: restore ? [restore.watch(this.statefulSet, memberNames)] : [],
        }, this);
        this.dcsReconcile = jobs.dcsReconcile;
        this.ready = this.dcsReconcile;
        this.monitorRole = jobs.monitorRole;
        this.roles = jobs.access.roles;
        this.databases = jobs.access.databases;
        this.access = jobs.access.job;
        if (spec.monitoring.podMonitor) {
            this.podMonitor = podMonitor(name, {
                namespace: this.namespace, labels, selector, extraLabels: spec.monitoring.podMonitorLabels,
                // Patroni serves /metrics on every member, exporters or not; with `backup`, its scheduler too.
                jobs: [...(monitoring ? ["patroni", "postgres"] as const : ["patroni"] as const), ...(spec.backup ? ["backup"] as const : [])], patroniHttps: https,
            }, this);
        }

        this.registerOutputs({ members: memberNames, primaryUri: this.primaryUri, replicaUri: this.replicaUri });
    }
}
