import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { z } from "zod";
import { ImagesSpec, IssueCollector, checkConstructName, frontPolicy, parseSpec } from "@pgscale/core";
import { NamespaceRef } from "./namespace";
import { IMAGE_USERS, podImage } from "./images";
import { NETWORK_POLICY_KEY, PLACEMENT_KEYS, PatroniPlatform, patroniPlatformSpec, splitArgs } from "./platform";
import { networkPolicy } from "./network-policy";
import { containerSecurityContext, httpProbe, podSecurityContext, scheduling, scratchVolumes } from "./pod";
import { ServiceEndpoint, servicePort } from "./service-endpoint";

/**
 * The options of a monitoring construct (Prometheus, Alertmanager), checked: the construct's name,
 * Docker-only options refused by name with what to use instead, the namespace (a name or a
 * construct's), the placement options and the construct's own spec. Every issue lands in `issues`.
 */
export function parseServerArgs<S extends z.ZodType>(
    issues: IssueCollector, name: string, subject: string, args: { namespace?: string | NamespaceRef } & Record<string, unknown>,
    schema: S, dockerOnly: Record<string, string>,
): { platform?: PatroniPlatform; spec?: z.output<S>; upstream?: NamespaceRef } {
    const { namespace, ...withoutNamespace } = args;
    const [platformArgs, rest] = splitArgs(withoutNamespace, [...PLACEMENT_KEYS, NETWORK_POLICY_KEY, "storage"]);
    checkConstructName(issues, name);
    for (const [k, why] of Object.entries(dockerOnly)) if (k in rest) issues.add(k, why);
    const upstream = typeof namespace === "object" ? namespace : undefined;
    if (upstream !== undefined && (typeof upstream.name !== "string" || !pulumi.Output.isInstance(upstream.ref)))
        issues.add("namespace", "must be a namespace name or a construct's `namespace` from @pgscale/kubernetes");
    const platform = issues.parse(patroniPlatformSpec, { ...platformArgs, ...(typeof namespace === "string" ? { namespace } : {}) });
    const spec = issues.run(() => parseSpec(schema, Object.fromEntries(Object.entries(rest).filter(([k]) => !(k in dockerOnly))), subject));
    return { platform, spec, upstream };
}

export interface PrometheusImageServerArgs {
    nsRef: pulumi.Input<string>;
    namespace: NamespaceRef;
    labels: Record<string, string>;
    selector: Record<string, string>;
    platform: PatroniPlatform;
    spec: { image?: string; images?: ImagesSpec };
    endpoint: ServiceEndpoint;
    /** The container's name and command; it serves /-/ready and /-/healthy on apiPort. */
    container: string;
    command: string[];
    apiPort: number;
    /** Its configuration, mounted read-only at configDir. */
    configVolume: k8s.types.input.core.v1.Volume;
    configDir: string;
    dataDir: string;
    /** The data claim's size when `storage.size` is not given. */
    defaultStorage: string;
    /** Seconds before the first liveness probe (a large TSDB replays its WAL first). */
    livenessDelaySeconds: number;
    /** Pod fields of its own: a service account for discovery, or none at all, a grace period. */
    podExtras: Partial<k8s.types.input.core.v1.PodSpec>;
    /**
     * Who reaches the API port besides `networkPolicy.clientsFrom`: Prometheus servers
     * (`networkPolicy.metricsFrom`, which selects them) for an Alertmanager; none for Prometheus.
     */
    admitMetricsFrom: boolean;
    dependsOn?: pulumi.Resource[];
}

export interface PrometheusImageServer {
    volumeClaim: k8s.core.v1.PersistentVolumeClaim;
    deployment: k8s.apps.v1.Deployment;
    service: k8s.core.v1.Service;
    /** The in-cluster URL, handed out once the Deployment is available (the server answers /-/ready). */
    url: pulumi.Output<string>;
    /** With `networkPolicy.enabled` (the default): `<name>-<container>`, on the server's pod; else empty. */
    networkPolicies: k8s.networking.v1.NetworkPolicy[];
}

/**
 * A server of the pgscale/prometheus image (Prometheus, Alertmanager) as the monitoring constructs
 * run it: one pod of a Deployment (non-root, read-only root filesystem, no capabilities), its state
 * on a claim `<name>-data` rather than an emptyDir (every changed option replaces the pod, and the
 * state must outlive it, as Docker's volume outlives the container), `Recreate` so the old pod
 * lets go of the ReadWriteOnce claim before the new one starts, and a Service `web`.
 */
export function prometheusImageServer(name: string, a: PrometheusImageServerArgs, parent: pulumi.Resource): PrometheusImageServer {
    const p = a.platform;
    const volumeClaim = new k8s.core.v1.PersistentVolumeClaim(`${name}-data`, {
        metadata: { name: `${name}-data`, namespace: a.nsRef, labels: a.labels },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: p.storage.storageClassName,
            resources: { requests: { storage: p.storage.size ?? a.defaultStorage } },
        },
    }, { parent });
    // With networkPolicy.enabled (the default): the pod admits its API port from clientsFrom (and,
    // for an Alertmanager, from the Prometheus servers); its own outbound connections stay open.
    const policies = p.networkPolicy.enabled
        ? [networkPolicy(`${name}-${a.container}`, a.namespace, a.labels, frontPolicy({
            pods: a.selector, clientPorts: [a.apiPort], metricsPorts: a.admitMetricsFrom ? [a.apiPort] : [], options: p.networkPolicy,
        }), parent)]
        : [];
    const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
    const deployment = new k8s.apps.v1.Deployment(name, {
        metadata: { name, namespace: a.nsRef, labels: a.labels },
        spec: {
            replicas: 1,
            strategy: { type: "Recreate" },
            selector: { matchLabels: a.selector },
            template: {
                metadata: { labels: a.labels },
                spec: {
                    ...a.podExtras,
                    securityContext: podSecurityContext(IMAGE_USERS.prometheus, p),
                    ...scheduling(p, a.selector),
                    containers: [{
                        name: a.container,
                        image: podImage("prometheus", a.spec),
                        imagePullPolicy: p.imagePullPolicy,
                        command: a.command,
                        ports: [{ name: "web", containerPort: a.apiPort }],
                        readinessProbe: httpProbe("/-/ready", a.apiPort, 2, 3),
                        livenessProbe: { ...httpProbe("/-/healthy", a.apiPort, 10, 6), initialDelaySeconds: a.livenessDelaySeconds },
                        resources: p.resources,
                        securityContext: containerSecurityContext,
                        volumeMounts: [
                            { name: "config", mountPath: a.configDir, readOnly: true },
                            { name: "data", mountPath: a.dataDir },
                            ...scratch.mounts,
                        ],
                    }],
                    volumes: [
                        { ...a.configVolume, name: "config" },
                        { name: "data", persistentVolumeClaim: { claimName: volumeClaim.metadata.name } },
                        ...scratch.volumes,
                    ],
                },
            },
        },
    }, { parent, dependsOn: [...(a.dependsOn ?? []), ...policies] });
    const service = new k8s.core.v1.Service(name, {
        metadata: { name, namespace: a.nsRef, labels: a.labels },
        spec: { type: p.serviceType, selector: a.selector, ports: [{ name: "web", port: a.endpoint.port, targetPort: a.apiPort }] },
    }, { parent });
    const url = pulumi.all([servicePort(service, "web"), deployment.metadata.name])
        .apply(([servicePortNumber]) => `http://${a.endpoint.host}:${servicePortNumber}`);
    return { volumeClaim, deployment, service, url, networkPolicies: policies };
}
