import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { containerSecurityContext, podSecurityContext, scratchVolumes } from "./pod";
import { ImageUser } from "./images";
import { Labels } from "./labels";
import { Placement } from "./platform";

/** Where an in-cluster Job finds the files of its Secret. */
export const JOB_FILES = "/etc/pgscale";

export interface InClusterJobArgs {
    namespace: pulumi.Input<string>;
    labels: Labels;
    image: string;
    imageUser: ImageUser;
    placement: Placement;
    /** The container's name and command; its inputs are the files of `secret` under JOB_FILES. */
    container: string;
    command: string[];
    secret: k8s.core.v1.Secret;
    /** How long one attempt may retry; the Job (and Pulumi's wait for it) is bounded by three times this. */
    timeoutSeconds: number;
    dependsOn: pulumi.Resource[];
}

/**
 * A Job that does, from inside the cluster, what `pulumi up` generally cannot reach from outside
 * (Patroni's REST APIs, the primary Service): one container, non-root, no Kubernetes API token, its
 * inputs a Secret mounted read-only (0440: root and the pod's fsGroup). Pulumi waits for it to
 * complete. The DCS reconcile and the monitoring role are such Jobs.
 */
export function inClusterJob(name: string, a: InClusterJobArgs, parent: pulumi.Resource): k8s.batch.v1.Job {
    const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
    const bound = 3 * a.timeoutSeconds;
    return new k8s.batch.v1.Job(name, {
        metadata: { namespace: a.namespace, labels: a.labels },
        spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: bound,
            template: {
                metadata: { labels: a.labels },
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    securityContext: podSecurityContext(a.imageUser, a.placement),
                    tolerations: a.placement.tolerations,
                    nodeSelector: a.placement.nodeSelector,
                    containers: [{
                        name: a.container,
                        image: a.image,
                        imagePullPolicy: a.placement.imagePullPolicy,
                        command: a.command,
                        securityContext: containerSecurityContext,
                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        volumeMounts: [{ name: "job", mountPath: JOB_FILES, readOnly: true }, ...scratch.mounts],
                    }],
                    volumes: [{ name: "job", secret: { secretName: a.secret.metadata.name, defaultMode: 0o440 } }, ...scratch.volumes],
                },
            },
        },
    }, {
        parent,
        dependsOn: a.dependsOn,
        // The wait covers what the Job waits for (bootstrap, replicas cloning, a failover).
        customTimeouts: { create: `${bound}s`, update: `${bound}s` },
    });
}
