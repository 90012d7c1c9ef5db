import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DEFAULT_RENEW_BEFORE_FRACTION, DEFAULT_TLS_LIFETIME_DAYS, ETCD_TLS_DIR, etcdHandOffPreference, etcdHandOffScript, etcdKilledOnTerm, etcdMemberPolicy, sha256Hex, EtcdClusterInput, EtcdClusterOutputs, EtcdSecurity, EtcdClusterSpec, IssueCollector, checkConstructName, etcdMemberCommand, resolveEtcdCluster,
} from "@pgscale/core";
import { FirstValue, GeneratedSecret, GeneratedTls } from "@pgscale/postgres";
import { etcdEnableAuthJob } from "./etcd-auth";
import { IMAGE_USERS, podImage } from "./images";
import { labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { NOT_AWAITED } from "./provider-await";
import { NETWORK_POLICY_KEY, PlacementArgs, StorageArgs, etcdPlatformSpec, EtcdPlatform, PLACEMENT_KEYS, splitArgs } from "./platform";
import { networkPolicy } from "./network-policy";
import { containerSecurityContext, podSecurityContext, scheduling, scratchVolumes, httpProbe, tcpProbe } from "./pod";
import { ServiceEndpoint, podHost, serviceEndpoint } from "./service-endpoint";

export interface EtcdClusterArgs extends PlacementArgs {
    /** Voting members. Default 3; an even count draws a warning. */
    members?: number;
    /** Image with etcd 3.4+. Default: pgscale/etcd (see DEFAULT_IMAGES). */
    image?: string;
    /** Port of the client Service. Default 2379. */
    clientPort?: number;
    /** Data volume per member. Default 1Gi of the default StorageClass. */
    storage?: StorageArgs;
    /**
     * TLS on client and peer URLs with a CA generated for this cluster (peers authenticate each
     * other with their certificates; clients verify the members'). Default true. As an object:
     * `enabled` (default true), `lifetimeDays` (1 to 825, default 90) and `renewBeforeFraction`
     * (default 1/3: each member's certificate is renewed on the first `pulumi up` in the last third
     * of its lifetime, and etcd serves it from its next handshake), and `caGeneration` (default 0:
     * raise it to rotate the CA now; it also rotates by itself in its own last third). After a CA
     * rotation the members restart one at a time (a StatefulSet roll), each leader handing its
     * leadership over first; a single member has no peers to verify and does not restart.
     */
    tls?: EtcdClusterInput["tls"];
    /**
     * etcd authentication: a generated `root` user, and one user per PatroniCluster that may read and
     * write only its own scope's keys (`/service/<scope>/`). Default true.
     */
    auth?: boolean;
    /**
     * The NetworkPolicy `<name>-etcd` admits only the members to each other (client and peer
     * ports) and the auth Job to the client port; each PatroniCluster on this DCS adds its own
     * members and Jobs (`<its name>-to-etcd`). Default: `{ enabled: true }`.
     */
    networkPolicy?: { enabled?: boolean };
}

/** A cluster's tls/auth (`now`), or an error when they differ from those it was created with (`first`). */
export function keptEtcdSecurity(subject: string, first: EtcdSecurity, now: EtcdSecurity): EtcdSecurity {
    if (first.tls !== now.tls || first.auth !== now.auth) {
        throw new Error(`${subject}: tls and auth cannot change on a running cluster (created with tls: ${first.tls}, auth: ${first.auth}): `
            + "its members keep their peer URLs and users in their data. Keep them, or remove the EtcdCluster and its volumes and create it anew.");
    }
    return { tls: now.tls, auth: now.auth };
}

const CLIENT_PORT = 2379;
const PEER_PORT = 2380;
/** How long the auth Job waits for a member with quorum. */
const AUTH_TIMEOUT_S = 120;

/**
 * An etcd v3 cluster as Patroni's DCS (PLAYBOOK "Patroni Architecture"): a StatefulSet whose
 * members keep their names and volumes across restarts, a headless Service giving each a stable
 * DNS name for peering, and a client Service.
 *
 * Locked by default, as on Docker (docs/security.md "The control plane"): TLS on client and peer
 * URLs with a CA generated for the cluster (peers present their certificates), and authentication
 * with a generated `root` and one user per PatroniCluster whose role reaches only its scope's keys.
 * A pod without credentials can neither read nor write Patroni's keys.
 */
export class EtcdCluster extends pulumi.ComponentResource implements EtcdClusterOutputs {
    public readonly spec: EtcdClusterSpec;
    public readonly platform: EtcdPlatform;
    public readonly namespace: NamespaceRef;
    /** `host:port` client endpoints (stable per-member DNS names), for Patroni's `etcd3.hosts`. */
    public readonly clientEndpoints: string[];
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly headlessService: k8s.core.v1.Service;
    public readonly clientService: k8s.core.v1.Service;
    public readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
    /** The client Service, for etcdctl from outside (port-forward). */
    public readonly client: ServiceEndpoint;
    /** With `tls` (the default): the CA that signed the members' certificates (PEM), for clients; else undefined. */
    public readonly tlsCaPem: pulumi.Output<string | undefined>;
    /** With `tls`: the Secret of the members' certificates and keys (`<pod>.crt`, `<pod>.key`, `ca.crt`). */
    public readonly tlsSecret?: k8s.core.v1.Secret;
    /** With `auth` (the default): etcd's `root` password (secret); else undefined. */
    public readonly rootPassword: pulumi.Output<string | undefined>;
    /** With `auth`: the Job that turned authentication on; else undefined. */
    public readonly authJob?: k8s.batch.v1.Job;
    /**
     * `tls` and `auth` once checked against those the cluster was created with (an error if they
     * changed): what consumers configure themselves from, so a refused change touches none of them.
     */
    public readonly security: pulumi.Output<EtcdSecurity>;
    /** With `auth`: done once authentication is on; PatroniClusters create their users after it. Else the members. */
    public readonly ready: pulumi.Resource[];
    /** The labels that select the members (a PatroniCluster opens its path to them). */
    public readonly podSelector: Record<string, string>;
    /** The members' container client port (the client Service's target). */
    public readonly clientContainerPort = CLIENT_PORT;
    /** With `networkPolicy.enabled` (the default): `<name>-etcd`; else undefined. */
    public readonly networkPolicy?: k8s.networking.v1.NetworkPolicy;

    constructor(name: string, args: EtcdClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const subject = `EtcdCluster ${name}`;
        const [platformArgs, rest] = splitArgs(args, [...PLACEMENT_KEYS, NETWORK_POLICY_KEY, "storage"]);
        // Validate before registering anything, so bad input touches nothing.
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        const resolved = issues.run(() => resolveEtcdCluster(rest, subject));
        const platform = issues.parse(etcdPlatformSpec, platformArgs);
        issues.throwIfAny(subject);
        const { spec, warnings } = resolved!;
        super("pgscale:kubernetes:EtcdCluster", name, {}, opts);
        warnings.forEach((w) => pulumi.log.warn(w, this));
        this.spec = spec;
        this.platform = platform!;
        const p = this.platform;

        const { labels, selector } = labelsFor(name, "etcd", "dcs");
        this.podSelector = selector;
        this.namespace = resolveNamespace(this, name, p.namespace, p.createNamespace, undefined);
        const ns = this.namespace.name;
        const headless = `${name}-headless`;
        const members = Array.from({ length: spec.members }, (_, i) => `${name}-${i}`);
        const host = (m: string) => podHost(m, headless, ns, p.clusterDomain);
        this.clientEndpoints = members.map((m) => `${host(m)}:${CLIENT_PORT}`);
        const clientPort = spec.clientPort ?? CLIENT_PORT;
        this.client = serviceEndpoint(name, ns, clientPort, p.clusterDomain);

        // The members depend on it (serviceName) and make it ready: not awaited (provider-await.ts).
        this.headlessService = new k8s.core.v1.Service(`${name}-headless`, {
            metadata: { name: headless, namespace: this.namespace.ref, labels, annotations: NOT_AWAITED },
            spec: {
                clusterIP: "None",
                // Peers must resolve each other before any is ready: quorum needs them all talking.
                publishNotReadyAddresses: true,
                selector,
                ports: [{ name: "client", port: CLIENT_PORT }, { name: "peer", port: PEER_PORT }],
            },
        }, { parent: this });
        this.clientService = new k8s.core.v1.Service(`${name}-client`, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: { type: p.serviceType, selector, ports: [{ name: "client", port: clientPort, targetPort: CLIENT_PORT }] },
        }, { parent: this });

        // Each member's certificate serves clients and identifies it to its peers: valid for every
        // name they dial (its stable name, the client Service's) and for etcdctl inside the pod.
        const clientNames = [name, `${name}.${ns}`, `${name}.${ns}.svc`, this.client.host];
        const tls = spec.tls ? new GeneratedTls(`${name}-tls`, {
            servers: Object.fromEntries(members.map((m) => [m, {
                dnsNames: [host(m), `${m}.${headless}`, `${m}.${headless}.${ns}.svc`, ...clientNames, "localhost"],
                ipAddresses: ["127.0.0.1"], clientAuth: true,
                validDays: spec.certificates.lifetimeDays ?? DEFAULT_TLS_LIFETIME_DAYS,
            }])),
            // etcd reads its certificate and key on every new handshake: the kubelet's rewrite of the
            // Secret's files is the whole renewal. A new CA is read only at start (the pods roll, below).
            renewBeforeFraction: spec.certificates.renewBeforeFraction ?? DEFAULT_RENEW_BEFORE_FRACTION,
            caGeneration: spec.certificates.caGeneration ?? 0,
        }, { parent: this }) : undefined;
        this.tlsCaPem = tls ? tls.trustBundlePem : pulumi.output(undefined);
        // One Secret for all members (a StatefulSet has one pod template): each reads `<its pod name>.crt/.key`.
        // A fixed name, as Patroni's config: an added member only adds keys, and the pods keep their template.
        const tlsSecretName = `${name}-etcd-tls`;
        this.tlsSecret = tls ? new k8s.core.v1.Secret(tlsSecretName, {
            metadata: { name: tlsSecretName, namespace: this.namespace.ref, labels },
            // The trust bundle (the CA and, for one rotation, its predecessor); each leaf is served with
            // the new CA cross-signed by the old, so a member not restarted yet verifies it.
            stringData: pulumi.secret(pulumi.all([tls.trustBundlePem, tls.certs]).apply(([ca, certs]) => ({
                "ca.crt": ca,
                ...Object.fromEntries(members.flatMap((m) => [[`${m}.crt`, certs[m].certPem], [`${m}.key`, certs[m].keyPem]])),
            }))),
        }, { parent: this }) : undefined;

        // Members keep their peer URLs and users in their data: rolling the pods cannot switch a running
        // cluster's scheme or drop its auth (Docker's preflight refuses the same). The first settings
        // are kept, and a change fails the registration of the StatefulSet and of the PatroniClusters'
        // configuration (both read `security`), before any member is touched.
        const firstSecurity = new FirstValue(`${name}-security`, { value: { tls: spec.tls, auth: spec.auth } }, { parent: this });
        this.security = firstSecurity.value.apply((first) => keptEtcdSecurity(subject, first, spec));

        // Members and the auth Job only; a PatroniCluster adds its own clients. Before the members, so they start closed.
        this.networkPolicy = p.networkPolicy.enabled ? networkPolicy(`${name}-etcd`, this.namespace, labels, etcdMemberPolicy({
            members: selector, authJob: spec.auth ? labelsFor(name, "etcd-auth", "").selector : undefined, clientPort: CLIENT_PORT, peerPort: PEER_PORT,
        }), this) : undefined;

        // $(POD_NAME) is expanded by the kubelet from the container's env.
        const self = `$(POD_NAME).${headless}.${ns}.svc.${p.clusterDomain}`;
        const command = etcdMemberCommand({
            name: "$(POD_NAME)", advertiseHost: self, token: `${ns}-${name}`, tls: spec.tls,
            initialCluster: members.map((m) => ({ name: m, host: host(m) })),
            tlsFiles: { cert: `${ETCD_TLS_DIR}/$(POD_NAME).crt`, key: `${ETCD_TLS_DIR}/$(POD_NAME).key`, ca: `${ETCD_TLS_DIR}/ca.crt` },
        });
        const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
        // A member goes down (a roll, a drain, a deletion) as Docker restarts one (@pgscale/core
        // etcd-restart.ts): its preStop hook hands etcd's leadership to another member, preferring
        // those a roll (highest ordinal first) restarted already, and the kubelet's TERM is turned into
        // a kill, so Patroni sees closed connections, which it retries, never etcd's graceful-stop errors.
        const rollOrder = [...members].reverse();
        const handOff = [
            'case "$POD_NAME" in',
            ...rollOrder.map((m, i) => `  ${m}) set -- ${etcdHandOffPreference(rollOrder, i).join(" ")};;`),
            "esac",
            etcdHandOffScript(spec.tls),
        ].join("\n");
        this.statefulSet = new k8s.apps.v1.StatefulSet(name, {
            // On the StatefulSet, not its pods: the check gates the update without rolling the members.
            metadata: { name, namespace: this.namespace.ref, labels, annotations: { "pgscale.io/etcd-security": this.security.apply((s) => `tls=${s.tls},auth=${s.auth}`) } },
            spec: {
                serviceName: this.headlessService.metadata.name,
                replicas: spec.members,
                // All members start at once: with OrderedReady the first would wait for a quorum that never forms.
                podManagementPolicy: "Parallel",
                selector: { matchLabels: selector },
                template: {
                    // A new CA rolls the members: etcd reads its peers' CA only when it starts.
                    metadata: { labels, ...(tls && spec.members > 1 ? { annotations: { "pgscale.io/etcd-ca-sha256": tls.caCertPem.apply(sha256Hex) } } : {}) },
                    spec: {
                        securityContext: podSecurityContext(IMAGE_USERS.etcd, p),
                        automountServiceAccountToken: false,
                        ...scheduling(p, selector),
                        containers: [{
                            name: "etcd",
                            image: podImage("etcd", spec),
                            imagePullPolicy: p.imagePullPolicy,
                            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                            command: etcdKilledOnTerm(command),
                            lifecycle: { preStop: { exec: { command: ["bash", "-c", handOff] } } },
                            ports: [{ name: "client", containerPort: CLIENT_PORT }, { name: "peer", containerPort: PEER_PORT }],
                            // Ready once this member serves with a leader; alive while it accepts connections
                            // (/health fails cluster-wide on quorum loss, and restarting members would not help).
                            // /health needs no credentials with auth on (etcd 3.4: it reads through the v2 store).
                            readinessProbe: httpProbe("/health", CLIENT_PORT, 5, 3, 1, spec.tls),
                            livenessProbe: { ...tcpProbe(CLIENT_PORT, 10, 6), initialDelaySeconds: 10 },
                            resources: p.resources,
                            securityContext: containerSecurityContext,
                            volumeMounts: [
                                { name: "data", mountPath: "/var/lib/etcd" },
                                ...(tls ? [{ name: "tls", mountPath: ETCD_TLS_DIR, readOnly: true }] : []),
                                ...scratch.mounts,
                            ],
                        }],
                        volumes: [
                            // 0440: root and the etcd group (fsGroup) read the keys; etcd runs as that group.
                            // By name plus dependsOn, so a Secret replaced for an added member does not roll the pods.
                            ...(tls ? [{ name: "tls", secret: { secretName: tlsSecretName, defaultMode: 0o440 } }] : []),
                            ...scratch.volumes,
                        ],
                    },
                },
                volumeClaimTemplates: [{
                    metadata: { name: "data", labels },
                    spec: {
                        accessModes: ["ReadWriteOnce"],
                        storageClassName: p.storage.storageClassName,
                        resources: { requests: { storage: p.storage.size ?? "1Gi" } },
                    },
                }],
            },
        }, { parent: this, dependsOn: [...(this.tlsSecret ? [this.tlsSecret] : []), ...(this.networkPolicy ? [this.networkPolicy] : [])] });

        // Voluntary disruptions (drains) take one member at a time, so quorum holds.
        this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, { parent: this });

        const root = spec.auth ? new GeneratedSecret(`${name}-root-password`, {}, { parent: this }) : undefined;
        this.rootPassword = root ? root.value : pulumi.output(undefined);
        this.authJob = root && etcdEnableAuthJob(name, {
            namespace: this.namespace.ref,
            // Its own app name, so the Services and the PDB never select the Job's pod.
            labels: labelsFor(name, "etcd-auth", "dcs-auth").labels,
            image: podImage("etcd", spec), imageUser: IMAGE_USERS.etcd, placement: p,
            tls: spec.tls, endpoints: this.clientEndpoints, caPem: this.tlsCaPem, rootPassword: root.value,
            timeoutSeconds: AUTH_TIMEOUT_S, dependsOn: [this.statefulSet],
        }, this).job;
        this.ready = this.authJob ? [this.authJob] : [this.statefulSet];

        this.registerOutputs({ clientEndpoints: this.clientEndpoints });
    }
}
