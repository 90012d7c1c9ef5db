import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { JOB_FILES, inClusterJob } from "./in-cluster-job";
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
    /** The CA the members' https REST certificates chain to (restApi.https). */
    caPem?: pulumi.Input<string>;
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
        .all([a.password, a.caPem])
        .apply(([password, caPem]) => JSON.stringify({ members: a.members, username: a.username, password, config: a.config, timeoutSeconds: a.timeoutSeconds, ...(caPem ? { caPem } : {}) }, null, 2));
    const secret = new k8s.core.v1.Secret(`${name}-dcs-config`, {
        metadata: { namespace: a.namespace, labels: a.labels },
        stringData: { "job.json": pulumi.secret(jobDoc), "dcs-reconcile.py": readScript("dcs-reconcile.py") },
    }, { parent });
    // It talks to Patroni only.
    const job = inClusterJob(`${name}-dcs-config`, {
        ...a, secret, container: "reconcile", command: ["python3", `${JOB_FILES}/dcs-reconcile.py`, `${JOB_FILES}/job.json`],
    }, parent);
    return { secret, job };
}
