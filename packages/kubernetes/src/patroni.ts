import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DATA_MOUNT, kubernetesMetricsPort, POSTGRES_VERSION_BEFORE_OPTION, PatroniClusterInput, PatroniClusterOutputs, PatroniMemberOutputs, ResolvedPatroniCluster, nodeTagsSpec, renderDcsConfig, renderPgHba, renderPostBootstrap,
    IssueCollector, PGBACKREST_SERVER_PORT, REST_SCHEME_POD_LABEL, archiveParameters, checkConstructName, resolvePatroniCluster,
} from "@pgscale/core";
import { backupPodParts, backupSecret, kubernetesBackupIssues } from "./backup";
import { FirstValue, GeneratedSecret, GeneratedTls, PostgresVersionGuard } from "@pgscale/postgres";
import { dcsReconcileJob, readScript } from "./dcs-reconcile";
import { EtcdCluster } from "./etcd";
import { IMAGE_USERS, podImage } from "./images";
import { SCOPE_LABEL, labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { DcsStore, renderMemberYaml } from "./patroni-files";
import { patroniEtcdAccess } from "./patroni-etcd";
import { patroniServices } from "./patroni-services";
import { patroniEndpointNames, patroniRoleRules } from "./patroni-rbac";
import { memberPolicies } from "./network-policy";
import {
    NETWORK_POLICY_KEY, NetworkPolicyPlatformArgs, PLACEMENT_KEYS, PatroniPlatform, PlacementArgs, StorageArgs, patroniPlatformSpec, splitArgs,
} from "./platform";
import { monitorRoleJob, postgresExporterObjects } from "./monitoring";
import { DeclaredDatabase, DeclaredRole, declaredAccessJob } from "./declared-access";
import { podMonitor } from "./pod-monitor";
import { containerSecurityContext, httpProbe, podSecurityContext, scheduling, scratchVolumes } from "./pod";
import { ServiceEndpoint, podHost, serviceEndpoint } from "./service-endpoint";
import { POSTGRES_TLS_DIR, keptPostgresTls, postgresTlsNames } from "./patroni-tls";

export interface PatroniClusterArgs extends PatroniClusterInput, PlacementArgs, NetworkPolicyPlatformArgs {
    /** An etcd DCS. Default: Patroni's Kubernetes DCS (Endpoints in the namespace, no etcd to run). */
    dcs?: EtcdCluster;
    /** Data volume per member. Default 10Gi of the default StorageClass. */
    storage?: StorageArgs;
}

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

const PG_PORT = 5432;
const API_PORT = 8008;
/** The REST API's CA in the config Secret (restApi.https). */
const REST_CA = "rest-ca.crt";

/**
 * restApi.https as the running cluster was created with it, from the bootstrap record's note; a
 * change is refused (see the caller). A note from before restApi.https counts as false. No note at
 * all is nothing to compare with: a record from before notes existed (documented), or a program
 * run under Pulumi's mocks, where no provider records one.
 */
export function keptRestApiHttps(subject: string, firstNote: { restApiHttps?: boolean } | undefined, now: boolean): boolean {
    if (firstNote === undefined) return now;
    const first = firstNote.restApiHttps ?? false;
    if (first !== now) {
        throw new Error(`${subject}: restApi.https is ${now}, but the running members were created with restApi.https ${first}; `
            + "the members read it at start only, and their probes and HAProxy's checks would switch before them. "
            + `Set \`restApi: { https: ${first} }\` to keep the running cluster (docs/security.md "The control plane").`);
    }
    return now;
}
const CONFIG_DIR = "/etc/patroni";
/** The etcd cluster's CA, to verify the DCS's members: a key of the config Secret. */
const ETCD_CA = "etcd-ca.crt";
const RECONCILE_TIMEOUT_S = 300;

/**
 * N PostgreSQL pods managed by Patroni with streaming replication (PLAYBOOK "High Availability
 * with Patroni"), on a StatefulSet with a volume per member. Clients use the primary and replica
 * Services, which select pods by the role label; DCS settings reach the live cluster through an
 * in-cluster Job (see dcsReconcileJob). Same arguments as @pgscale/docker's PatroniCluster, with
 * `dcs` optional and Kubernetes placement options.
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
     * /metrics, and the exporters' with `monitoring.enabled`); else undefined.
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
    /** Worst-case figures the effective timings promise. */
    public readonly worstCaseFailoverSeconds: number;
    public readonly worstCasePlannedSeconds: number;
    public readonly worstCaseDataLossBytes: number;

    constructor(name: string, args: PatroniClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const subject = `PatroniCluster ${name}`;
        const { dcs, ...withoutDcs } = args;
        const [platformArgs, rest] = splitArgs(withoutDcs, [...PLACEMENT_KEYS, NETWORK_POLICY_KEY, "storage"]);
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        const resolved = issues.run(() => resolvePatroniCluster(rest, subject));
        const platform = issues.parse(patroniPlatformSpec, platformArgs);
        if (dcs !== undefined && !(dcs instanceof EtcdCluster)) issues.add("dcs", "must be an EtcdCluster from @pgscale/kubernetes (or omitted for the Kubernetes DCS)");
        if (resolved?.spec.tls.renewBeforeFraction !== undefined) issues.add("tls.renewBeforeFraction", "is only available on Docker so far (Kubernetes does not renew certificates yet)");
        if (resolved?.spec.tls.caGeneration !== undefined) issues.add("tls.caGeneration", "is only available on Docker so far (Kubernetes does not rotate its CA yet)");
        kubernetesBackupIssues(resolved?.spec.backup, resolved?.spec.bootstrap?.fromBackup).forEach((x) => issues.add(x.field, x.message));
        // The access Job creates and updates, and never drops: a removal policy that asks for a drop would be silently ignored.
        removalPolicyIssues(args).forEach((x) => issues.add(x.field, x.message));
        const scope = resolved?.spec.scope ?? name;
        if (resolved && dcs === undefined) {
            // A Service with a selector owns its Endpoints: sharing a name with Patroni's would hand the leader lock to the endpoints controller.
            const clash = patroniEndpointNames(scope).filter((n) => [`${name}-primary`, `${name}-replicas`, `${name}-headless`].includes(n));
            if (clash.length) issues.add("scope", `Patroni's Endpoints ${clash.join(", ")} would share a name with this cluster's Services; choose another scope`);
        }
        issues.throwIfAny(subject);
        super("pgscale:kubernetes:PatroniCluster", name, {}, opts);

        const spec = resolved!.spec;
        const p = platform!;
        this.resolved = resolved!;
        this.platform = p;
        this.scope = scope;
        this.database = spec.database;
        this.owner = spec.owner;
        this.dcsKind = dcs ? "etcd" : "kubernetes";
        this.worstCaseFailoverSeconds = this.resolved.worstCase.failoverSeconds;
        this.worstCasePlannedSeconds = this.resolved.worstCase.plannedSeconds;
        this.worstCaseDataLossBytes = this.resolved.worstCase.dataLossBytes;
        this.resolved.rationale.forEach((r) => pulumi.log.info(`${name}: ${r}`, this));
        this.resolved.warnings.forEach((w) => pulumi.log.warn(w, this));
        const https = spec.restApi.https;
        // TLS required on every TCP connection unless the program says otherwise (docs/security.md "TLS").
        const tlsOn = spec.tls.enabled ?? true;

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

        const dcsDoc = renderDcsConfig({
            timings: this.resolved.timings,
            usePgRewind: spec.patroni.usePgRewind,
            synchronousMode: this.resolved.synchronousMode,
            synchronousModeStrict: this.resolved.synchronousModeStrict,
            synchronousNodeCount: spec.patroni.synchronousNodeCount,
            failsafeMode: spec.patroni.failsafeMode,
            checkTimeline: spec.patroni.checkTimeline,
            // With backup, every member archives into the stanza once it is primary.
            parameters: { ...this.resolved.parameters, ...(spec.backup ? archiveParameters(scope, spec.backup) : {}) },
            pgHba: renderPgHba("replicator", spec.pgHba, tlsOn),
            patroniMajor: this.resolved.layout.patroniMajor,
            logicalSlots: this.resolved.logicalSlots,
        });
        // Patroni reads bootstrap.dcs only when it initialises the cluster; later changes go through
        // PATCH /config (dcsReconcile), so the member configs keep the first document.
        // Its note keeps the major the cluster was initialised with (absent in states from before
        // postgresVersion existed, when every cluster was 15); the guard refuses any other.
        const layout = this.resolved.layout;
        const bootstrapDcs = new FirstValue(`${name}-bootstrap-dcs`, { value: dcsDoc, note: { postgresVersion: layout.version, restApiHttps: https, postgresTls: tlsOn } }, { parent: this });
        // The members read patroni.yml at start only, so HTTPS cannot reach a running cluster together
        // with its probes and HAProxy's checks: the first value stays, and a change fails
        // `pulumi preview` here, before anything is touched.
        const keptHttps = bootstrapDcs.firstNote.apply((n) => keptRestApiHttps(subject, n, https));
        // The same for PostgreSQL's TLS: members replicate with the sslmode they require.
        const keptTls = bootstrapDcs.firstNote.apply((n) => keptPostgresTls(subject, n, tlsOn));
        // Both checks, for what must wait on them.
        const kept = pulumi.all([keptHttps, keptTls]);
        const versionGuard = new PostgresVersionGuard(`${name}-postgres-version`, {
            subject, version: layout.version, versionGiven: args.postgresVersion !== undefined,
            bootstrapVersion: bootstrapDcs.firstNote.apply((n) => n?.postgresVersion ?? POSTGRES_VERSION_BEFORE_OPTION),
            bootstrapRecord: bootstrapDcs.id,
        }, { parent: this });

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
            peerPorts: spec.backup ? [PGBACKREST_SERVER_PORT] : [],
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
        // The members' certificates (REST API and PostgreSQL): one per member, valid for its pod DNS
        // names (Patroni's own calls, replication and HAProxy's checks use the full one), localhost and
        // 127.0.0.1 (the probes' kubelet does not verify); with PostgreSQL TLS also the Services' names
        // and the cluster's (postgresTlsNames).
        // `backup` needs them too: the members' pgBackRest servers speak mutual TLS.
        const memberTls = https || tlsOn || spec.backup ? new GeneratedTls(`${name}-tls`, {
            servers: Object.fromEntries(memberApis.map((m) => [m.name, {
                dnsNames: [m.host, `${m.name}.${headless}.${ns}.svc`, `${m.name}.${headless}.${ns}`, `${m.name}.${headless}`, "localhost",
                    ...(tlsOn ? postgresTlsNames(name, [this.primary, this.replicas]) : [])],
                ipAddresses: ["127.0.0.1"],
                ...(tlsOn && spec.tls.lifetimeDays !== undefined ? { validDays: spec.tls.lifetimeDays } : {}),
            }])),
        }, { parent: this }) : undefined;
        const restTls = https ? memberTls : undefined;
        // Past the checks of restApi.https and tls.enabled, so HAProxy's ConfigMap and PgBouncer wait on them too.
        this.restApiCaPem = restTls ? pulumi.all([restTls.caCertPem, kept]).apply(([ca]) => ca) : pulumi.output(undefined);
        this.tls = tlsOn ? memberTls : undefined;
        this.tlsServerName = tlsOn ? name : undefined;
        this.tlsCaPem = this.tls ? pulumi.all([this.tls.caCertPem, kept]).apply(([ca]) => ca) : pulumi.output(undefined);
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
        this.serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-patroni`, {
            metadata: { name: `${name}-patroni`, namespace: nsRef, labels },
        }, { parent: this });
        this.role = new k8s.rbac.v1.Role(`${name}-patroni`, {
            metadata: { name: `${name}-patroni`, namespace: nsRef, labels },
            rules: [...patroniRoleRules(this.dcsKind, scope, memberNames), ...(backup?.rules ?? [])],
        }, { parent: this });
        const roleBinding = new k8s.rbac.v1.RoleBinding(`${name}-patroni`, {
            metadata: { name: `${name}-patroni`, namespace: nsRef, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace: ns }],
        }, { parent: this });

        // With a locked etcd (the default): this scope's own etcd user, which reaches its keys only.
        const etcd = dcs && patroniEtcdAccess(name, scope, dcs, {
            namespace: nsRef, password: dcs.spec.auth ? secret("etcd").value : undefined,
            caKey: ETCD_CA, caFile: `${CONFIG_DIR}/${ETCD_CA}`, timeoutSeconds: RECONCILE_TIMEOUT_S, after: this.networkPolicies,
        }, this);
        this.etcdUser = etcd?.user;

        // Every member's patroni.yml (passwords inside) and the bootstrap script (the owner's verifier) in one Secret.
        const callback = dcs ? `${CONFIG_DIR}/role-label.sh` : undefined;
        // Read only past the checks of restApi.https and tls.enabled (kept), so a refused change touches nothing.
        const certFiles = pulumi.all([memberTls?.caCertPem, memberTls?.certs, kept]).apply(([ca, certs]) => (ca && certs ? { ca, certs } : undefined));
        // The owner's verifier inside; a restored cluster's sets it on the restored roles (renderPostRestore).
        const postBootstrap = backup?.postBootstrap
            ? backup.postBootstrap(owner.scramVerifier)
            : owner.scramVerifier.apply((v) => renderPostBootstrap(spec.owner, v, spec.database));
        const files = pulumi
            .all([superuser.value, replication.value, rewind.value, restApi.value, bootstrapDcs.value, postBootstrap, etcd?.config, certFiles])
            .apply(([su, repl, rw, api, dcsAtBootstrap, postBootstrapScript, etcdConfig, tlsFiles]) => {
                const caPem = tlsFiles?.ca;
                const certs = tlsFiles?.certs;
                const store: DcsStore = etcdConfig?.store ?? { kind: "kubernetes", namespace: ns, labels: selector, pgPort: PG_PORT };
                const out: Record<string, string> = { ...etcdConfig?.files };
                this.members.forEach((m, i) => {
                    out[`${m.name}.yml`] = renderMemberYaml({
                        scope, name: m.name, host: m.host, dcs: dcsAtBootstrap,
                        superuser: { username: "postgres", password: su },
                        replication: { username: "replicator", password: repl },
                        rewind: { username: "rewind", password: rw },
                        restApi: { username: this.restApiUser, password: api },
                        tags: spec.nodeTags[i] ?? nodeTagsSpec.parse({}),
                        dataDir: layout.dataDir, binDir: layout.binDir,
                        postBootstrap: `${CONFIG_DIR}/post-bootstrap.sh`,
                        ...(backup?.replicaMethod ? { replicaMethod: backup.replicaMethod } : {}),
                        ...(backup?.bootstrapMethod ? { bootstrapMethod: backup.bootstrapMethod } : {}),
                        pgPort: PG_PORT, apiPort: API_PORT,
                        ...(https && certs ? { restApiTls: { certFile: `${CONFIG_DIR}/${m.name}.crt`, keyFile: `${CONFIG_DIR}/${m.name}.key`, caFile: `${CONFIG_DIR}/${REST_CA}` } } : {}),
                        ...(tlsOn && certs ? { tls: { certFile: `${POSTGRES_TLS_DIR}/${m.name}.crt`, keyFile: `${POSTGRES_TLS_DIR}/${m.name}.key`, caFile: `${POSTGRES_TLS_DIR}/${REST_CA}` } } : {}),
                    }, store, callback, layout.patroniMajor);
                    if (certs) {
                        out[`${m.name}.crt`] = certs[m.name].certPem;
                        out[`${m.name}.key`] = certs[m.name].keyPem;
                    }
                });
                if (caPem) out[REST_CA] = caPem;
                out["post-bootstrap.sh"] = postBootstrapScript;
                if (callback) out["role-label.sh"] = readScript("role-label.sh");
                return out;
            });
        // A fixed name: pods read new keys in place, so adding a member does not restart the others
        // (Secret data is replace-only in the provider, which deletes a named object before recreating it).
        const configSecretName = `${name}-patroni`;
        this.configSecret = new k8s.core.v1.Secret(configSecretName, {
            metadata: { name: configSecretName, namespace: nsRef, labels },
            stringData: pulumi.secret(files),
        }, { parent: this, dependsOn: [versionGuard] });
        const backupFiles = backup && backupSecret(backupSecretName, this.namespace, labels, backup.files, this, [versionGuard]);

        const { roleServices, memberServices } = patroniServices(name, {
            namespace: nsRef, labels, selector, scope, serviceType: p.serviceType, pgPort: PG_PORT, apiPort: API_PORT, kubernetesDcs: !dcs,
        }, this);
        this.services = [...memberServices, ...roleServices];
        const uri = (host: string) => pulumi.secret(pulumi.interpolate`postgresql://${spec.owner}:${owner.value}@${host}:${PG_PORT}/${spec.database}${tlsOn ? "?sslmode=require" : ""}`);
        this.primaryUri = uri(this.primary.host);
        this.replicaUri = uri(this.replicas.host);

        // With monitoring, postgres_exporter runs beside Patroni in every member pod.
        const monitoring = spec.monitoring.enabled;
        const monitorPassword = monitoring ? secret("monitor") : undefined;
        const exporter = monitorPassword && postgresExporterObjects(name, {
            namespace: nsRef, labels, password: monitorPassword.value, database: spec.database, images: spec.images, imagePullPolicy: p.imagePullPolicy, tls: tlsOn,
        }, this);
        const exporterObjects = exporter?.objects ?? [];

        const check = this.resolved.check;
        const scratch = scratchVolumes({
            tmp: { path: "/tmp" },
            run: { path: "/var/run/postgresql" },
            shm: { path: "/dev/shm", memoryMb: spec.shmSizeMb },
        });
        this.statefulSet = new k8s.apps.v1.StatefulSet(name, {
            // Waits on the check of restApi.https (a refused change registers no member change).
            metadata: { name, namespace: nsRef, labels, annotations: { "pgscale.io/rest-scheme": kept.apply(([h]) => (h ? "https" : "http")) } },
            spec: {
                serviceName: headless,
                replicas: spec.nodes,
                // Patroni elects the bootstrapping member itself; one pod stuck on a node must not hold up the rest.
                podManagementPolicy: "Parallel",
                selector: { matchLabels: selector },
                template: {
                    metadata: {
                        labels: podLabels,
                        // Tags are read at start: a change rolls the members. Passwords never change, and
                        // added members only add keys, so nothing else restarts them.
                        annotations: { "pgscale.io/tags-sha256": sha256(JSON.stringify(spec.nodeTags)) },
                    },
                    spec: {
                        serviceAccountName: this.serviceAccount.metadata.name,
                        securityContext: podSecurityContext(IMAGE_USERS[layout.image], p),
                        ...scheduling(p, selector),
                        // Patroni stops PostgreSQL and releases the leader key on SIGTERM; give it time.
                        terminationGracePeriodSeconds: 30,
                        containers: [{
                            name: "patroni",
                            image,
                            imagePullPolicy: p.imagePullPolicy,
                            // $(POD_NAME) is expanded by the kubelet: each member reads its own file.
                            // With `backup`, the scheduler and pgBackRest's keys first (backup.ts).
                            command: backup?.beforePatroni.length
                                ? ["/bin/sh", "-c", `${backup.beforePatroni.join(" && ")} && exec patroni ${CONFIG_DIR}/$POD_NAME.yml`]
                                : ["patroni", `${CONFIG_DIR}/$(POD_NAME).yml`],
                            env: [
                                { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                                ...(dcs ? [] : [{ name: "PATRONI_KUBERNETES_POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }]),
                                ...(backup?.env ?? []),
                            ],
                            // "patroni" also names the port Prometheus scrapes Patroni's /metrics on (kubernetesMetricsPort).
                            ports: [{ name: "postgresql", containerPort: PG_PORT }, { name: kubernetesMetricsPort("patroni").name, containerPort: API_PORT }],
                            // Ready: leader, or replica running with a DCS; the check timings the cluster's objectives call for.
                            readinessProbe: httpProbe("/readiness", API_PORT, Math.max(1, Math.ceil(check.interMs / 1000)), check.fall, check.rise, https),
                            // Alive while Patroni's HA loop runs (Patroni allows it ttl on a primary, 2*ttl on replicas).
                            livenessProbe: { ...httpProbe("/liveness", API_PORT, 10, 3, 1, https), initialDelaySeconds: 10 },
                            resources: p.resources,
                            securityContext: containerSecurityContext,
                            volumeMounts: [
                                { name: "data", mountPath: DATA_MOUNT },
                                { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                                ...(tlsOn ? [{ name: "tls", mountPath: POSTGRES_TLS_DIR, readOnly: true }] : []),
                                ...scratch.mounts,
                                ...(backup?.mounts ?? []),
                            ],
                        }, ...(exporter ? [exporter.container] : [])],
                        volumes: [
                            // 0550: the scripts must be executable; only root and the postgres group (fsGroup) can read.
                            // By name plus dependsOn, not by output: a replaced Secret must not show the pods as changing.
                            { name: "config", secret: { secretName: configSecretName, defaultMode: 0o550 } },
                            // The same Secret, 0440, for PostgreSQL's key (POSTGRES_TLS_DIR).
                            ...(tlsOn ? [{ name: "tls", secret: { secretName: configSecretName, defaultMode: 0o440 } }] : []),
                            ...scratch.volumes,
                            ...(exporter?.volumes ?? []),
                            ...(backup?.volumes ?? []),
                        ],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "data", labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: p.storage.storageClassName,
                        resources: { requests: { storage: p.storage.size ?? "10Gi" } },
                    },
                }],
            },
        }, { parent: this, dependsOn: [versionGuard, roleBinding, this.configSecret, ...(backupFiles ? [backupFiles] : []), ...memberServices, ...exporterObjects, ...(dcs ? [dcs] : []), ...(this.etcdUser ? [this.etcdUser] : []), ...this.networkPolicies] });

        // Drains take one member at a time: a replica, or the primary with a failover to a streaming replica.
        this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: { name, namespace: nsRef, labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, { parent: this });

        this.dcsReconcile = dcsReconcileJob(name, {
            namespace: nsRef,
            // Its own app name, so the Services and the PDB never select the Job's pod.
            labels: labelsFor(name, "patroni-dcs-reconcile", "dcs-reconcile").labels,
            image,
            imageUser: IMAGE_USERS[layout.image],
            placement: p,
            members: memberApis.map((m) => ({ name: m.name, restUrl: m.restUrl })),
            username: this.restApiUser,
            password: restApi.value,
            ...(restTls ? { caPem: restTls.caCertPem } : {}),
            config: dcsDoc,
            timeoutSeconds: RECONCILE_TIMEOUT_S,
            dependsOn: [this.statefulSet],
        }, this).job;
        this.ready = this.dcsReconcile;

        // The in-cluster SQL Jobs (monitoring role, declared access): the member image, as the superuser, through the primary Service.
        const sqlJob = {
            namespace: nsRef, image, imageUser: IMAGE_USERS[layout.image], placement: p,
            primaryHost: this.primary.host, superuserPassword: superuser.value, timeoutSeconds: RECONCILE_TIMEOUT_S,
            // With TLS, psql verifies the primary Service's name against the cluster's CA.
            ...(this.tls ? { caPem: this.tls.caCertPem } : {}),
        };
        if (monitorPassword) {
            this.monitorRole = monitorRoleJob(name, {
                ...sqlJob,
                labels: labelsFor(name, "patroni-monitor-role", "monitor-role").labels,
                database: spec.database,
                scramVerifier: monitorPassword.scramVerifier,
                dependsOn: [this.dcsReconcile],
            }, this).job;
        }
        const access = declaredAccessJob(name, {
            ...sqlJob,
            spec,
            labels: labelsFor(name, "patroni-access", "access").labels,
            dependsOn: [this.dcsReconcile],
        }, this);
        this.roles = access.roles;
        this.databases = access.databases;
        this.access = access.job;
        if (spec.monitoring.podMonitor) {
            this.podMonitor = podMonitor(name, {
                namespace: this.namespace, labels, selector, extraLabels: spec.monitoring.podMonitorLabels,
                // Patroni serves /metrics on every member, exporters or not.
                jobs: monitoring ? ["patroni", "postgres"] : ["patroni"], patroniHttps: https,
            }, this);
        }

        this.registerOutputs({ members: memberNames, primaryUri: this.primaryUri, replicaUri: this.replicaUri });
    }
}

/**
 * Removing an entry of `roles` or `databases` leaves the role or database as it is on Kubernetes
 * (the access Job creates and updates only): a removal policy that asks for a drop is refused
 * rather than ignored. Checked on the input, since the defaults ("drop" for a role) are Docker's.
 */
function removalPolicyIssues(args: PatroniClusterArgs): Array<{ field: string; message: string }> {
    const out: Array<{ field: string; message: string }> = [];
    const keep = "Kubernetes keeps a role or database whose entry is removed (drop it by hand if it must go)";
    (Array.isArray(args.roles) ? args.roles : []).forEach((r, i) => {
        if (r?.removalPolicy !== undefined && r.removalPolicy !== "retain") out.push({ field: `roles[${i}].removalPolicy`, message: `must be "retain" or left out: ${keep}` });
    });
    (Array.isArray(args.databases) ? args.databases : []).forEach((d, i) => {
        if (d?.removalPolicy === "destroy") out.push({ field: `databases[${i}].removalPolicy`, message: `must be "retain" or left out: ${keep}` });
    });
    return out;
}

function sha256(s: string): string {
    return createHash("sha256").update(s).digest("hex");
}
