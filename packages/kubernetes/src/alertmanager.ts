import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    ALERTMANAGER_PORT, AlertmanagerInput, AlertmanagerSpec, IssueCollector, alertmanagerCommand, alertmanagerSpec, checkConstructName, parseSpec,
    renderAlertmanagerConfig,
} from "@pgscale/core";
import { IMAGE_USERS, podImage } from "./images";
import { labelsFor } from "./labels";
import { NamespaceRef, resolveNamespace } from "./namespace";
import { PLACEMENT_KEYS, PatroniPlatform, PlacementArgs, StorageArgs, patroniPlatformSpec, splitArgs } from "./platform";
import { containerSecurityContext, httpProbe, podSecurityContext, scheduling, scratchVolumes } from "./pod";
import { ServiceEndpoint, serviceEndpoint, servicePort } from "./service-endpoint";

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
export interface AlertmanagerArgs extends Omit<AlertmanagerInput, "bindAddress">, Omit<PlacementArgs, "namespace"> {
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

    constructor(name: string, args: AlertmanagerArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const subject = `Alertmanager ${name}`;
        const { namespace, ...withoutNamespace } = args;
        const [platformArgs, rest] = splitArgs(withoutNamespace, [...PLACEMENT_KEYS, "storage"]);
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        for (const [k, why] of Object.entries(DOCKER_ONLY)) if (k in rest) issues.add(k, why);
        const upstream = typeof namespace === "object" ? namespace : undefined;
        if (upstream !== undefined && (typeof upstream.name !== "string" || !pulumi.Output.isInstance(upstream.ref)))
            issues.add("namespace", "must be a namespace name or a construct's `namespace` from @pgscale/kubernetes");
        const platform = issues.parse(patroniPlatformSpec, { ...platformArgs, ...(typeof namespace === "string" ? { namespace } : {}) });
        const spec = issues.run(() => parseSpec(alertmanagerSpec, Object.fromEntries(Object.entries(rest).filter(([k]) => !(k in DOCKER_ONLY))), subject));
        issues.throwIfAny(subject);
        super("pgscale:kubernetes:Alertmanager", name, {}, opts);
        this.spec = spec!;
        this.platform = platform!;
        const p = this.platform;

        const { labels, selector } = labelsFor(name, "alertmanager", "monitoring");
        this.namespace = resolveNamespace(this, name, p.namespace, p.createNamespace, upstream);
        const nsRef = this.namespace.ref;
        const port = this.spec.port ?? ALERTMANAGER_PORT;
        this.endpoint = serviceEndpoint(name, this.namespace.name, port, p.clusterDomain);

        // A Secret, not a ConfigMap: webhook URLs often carry a token. Auto-named, so a changed
        // option is a new Secret and the pod is replaced onto it (the silences stay on the claim).
        this.secret = new k8s.core.v1.Secret(`${name}-config`, {
            metadata: { namespace: nsRef, labels },
            stringData: pulumi.secret({ "alertmanager.yml": renderAlertmanagerConfig(this.spec) }),
        }, { parent: this });

        // A claim, not an emptyDir: silences are state people create (one set for a maintenance
        // window must hold through it), and every changed option replaces the pod, so an emptyDir
        // would drop them on each change and on each drained node. The firing alerts themselves
        // need no disk: Prometheus sends them again every minute.
        this.volumeClaim = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
            metadata: { name: `${name}-data`, namespace: nsRef, labels },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: p.storage.storageClassName,
                resources: { requests: { storage: p.storage.size ?? "128Mi" } },
            },
        }, { parent: this });

        const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
        this.deployment = new k8s.apps.v1.Deployment(name, {
            metadata: { name, namespace: nsRef, labels },
            spec: {
                replicas: 1,
                // One writer of the claim (ReadWriteOnce): the old pod lets go before the new one starts.
                strategy: { type: "Recreate" },
                selector: { matchLabels: selector },
                template: {
                    metadata: { labels },
                    spec: {
                        // It talks to webhooks and answers Prometheus; the Kubernetes API is none of its business.
                        automountServiceAccountToken: false,
                        securityContext: podSecurityContext(IMAGE_USERS.prometheus, p),
                        ...scheduling(p, selector),
                        containers: [{
                            name: "alertmanager",
                            image: podImage("prometheus", this.spec),
                            imagePullPolicy: p.imagePullPolicy,
                            command: alertmanagerCommand(this.spec, `${CONFIG_DIR}/alertmanager.yml`, DATA_DIR),
                            ports: [{ name: "web", containerPort: ALERTMANAGER_PORT }],
                            readinessProbe: httpProbe("/-/ready", ALERTMANAGER_PORT, 2, 3),
                            livenessProbe: { ...httpProbe("/-/healthy", ALERTMANAGER_PORT, 10, 6), initialDelaySeconds: 10 },
                            resources: p.resources,
                            securityContext: containerSecurityContext,
                            volumeMounts: [
                                { name: "config", mountPath: CONFIG_DIR, readOnly: true },
                                { name: "data", mountPath: DATA_DIR },
                                ...scratch.mounts,
                            ],
                        }],
                        volumes: [
                            // 0440: root and the pod's fsGroup (Alertmanager's group) only.
                            { name: "config", secret: { secretName: this.secret.metadata.name, defaultMode: 0o440 } },
                            { name: "data", persistentVolumeClaim: { claimName: this.volumeClaim.metadata.name } },
                            ...scratch.volumes,
                        ],
                    },
                },
            },
        }, { parent: this });

        this.service = new k8s.core.v1.Service(name, {
            metadata: { name, namespace: nsRef, labels },
            spec: { type: p.serviceType, selector, ports: [{ name: "web", port, targetPort: ALERTMANAGER_PORT }] },
        }, { parent: this });
        // Handed out once the Deployment is available, i.e. Alertmanager answers /-/ready.
        this.url = pulumi.all([servicePort(this.service, "web"), this.deployment.metadata.name])
            .apply(([servicePortNumber]) => `http://${this.endpoint.host}:${servicePortNumber}`);
        this.registerOutputs({ url: this.url });
    }
}
