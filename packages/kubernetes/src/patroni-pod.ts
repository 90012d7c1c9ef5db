import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { DATA_MOUNT, MEMBER_CONTAINER, replicationConnectWatchdogStep, MemberPod, PatroniClusterSpec, ResolvedPatroniCluster, kubernetesMetricsPort, memberTlsReload, sha256Hex } from "@pgscale/core";
import { BackupPodParts } from "./backup";
import { certWatchStep } from "./cert-watch";
import { IMAGE_USERS } from "./images";
import { Labels } from "./labels";
import { PostgresExporterSidecar } from "./monitoring";
import { API_PORT, CONFIG_DIR, PG_PORT } from "./patroni-config";
import { POSTGRES_TLS_DIR } from "./patroni-tls";
import { PatroniPlatform } from "./platform";
import { containerSecurityContext, httpProbe, podSecurityContext, scheduling, scratchVolumes } from "./pod";

export interface PatroniStatefulSetArgs {
    namespace: pulumi.Input<string>;
    labels: Labels;
    /** The members' own labels (the role label is Patroni's). */
    podLabels: Labels;
    selector: Labels;
    /** The headless Service that names the members. */
    serviceName: string;
    spec: PatroniClusterSpec;
    resolved: ResolvedPatroniCluster;
    platform: PatroniPlatform;
    image: string;
    https: boolean;
    tlsOn: boolean;
    /** The members have certificates (restApi.https, tls.enabled or `backup`): renewals are reloaded. */
    certificates: boolean;
    /** Patroni's Kubernetes DCS (not an EtcdCluster): the members register their pod IP. */
    kubernetesDcs: boolean;
    /** "https" or "http" once restApi.https passed its check: a refused change registers no member change. */
    restScheme: pulumi.Output<string>;
    serviceAccountName: pulumi.Input<string>;
    /** The config Secret, mounted by name (a replaced Secret must not show the pods as changing). */
    configSecretName: string;
    backup?: BackupPodParts;
    exporter?: PostgresExporterSidecar;
    dependsOn: pulumi.Resource[];
}

/**
 * What the members' pods run as and where, which a throwaway pod beside them copies (a restore's
 * source check, before the StatefulSet exists): the StatefulSet's pod template uses the same.
 */
export function memberPodBasics(a: Pick<PatroniStatefulSetArgs, "resolved" | "platform" | "image" | "selector">) {
    const p = a.platform;
    return {
        pod: { securityContext: podSecurityContext(IMAGE_USERS[a.resolved.layout.image], p), ...scheduling(p, a.selector) },
        container: { name: MEMBER_CONTAINER, image: a.image, imagePullPolicy: p.imagePullPolicy, resources: p.resources, securityContext: containerSecurityContext },
    };
}

/** The fields of a member pod spec (the StatefulSet's template, or memberPodBasics) that a throwaway pod copies, as plain JSON. */
export function memberPod(name: string, namespace: string, pod: {
    securityContext?: unknown; nodeSelector?: unknown; tolerations?: unknown; imagePullSecrets?: unknown;
    containers: Array<{ name: string; image?: string; imagePullPolicy?: string; securityContext?: unknown; resources?: unknown }>;
}): MemberPod {
    // Without undefined fields (what the API server leaves out), so the pod's manifest and a diff see the same JSON.
    return JSON.parse(JSON.stringify({
        metadata: { name, namespace },
        spec: {
            securityContext: pod.securityContext, nodeSelector: pod.nodeSelector, tolerations: pod.tolerations, imagePullSecrets: pod.imagePullSecrets,
            containers: pod.containers.filter((c) => c.name === MEMBER_CONTAINER)
                .map((c) => ({ name: c.name, image: c.image, imagePullPolicy: c.imagePullPolicy, securityContext: c.securityContext, resources: c.resources })),
        },
    })) as MemberPod;
}

/**
 * The members: a StatefulSet `<name>` of Patroni pods with a data volume each, Parallel pod
 * management (Patroni elects the bootstrapping member itself), probes on Patroni's REST API at the
 * check timings the cluster's objectives call for, and the postgres_exporter and `backup` parts.
 */
export function patroniStatefulSet(name: string, a: PatroniStatefulSetArgs, parent: pulumi.Resource): k8s.apps.v1.StatefulSet {
    const { spec, platform: p, backup, exporter, https, tlsOn } = a;
    const layout = a.resolved.layout;
    const check = a.resolved.check;
    // What the member's certificate is read as: by Patroni's REST API and pgBackRest from the config
    // mount, by PostgreSQL from the TLS mount (the same Secret).
    const certFiles = a.certificates
        ? [`${CONFIG_DIR}/$POD_NAME.crt`, `${CONFIG_DIR}/$POD_NAME.key`, ...(tlsOn ? [`${POSTGRES_TLS_DIR}/$POD_NAME.crt`, `${POSTGRES_TLS_DIR}/$POD_NAME.key`] : []), ...(backup?.watchedFiles ?? [])]
        : [];
    const beforePatroni = [
        ...(backup?.beforePatroni ?? []),
        ...(certFiles.length ? [certWatchStep(certFiles, memberTlsReload(layout.binDir, backup?.certCopies ?? []))] : []),
        replicationConnectWatchdogStep(layout.binDir),
    ];
    const basics = memberPodBasics(a);
    const scratch = scratchVolumes({
        tmp: { path: "/tmp" },
        run: { path: "/var/run/postgresql" },
        shm: { path: "/dev/shm", memoryMb: spec.shmSizeMb },
    });
    return new k8s.apps.v1.StatefulSet(name, {
        metadata: { name, namespace: a.namespace, labels: a.labels, annotations: { "pgscale.io/rest-scheme": a.restScheme } },
        spec: {
            serviceName: a.serviceName,
            replicas: spec.nodes,
            // Patroni elects the bootstrapping member itself; one pod stuck on a node must not hold up the rest.
            podManagementPolicy: "Parallel",
            selector: { matchLabels: a.selector },
            template: {
                metadata: {
                    labels: a.podLabels,
                    // Tags are read at start: a change rolls the members. Passwords never change, and
                    // added members only add keys, so nothing else restarts them.
                    annotations: { "pgscale.io/tags-sha256": sha256Hex(JSON.stringify(spec.nodeTags)) },
                },
                spec: {
                    serviceAccountName: a.serviceAccountName,
                    ...basics.pod,
                    // Patroni stops PostgreSQL and releases the leader key on SIGTERM; give it time.
                    terminationGracePeriodSeconds: 30,
                    containers: [{
                        ...basics.container,
                        // The shell expands $POD_NAME: each member reads its own file. Before Patroni:
                        // with `backup`, the scheduler and pgBackRest's keys (backup.ts); with
                        // certificates, a watcher that reloads them when a renewal lands (cert-watch.ts);
                        // always, the loop that ends replication workers stuck connecting
                        // (replication-connect-watchdog.ts in @pgscale/core).
                        command: ["/bin/sh", "-c", `${beforePatroni.join(" && ")} && exec patroni ${CONFIG_DIR}/$POD_NAME.yml`],
                        env: [
                            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                            ...(a.kubernetesDcs ? [{ name: "PATRONI_KUBERNETES_POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] : []),
                            ...(backup?.env ?? []),
                        ],
                        // "patroni" also names the port Prometheus scrapes Patroni's /metrics on (kubernetesMetricsPort).
                        // With `backup`, the scheduler beside Patroni serves its own metrics (kubernetesMetricsPort("backup")).
                        ports: [
                            { name: "postgresql", containerPort: PG_PORT }, { name: kubernetesMetricsPort("patroni").name, containerPort: API_PORT },
                            ...(backup ? [kubernetesMetricsPort("backup")] : []),
                        ],
                        // Ready: leader, or replica running with a DCS; the check timings the cluster's objectives call for.
                        readinessProbe: httpProbe("/readiness", API_PORT, Math.max(1, Math.ceil(check.interMs / 1000)), check.fall, check.rise, https),
                        // Alive while Patroni's HA loop runs (Patroni allows it ttl on a primary, 2*ttl on replicas).
                        livenessProbe: { ...httpProbe("/liveness", API_PORT, 10, 3, 1, https), initialDelaySeconds: 10 },
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
                        { name: "config", secret: { secretName: a.configSecretName, defaultMode: 0o550 } },
                        // The same Secret, 0440, for PostgreSQL's key (POSTGRES_TLS_DIR).
                        ...(tlsOn ? [{ name: "tls", secret: { secretName: a.configSecretName, defaultMode: 0o440 } }] : []),
                        ...scratch.volumes,
                        ...(exporter?.volumes ?? []),
                        ...(backup?.volumes ?? []),
                    ],
                },
            },
            volumeClaimTemplates: [{
                metadata: { name: "data", labels: a.labels },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: p.storage.storageClassName,
                    resources: { requests: { storage: p.storage.size ?? "10Gi" } },
                },
            }],
        },
    }, { parent, dependsOn: a.dependsOn });
}
