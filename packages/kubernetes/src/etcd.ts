import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { EtcdClusterOutputs, EtcdClusterSpec, IssueCollector, checkConstructName, resolveEtcdCluster } from "@pgscale/core";
import { IMAGE_USERS, podImage } from "./images";
import { labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { NOT_AWAITED } from "./provider-await";
import { PlacementArgs, StorageArgs, etcdPlatformSpec, EtcdPlatform, PLACEMENT_KEYS, splitArgs } from "./platform";
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
}

const CLIENT_PORT = 2379;
const PEER_PORT = 2380;

/**
 * An etcd v3 cluster as Patroni's DCS (PLAYBOOK "Patroni Architecture"): a StatefulSet whose
 * members keep their names and volumes across restarts, a headless Service giving each a stable
 * DNS name for peering, and a client Service.
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

    constructor(name: string, args: EtcdClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const subject = `EtcdCluster ${name}`;
        const [platformArgs, rest] = splitArgs(args, [...PLACEMENT_KEYS, "storage"]);
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

        // $(POD_NAME) is expanded by the kubelet from the container's env.
        const self = `$(POD_NAME).${headless}.${ns}.svc.${p.clusterDomain}`;
        const initialCluster = members.map((m) => `${m}=http://${host(m)}:${PEER_PORT}`).join(",");
        const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
        this.statefulSet = new k8s.apps.v1.StatefulSet(name, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: {
                serviceName: this.headlessService.metadata.name,
                replicas: spec.members,
                // All members start at once: with OrderedReady the first would wait for a quorum that never forms.
                podManagementPolicy: "Parallel",
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: {
                        securityContext: podSecurityContext(IMAGE_USERS.etcd, p),
                        automountServiceAccountToken: false,
                        ...scheduling(p, selector),
                        containers: [{
                            name: "etcd",
                            image: podImage("etcd", spec),
                            imagePullPolicy: p.imagePullPolicy,
                            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
                            command: [
                                "etcd", "--name", "$(POD_NAME)", "--data-dir", "/var/lib/etcd/data",
                                "--listen-client-urls", `http://0.0.0.0:${CLIENT_PORT}`, "--advertise-client-urls", `http://${self}:${CLIENT_PORT}`,
                                "--listen-peer-urls", `http://0.0.0.0:${PEER_PORT}`, "--initial-advertise-peer-urls", `http://${self}:${PEER_PORT}`,
                                "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
                                "--initial-cluster-token", `${ns}-${name}`,
                            ],
                            ports: [{ name: "client", containerPort: CLIENT_PORT }, { name: "peer", containerPort: PEER_PORT }],
                            // Ready once this member serves with a leader; alive while it accepts connections
                            // (/health fails cluster-wide on quorum loss, and restarting members would not help).
                            readinessProbe: httpProbe("/health", CLIENT_PORT, 5, 3),
                            livenessProbe: { ...tcpProbe(CLIENT_PORT, 10, 6), initialDelaySeconds: 10 },
                            resources: p.resources,
                            securityContext: containerSecurityContext,
                            volumeMounts: [{ name: "data", mountPath: "/var/lib/etcd" }, ...scratch.mounts],
                        }],
                        volumes: scratch.volumes,
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
        }, { parent: this });

        // Voluntary disruptions (drains) take one member at a time, so quorum holds.
        this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(name, {
            metadata: { name, namespace: this.namespace.ref, labels },
            spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
        }, { parent: this });

        this.registerOutputs({ clientEndpoints: this.clientEndpoints });
    }
}
