import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    ALERTMANAGER_PORT, AlertmanagerInput, AlertmanagerSpec, IssueCollector, alertmanagerCommand, alertmanagerSpec,
    renderAlertmanagerConfig,
} from "@pgscale/core";
import { labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { NetworkPolicyPlatformArgs, PatroniPlatform, PlacementArgs, StorageArgs } from "./platform";
import { ServiceEndpoint, serviceEndpoint } from "./service-endpoint";
import { parseServerArgs, prometheusImageServer } from "./prometheus-image";

const CONFIG_DIR = "/etc/pgscale-alertmanager";
const DATA_DIR = "/alertmanager";

/** Options of the shared spec that mean nothing here, with what to use instead. */
const DOCKER_ONLY: Record<string, string> = {
    bindAddress: "is a Docker host option; on Kubernetes use serviceType (and port-forward or a Service) instead",
};

/**
 * The Alertmanager construct's options (@pgscale/core `alertmanagerSpec`, defaults documented
 * there), without Docker's host address. `port` is the Service port (default 9093).
 */
export interface AlertmanagerArgs extends Omit<AlertmanagerInput, "bindAddress">, Omit<PlacementArgs, "namespace">, NetworkPolicyPlatformArgs {
    /**
     * Where it runs: a construct's `namespace` (e.g. a PatroniCluster's, shared, not created again)
     * or a name. Default: the stack's default namespace, `<project>-<stack>`, as the other constructs'.
     */
    namespace?: string | NamespaceRef;
    /** The volume of its silences and notification log. Default 128Mi of the default StorageClass. */
    storage?: StorageArgs;
}

/**
 * Alertmanager for a stack on Kubernetes (docs/monitoring.md, "Alertmanager on Kubernetes"): it
 * receives the alerts of the stack's Prometheus (give it to Prometheus as `alertmanager`), groups
 * them by alert and cluster and posts them to the webhooks given. One pod of a Deployment, its
 * configuration in a Secret (webhook URLs may carry tokens), its silences on a
 * PersistentVolumeClaim, the UI and API on a ClusterIP Service.
 */
export class Alertmanager extends pulumi.ComponentResource {
    public readonly spec: AlertmanagerSpec;
    public readonly platform: PatroniPlatform;
    public readonly namespace: NamespaceRef;
    /** The Service, with its port-forward command. */
    public readonly endpoint: ServiceEndpoint;
    /** The UI and API, in-cluster (`http://<name>.<namespace>.svc.<domain>:<port>`), once Alertmanager is ready. */
    public readonly url: pulumi.Output<string>;
    public readonly secret: k8s.core.v1.Secret;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly volumeClaim: k8s.core.v1.PersistentVolumeClaim;
    /**
     * With `networkPolicy.enabled` (the default): the policy on its pod, admitting the API port from
     * `networkPolicy.clientsFrom` (default: the namespace's pods) and from Prometheus servers
     * (`networkPolicy.metricsFrom`, default: pods labelled `app.kubernetes.io/name: prometheus` anywhere); else empty.
     */
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: AlertmanagerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const subject = `Alertmanager ${name}`;
        const issues = new IssueCollector();
        const { platform, spec, upstream } = parseServerArgs(issues, name, subject, { ...args }, alertmanagerSpec, DOCKER_ONLY);
        issues.throwIfAny(subject);
        super("pgscale:kubernetes:Alertmanager", name, {}, opts);
        this.spec = spec!;
        this.platform = platform!;
        const p = this.platform;

        const { labels, selector } = labelsFor(name, "alertmanager", "monitoring");
        this.namespace = resolveNamespace(this, name, p.namespace, p.createNamespace, upstream);
        const nsRef = this.namespace.ref;
        this.endpoint = serviceEndpoint(name, this.namespace.name, this.spec.port ?? ALERTMANAGER_PORT, p.clusterDomain);

        // A Secret, not a ConfigMap: webhook URLs often carry a token. Auto-named, so a changed
        // option is a new Secret and the pod is replaced onto it (the silences stay on the claim).
        this.secret = new k8s.core.v1.Secret(`${name}-config`, {
            metadata: { namespace: nsRef, labels },
            stringData: pulumi.secret({ "alertmanager.yml": renderAlertmanagerConfig(this.spec) }),
        }, { parent: this });

        // A claim, not an emptyDir: silences are state people create (one set for a maintenance
        // window must hold through it), and every changed option replaces the pod. The firing alerts
        // themselves need no disk: Prometheus sends them again every minute.
        const server = prometheusImageServer(name, {
            nsRef, namespace: this.namespace, labels, selector, platform: p, spec: this.spec, endpoint: this.endpoint,
            // Prometheus servers send alerts here (networkPolicy.metricsFrom selects them).
            admitMetricsFrom: true,
            container: "alertmanager",
            command: alertmanagerCommand(this.spec, `${CONFIG_DIR}/alertmanager.yml`, DATA_DIR),
            apiPort: ALERTMANAGER_PORT,
            // 0440: root and the pod's fsGroup (Alertmanager's group) only.
            configVolume: { name: "config", secret: { secretName: this.secret.metadata.name, defaultMode: 0o440 } },
            configDir: CONFIG_DIR, dataDir: DATA_DIR,
            defaultStorage: "128Mi",
            livenessDelaySeconds: 10,
            // It talks to webhooks and answers Prometheus; the Kubernetes API is none of its business.
            podExtras: { automountServiceAccountToken: false },
        }, this);
        this.volumeClaim = server.volumeClaim;
        this.deployment = server.deployment;
        this.service = server.service;
        this.url = server.url;
        this.networkPolicies = server.networkPolicies;
        this.registerOutputs({ url: this.url });
    }
}
