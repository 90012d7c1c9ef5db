import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { PatroniClusterSpec } from "@pgscale/core";
import { dcsReconcileJob } from "./dcs-reconcile";
import { DeclaredAccess, declaredAccessJob } from "./declared-access";
import { ImageUser } from "./images";
import { labelsFor } from "./labels";
import { monitorRoleJob } from "./monitoring";
import { Placement } from "./platform";

/** How long each in-cluster Job may take (the DCS settings, the etcd user, the monitoring role, declared access). */
export const RECONCILE_TIMEOUT_S = 300;

export interface PatroniJobsArgs {
    namespace: pulumi.Input<string>;
    /** The members' image and its user: the Jobs run Patroni's REST calls and psql from it. */
    image: string;
    imageUser: ImageUser;
    placement: Placement;
    spec: PatroniClusterSpec;
    /** The DCS document the stack asks for now. */
    dcsDoc: Record<string, unknown>;
    members: Array<{ name: string; restUrl: string }>;
    restApiUser: string;
    restApiPassword: pulumi.Input<string>;
    /** With restApi.https: the CA of the members' REST certificates. */
    restApiCaPem?: pulumi.Input<string>;
    /** In-cluster host of the primary Service. */
    primaryHost: string;
    superuserPassword: pulumi.Input<string>;
    /** With TLS: the cluster's CA, against which psql verifies the primary Service's name. */
    tlsCaPem?: pulumi.Input<string>;
    /** With monitoring: the `pgscale_monitor` role's SCRAM verifier. */
    monitorScramVerifier?: pulumi.Input<string>;
    statefulSet: k8s.apps.v1.StatefulSet;
    /** What the DCS settings' reconcile also waits on (a restored cluster's watch, restore-check.ts). */
    after?: pulumi.Resource[];
}

/**
 * The in-cluster Jobs of a PatroniCluster, once its members run: the DCS settings' reconcile
 * (`ready`: a leader runs, every replica streams, the DCS holds the stack's settings), then, through
 * the primary Service as the superuser, the monitoring role and the declared roles and databases.
 */
export function patroniJobs(name: string, a: PatroniJobsArgs, parent: pulumi.Resource): { dcsReconcile: k8s.batch.v1.Job; monitorRole?: k8s.batch.v1.Job; access: DeclaredAccess } {
    const { namespace, image, imageUser, placement } = a;
    const dcsReconcile = dcsReconcileJob(name, {
        namespace,
        // Its own app name, so the Services and the PDB never select the Job's pod.
        labels: labelsFor(name, "patroni-dcs-reconcile", "dcs-reconcile").labels,
        image,
        imageUser,
        placement,
        members: a.members,
        username: a.restApiUser,
        password: a.restApiPassword,
        ...(a.restApiCaPem ? { caPem: a.restApiCaPem } : {}),
        config: a.dcsDoc,
        timeoutSeconds: RECONCILE_TIMEOUT_S,
        dependsOn: [a.statefulSet, ...(a.after ?? [])],
    }, parent).job;

    // The in-cluster SQL Jobs (monitoring role, declared access): the member image, as the superuser, through the primary Service.
    const sqlJob = {
        namespace, image, imageUser, placement,
        primaryHost: a.primaryHost, superuserPassword: a.superuserPassword, timeoutSeconds: RECONCILE_TIMEOUT_S,
        // With TLS, psql verifies the primary Service's name against the cluster's CA.
        ...(a.tlsCaPem ? { caPem: a.tlsCaPem } : {}),
    };
    const monitorRole = a.monitorScramVerifier === undefined ? undefined : monitorRoleJob(name, {
        ...sqlJob,
        labels: labelsFor(name, "patroni-monitor-role", "monitor-role").labels,
        database: a.spec.database,
        scramVerifier: a.monitorScramVerifier,
        dependsOn: [dcsReconcile],
    }, parent).job;
    const access = declaredAccessJob(name, {
        ...sqlJob,
        spec: a.spec,
        labels: labelsFor(name, "patroni-access", "access").labels,
        dependsOn: [dcsReconcile],
    }, parent);
    return { dcsReconcile, monitorRole, access };
}
