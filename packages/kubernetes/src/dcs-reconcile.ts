import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { containerSecurityContext, podSecurityContext, scratchVolumes } from "./pod";
import { ImageUser } from "./images";
import { Labels } from "./labels";
import { Placement } from "./platform";

/** Scripts shipped beside dist/ and src/ (one level below the package root in both). */
export const SCRIPTS_DIR = path.join(__dirname, "..", "scripts");
export const readScript = (file: string): string => fs.readFileSync(path.join(SCRIPTS_DIR, file), "utf8");

export interface DcsReconcileArgs {
    namespace: pulumi.Input<string>;
    labels: Labels;
    image: string;
    imageUser: ImageUser;
    placement: Placement;
    members: Array<{ name: string; restUrl: string }>;
    username: string;
    password: pulumi.Input<string>;
    /** The DCS document in Patroni's key names (renderDcsConfig). */
    config: Record<string, unknown>;
    timeoutSeconds: number;
    dependsOn: pulumi.Resource[];
}

/**
 * Applies the stack's DCS settings to the live cluster from inside it: a Job that runs
 * scripts/dcs-reconcile.py (the steps of PatroniDynamicConfig) against the members' REST APIs
 * on the pod network, which `pulumi up` generally cannot reach. Its input is an auto-named
 * Secret, so any change of settings or members is a new Secret, a new pod template and hence a
 * new Job: `pulumi preview` shows a Job replacement, never a change to the members. Pulumi waits
 * for the Job to complete, so `pulumi up` returns once a leader runs and every replica streams.
 */
export function dcsReconcileJob(name: string, a: DcsReconcileArgs, parent: pulumi.Resource): { secret: k8s.core.v1.Secret; job: k8s.batch.v1.Job } {
    const jobDoc = pulumi
        .output(a.password)
        .apply((password) => JSON.stringify({ members: a.members, username: a.username, password, config: a.config, timeoutSeconds: a.timeoutSeconds }, null, 2));
    const secret = new k8s.core.v1.Secret(`${name}-dcs-config`, {
        metadata: { namespace: a.namespace, labels: a.labels },
        stringData: { "job.json": pulumi.secret(jobDoc), "dcs-reconcile.py": readScript("dcs-reconcile.py") },
    }, { parent });
    const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
    const job = new k8s.batch.v1.Job(`${name}-dcs-config`, {
        metadata: { namespace: a.namespace, labels: a.labels },
        spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 3 * a.timeoutSeconds,
            template: {
                metadata: { labels: a.labels },
                spec: {
                    restartPolicy: "Never",
                    // It talks to Patroni only; no Kubernetes API access.
                    automountServiceAccountToken: false,
                    securityContext: podSecurityContext(a.imageUser, a.placement),
                    tolerations: a.placement.tolerations,
                    nodeSelector: a.placement.nodeSelector,
                    containers: [{
                        name: "reconcile",
                        image: a.image,
                        imagePullPolicy: a.placement.imagePullPolicy,
                        command: ["python3", "/etc/pgscale/dcs-reconcile.py", "/etc/pgscale/job.json"],
                        securityContext: containerSecurityContext,
                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        volumeMounts: [{ name: "job", mountPath: "/etc/pgscale", readOnly: true }, ...scratch.mounts],
                    }],
                    volumes: [{ name: "job", secret: { secretName: secret.metadata.name, defaultMode: 0o440 } }, ...scratch.volumes],
                },
            },
        },
    }, {
        parent,
        dependsOn: a.dependsOn,
        // Waiting covers bootstrap, cloning every replica and rolling restarts for pending parameters.
        customTimeouts: { create: `${3 * a.timeoutSeconds}s`, update: `${3 * a.timeoutSeconds}s` },
    });
    return { secret, job };
}
