import * as pulumi from "@pulumi/pulumi";
import {
    FromBackupSpec, MEMBER_CONTAINER, MemberPod, PgscaleValidationError, RestoreTarget, kubectl, kubectlArgs, readSourceInfoInPod, restoreFailure, sleep,
    sourceReadIssues,
} from "@pgscale/core";
import { packageRequire, resolvedS3, PgscaleDynamicResource } from "@pgscale/postgres";
import { KubectlAccess, ThrowawayPodInputs, kubectlAccessInputs, podSource, withKubectl } from "./kubectl-access";
import { KUBERNETES_PACKAGE, KUBERNETES_PROVIDER } from "./own-package";

// `bootstrap.fromBackup` on Kubernetes, checked before and watched while it restores, as on Docker
// (restore-bootstrap.ts there). RestoreSourceCheck reads the source repository, a bucket or a claim
// (`pgbackrest info`), in a throwaway pod beside where the members will run (readSourceInfoInPod) and
// judges it as Docker does (sourceReadIssues): an unreadable repository, a wrong passphrase, no backup, a target time
// before the oldest backup each fail `up` naming the field, before the StatefulSet is created.
// RestoreBootstrapWatch follows the members' logs until one is ready (the restored primary) and
// fails at the first failed attempt with pgBackRest's (or PostgreSQL's) message, instead of
// letting the reconcile Job wait out its timeout. `pulumi up` reaches the pods with kubectl, as
// RestoreDrill does.

/** The pod copies the members' pods to be (memberPodBasics). */
type CheckInputs = ThrowawayPodInputs;

/** What the provider below runs, loaded from the installed package when a method runs. */
export const restoreCheckPodHandlers = {
    async check(i: CheckInputs): Promise<void> {
        const read = await withKubectl(i.namespace, i, (target) => readSourceInfoInPod(target, i.member, podSource(i)))
            .catch((e: Error) => { throw new Error(`${i.subject}: reading the source repository before the restore (bootstrap.fromBackup): ${e.message}`); });
        const issues = sourceReadIssues(read, i.stanza, i.target);
        if (issues.length) throw new PgscaleValidationError(i.subject, issues);
    },

    async watch(i: WatchInputs): Promise<void> {
        await withKubectl(i.namespace, i, async (t) => {
            // Every 2 s: each round is a few kubectl runs per member on the machine `up` runs on.
            for (const deadline = Date.now() + i.timeoutSeconds * 1000; ; await sleep(2000)) {
                for (const pod of i.pods) {
                    // Ready: Patroni's /readiness answers, which a restored member does once it leads.
                    const got = await kubectl(kubectlArgs(t, ["get", "pod", pod, "--output", "json"]));
                    const statuses = got.code === 0 ? (JSON.parse(got.stdout) as { status?: { containerStatuses?: Array<{ name: string; ready?: boolean; restartCount?: number }> } }).status?.containerStatuses : undefined;
                    const member = statuses?.find((c) => c.name === MEMBER_CONTAINER);
                    if (member?.ready) return;
                    // The running container's log, and once it restarted the one before it: a member whose restore failed restarts.
                    for (const previous of (member?.restartCount ?? 0) > 0 ? [[], ["--previous"]] : [[]]) {
                        const log = await kubectl(kubectlArgs(t, ["logs", pod, "--container", MEMBER_CONTAINER, "--tail", "3000", ...previous]));
                        const failed = log.code === 0 ? restoreFailure(log.stdout) : undefined;
                        if (failed) {
                            throw new Error(`${i.subject}: the restore from the backup failed on ${pod}: ${failed.field}: ${failed.message}`
                                + ` (the member's log: kubectl logs ${pod} -c ${MEMBER_CONTAINER}; fix the field and create the cluster again)`);
                        }
                    }
                }
                if (Date.now() > deadline) throw new Error(`${i.subject}: no restored primary after ${i.timeoutSeconds} s (kubectl logs ${i.pods[0]} -c ${MEMBER_CONTAINER})`);
            }
        });
    },
};

interface WatchInputs extends KubectlAccess {
    subject: string;
    namespace: string;
    /** The member pods, by name. */
    pods: string[];
    timeoutSeconds: number;
}

const load = packageRequire(KUBERNETES_PACKAGE);
const handlers = (): typeof restoreCheckPodHandlers => load().restoreCheckPodHandlers;

// Each runs once, when the cluster is created: `bootstrap` means nothing to a cluster that exists.
// Called through the package's one provider (providers.ts); a state written before that holds
// them serialized: where the package is (own-package.ts) and which handler.
const onceProvider = (step: "check" | "watch"): pulumi.dynamic.ResourceProvider => ({
    async diff() {
        return { changes: false };
    },
    async create(inputs: CheckInputs & WatchInputs) {
        await handlers()[step](inputs);
        return { id: `restore-${step}-${Date.now().toString(36)}`, outs: { subject: inputs.subject } };
    },
});
export const restoreSourceCheckProvider = onceProvider("check");
export const restoreBootstrapWatchProvider = onceProvider("watch");

export interface RestoreSourceCheckArgs {
    subject: string;
    namespace: pulumi.Input<string>;
    kubeconfig: pulumi.Input<string> | undefined;
    context: string | undefined;
    member: pulumi.Input<MemberPod>;
    stanza: string;
    passphrase: pulumi.Input<string> | undefined;
    /** The bucket with its keys and CA resolved (resolvedS3: a secret); else `claim`. */
    s3?: pulumi.Input<NonNullable<CheckInputs["s3"]>>;
    /** The PersistentVolumeClaim holding the source repository, in the cluster's namespace. */
    claim?: pulumi.Input<string>;
    dataDir: string;
    target: RestoreTarget;
}

/** Before a restored cluster's members exist (Kubernetes): the source repository holds the stanza, a backup, and the target. */
export class RestoreSourceCheck extends PgscaleDynamicResource {
    constructor(name: string, args: RestoreSourceCheckArgs, opts?: pulumi.CustomResourceOptions) {
        super(KUBERNETES_PROVIDER, name, {
            ...args,
            passphrase: args.passphrase === undefined ? undefined : pulumi.secret(args.passphrase),
        }, { ...opts, additionalSecretOutputs: ["passphrase", "s3", "kubeconfig"] }, "pgscale", "KubernetesRestoreSourceCheck");
    }
}

/** Where a restored cluster's source check runs, and as what. */
export interface RestoreCheckContext {
    subject: string;
    namespace: pulumi.Input<string>;
    /** The cluster's `kubeconfig` and `context` options (defaults: the stack's). */
    kubectl: { kubeconfig?: pulumi.Input<string>; context?: string };
    /** The members' pod basics (memberPodBasics), named after the StatefulSet. */
    member: pulumi.Input<MemberPod>;
    dataDir: string;
    parent: pulumi.Resource;
    dependsOn: pulumi.Resource[];
}

export interface RestoreBootstrapWatchArgs {
    subject: string;
    namespace: pulumi.Input<string>;
    kubeconfig: pulumi.Input<string> | undefined;
    context: string | undefined;
    pods: string[];
    /** Give up waiting for the restored primary after this many seconds. Default 3600: a restore takes as long as the data. */
    timeoutSeconds?: number;
}

/** While a restored cluster's first member restores (Kubernetes): done when a member is ready, failed at its first failed attempt. */
export class RestoreBootstrapWatch extends PgscaleDynamicResource {
    constructor(name: string, args: RestoreBootstrapWatchArgs, opts?: pulumi.CustomResourceOptions) {
        super(KUBERNETES_PROVIDER, name, { timeoutSeconds: 3600, ...args }, { ...opts, additionalSecretOutputs: ["kubeconfig"] }, "pgscale", "KubernetesRestoreBootstrapWatch");
    }
}

/**
 * With `bootstrap.fromBackup` (on Kubernetes): the check the StatefulSet waits on, and
 * the watch of the StatefulSet's members (`watch`), which the reconcile Job waits on.
 */
export function restoreChecks(name: string, from: FromBackupSpec | undefined, at: RestoreCheckContext): { check: RestoreSourceCheck; watch: (statefulSet: pulumi.Resource, pods: string[]) => RestoreBootstrapWatch } | undefined {
    if (!from) return undefined;
    const s3 = from.repository.s3;
    const repository = s3 ? { s3: resolvedS3(s3) } : { claim: from.repository.volume as pulumi.Input<string> };
    const access = kubectlAccessInputs(at.kubectl.kubeconfig, at.kubectl.context);
    return {
        check: new RestoreSourceCheck(`${name}-restore-check`, {
            subject: at.subject, namespace: at.namespace, ...access, member: at.member,
            stanza: from.stanza, passphrase: from.passphrase as pulumi.Input<string> | undefined, ...repository, dataDir: at.dataDir, target: from.target,
        }, { parent: at.parent, dependsOn: at.dependsOn }),
        watch: (statefulSet, pods) => new RestoreBootstrapWatch(`${name}-restore-watch`, {
            subject: at.subject, namespace: at.namespace, ...access, pods,
        }, { parent: at.parent, dependsOn: [statefulSet] }),
    };
}
