import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    AlertThresholdsInput, IssueCollector, PrometheusInput, PrometheusSpec, prometheusSpec,
    renderAlertRules, renderKubernetesPrometheusConfig,
} from "@pgscale/core";
import { Alertmanager } from "./alertmanager";
import { labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { NetworkPolicyPlatformArgs, PatroniPlatform, PlacementArgs, StorageArgs } from "./platform";
import { ServiceEndpoint, serviceEndpoint } from "./service-endpoint";
import { parseServerArgs, prometheusImageServer } from "./prometheus-image";

const CONFIG_DIR = "/etc/pgscale-prometheus";
const DATA_DIR = "/prometheus";
const API_PORT = 9090;

/** Options of @pgscale/docker's Prometheus that mean nothing here, with what to use instead. */
const DOCKER_ONLY: Record<string, string> = {
    bindAddress: "is a Docker host option; on Kubernetes use serviceType (and port-forward or a Service) instead",
    engineSocket: "is Docker's discovery; on Kubernetes Prometheus lists the namespace's pods through the API server (a Role it is given)",
    engineSocketGroup: "is Docker's discovery; on Kubernetes Prometheus lists the namespace's pods through the API server (a Role it is given)",
};

/**
 * The Prometheus construct's options (@pgscale/core `prometheusSpec`, defaults documented there),
 * without Docker's host options. `port` is the Service port (default 9090).
 */
export interface PrometheusArgs extends Omit<PrometheusInput, "bindAddress" | "engineSocket" | "engineSocketGroup">, Omit<PlacementArgs, "namespace">, NetworkPolicyPlatformArgs {
    /**
     * The namespace whose pods are scraped, and where Prometheus runs: a construct's `namespace`
     * (e.g. a PatroniCluster's, shared, not created again) or a name. Default: the stack's default
     * namespace, `<project>-<stack>`, as the other constructs'.
     */
    namespace?: string | NamespaceRef;
    /** Alert thresholds and `for` durations, any subset; each default is documented on AlertThresholds and in docs/monitoring.md. */
    alerts?: AlertThresholdsInput;
    /**
     * An Alertmanager of this stack to send firing alerts to, by its in-cluster Service address,
     * besides any `alertmanagerUrls`. Default none.
     */
    alertmanager?: Alertmanager;
    /**
     * The samples' volume. Default: 1.5 x `retentionSizeMb` (Prometheus enforces the retention size
     * at compaction, and its WAL comes on top), of the default StorageClass.
     */
    storage?: StorageArgs;
}

/**
 * Prometheus for a stack on Kubernetes (docs/monitoring.md, "Kubernetes"): it lists the pods of one
 * namespace through the API server, with a Role that may only get, list and watch pods there, and
 * scrapes the ones pgscale's constructs mark by their named metrics ports (Patroni's /metrics on
 * every member, the exporters of PatroniCluster and PgBouncerPool with `monitoring`, HAProxy's
 * exporter), with the same labels and alert rules as on Docker. One pod of a Deployment, samples
 * on a PersistentVolumeClaim, the UI and API on a ClusterIP Service.
 */
export class Prometheus extends pulumi.ComponentResource {
    public readonly spec: PrometheusSpec;
    public readonly platform: PatroniPlatform;
    public readonly namespace: NamespaceRef;
    /** The Service, with its port-forward command. */
    public readonly endpoint: ServiceEndpoint;
    /** Prometheus's web UI and HTTP API, in-cluster (`http://<name>.<namespace>.svc.<domain>:<port>`), once it is ready. */
    public readonly url: pulumi.Output<string>;
    /** The alert rules it loads (Prometheus rule-file YAML). */
    public readonly rules: string;
    public readonly configMap: k8s.core.v1.ConfigMap;
    public readonly deployment: k8s.apps.v1.Deployment;
    public readonly service: k8s.core.v1.Service;
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;
    public readonly role: k8s.rbac.v1.Role;
    public readonly volumeClaim: k8s.core.v1.PersistentVolumeClaim;
    /**
     * With `networkPolicy.enabled` (the default): the policy on its pod, admitting the API port from
     * `networkPolicy.clientsFrom` (default: the namespace's pods); else empty.
     */
    public readonly networkPolicies: k8s.networking.v1.NetworkPolicy[];

    constructor(name: string, args: PrometheusArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const subject = `Prometheus ${name}`;
        const { alerts, alertmanager, ...rest } = args;
        const issues = new IssueCollector();
        const { platform, spec, upstream } = parseServerArgs(issues, name, subject, { ...rest }, prometheusSpec, DOCKER_ONLY);
        const rules = issues.run(() => renderAlertRules(alerts ?? {}));
        if (alertmanager !== undefined && !(alertmanager instanceof Alertmanager)) issues.add("alertmanager", "must be an Alertmanager from @pgscale/kubernetes (an Alertmanager elsewhere goes in alertmanagerUrls)");
        issues.throwIfAny(subject);
        super("pgscale:kubernetes:Prometheus", name, {}, opts);
        this.spec = spec!;
        this.platform = platform!;
        this.rules = rules!;
        const p = this.platform;

        const { labels, selector } = labelsFor(name, "prometheus", "monitoring");
        this.namespace = resolveNamespace(this, name, p.namespace, p.createNamespace, upstream);
        const nsRef = this.namespace.ref;
        this.endpoint = serviceEndpoint(name, this.namespace.name, this.spec.port ?? API_PORT, p.clusterDomain);

        // Discovery reads pods of this namespace and nothing else: no Secrets, no cluster scope.
        this.serviceAccount = new k8s.core.v1.ServiceAccount(name, { metadata: { name, namespace: nsRef, labels } }, { parent: this });
        this.role = new k8s.rbac.v1.Role(name, {
            metadata: { name, namespace: nsRef, labels },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }],
        }, { parent: this });
        const roleBinding = new k8s.rbac.v1.RoleBinding(name, {
            metadata: { name, namespace: nsRef, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: this.role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: this.serviceAccount.metadata.name, namespace: this.namespace.name }],
        }, { parent: this });

        // Auto-named: a changed option or rule is a new ConfigMap, so the pod is replaced onto it
        // (the samples stay on the claim), as Docker replaces the container and keeps the volume.
        this.configMap = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { namespace: nsRef, labels },
            data: {
                "prometheus.yml": renderKubernetesPrometheusConfig({
                    namespace: this.namespace.name,
                    scrapeIntervalSeconds: this.spec.scrapeIntervalSeconds,
                    evaluationIntervalSeconds: this.spec.evaluationIntervalSeconds ?? this.spec.scrapeIntervalSeconds,
                    // The Service's address, known before the Alertmanager is ready: Prometheus need
                    // not wait for it (it queues alerts and retries), so the two start side by side.
                    alertmanagerUrls: [...this.spec.alertmanagerUrls, ...(alertmanager ? [`http://${alertmanager.endpoint.host}:${alertmanager.endpoint.port}`] : [])],
                    rulesFile: `${CONFIG_DIR}/rules.yml`,
                }),
                "rules.yml": this.rules,
            },
        }, { parent: this });

        // A claim, not an emptyDir: every changed option or alert threshold replaces the pod, so
        // with an emptyDir the retention (7 days by default) would in practice be "since the last
        // change", and a drained node would lose it all.
        const server = prometheusImageServer(name, {
            nsRef, namespace: this.namespace, labels, selector, platform: p, spec: this.spec, endpoint: this.endpoint,
            // Clients of the API and UI only (clientsFrom); it scrapes outward.
            admitMetricsFrom: false,
            container: "prometheus",
            command: [
                "prometheus", `--config.file=${CONFIG_DIR}/prometheus.yml`, `--storage.tsdb.path=${DATA_DIR}`,
                `--storage.tsdb.retention.time=${this.spec.retentionTime}`, `--storage.tsdb.retention.size=${this.spec.retentionSizeMb}MB`,
                `--web.listen-address=:${API_PORT}`,
            ],
            apiPort: API_PORT,
            configVolume: { name: "config", configMap: { name: this.configMap.metadata.name } },
            configDir: CONFIG_DIR, dataDir: DATA_DIR,
            defaultStorage: `${Math.ceil(this.spec.retentionSizeMb * 1.5)}Mi`,
            // Replaying a large WAL takes a while before /-/healthy answers.
            livenessDelaySeconds: 30,
            // Discovery's service account; Prometheus writes its head block and closes the TSDB on SIGTERM.
            podExtras: { serviceAccountName: this.serviceAccount.metadata.name, terminationGracePeriodSeconds: 60 },
            dependsOn: [roleBinding],
        }, this);
        this.volumeClaim = server.volumeClaim;
        this.deployment = server.deployment;
        this.service = server.service;
        this.url = server.url;
        this.networkPolicies = server.networkPolicies;
        this.registerOutputs({ url: this.url });
    }
}
