import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { DrillPodSource, FieldIssue, KubectlTarget, MemberPod, RestoreTarget, S3RepositorySpec } from "@pgscale/core";

// How pgscale's steps that run kubectl from where `pulumi up` runs (RestoreDrill, a restore's
// source check) reach the cluster. kubectl is the one client that follows every kubeconfig (exec
// plugins, contexts) as the user's own does; the kubernetes provider's kubeconfig is not readable
// from a program, so a construct on an explicit provider must be given one.

/** What a construct's `kubeconfig` and `context` options resolve to, as a dynamic resource's inputs. */
export interface KubectlAccess {
    /** A kubeconfig path, or its contents (written to a 0600 file for the step, removed after). */
    kubeconfig?: string;
    context?: string;
}

/** What a step in a throwaway pod beside the members needs (a restore's source check, a RestoreDrill). */
export interface ThrowawayPodInputs extends KubectlAccess {
    subject: string;
    namespace: string;
    /** What the pod copies of the members' pods (their pod template). */
    member: MemberPod;
    stanza: string;
    passphrase?: string;
    /** The bucket, with its keys and CA resolved (a secret as a whole); else `claim`. */
    s3?: S3RepositorySpec & { accessKeyId: string; secretAccessKey: string };
    /** The PersistentVolumeClaim holding the repository, which the pod mounts read-only. */
    claim?: string;
    dataDir: string;
    target: RestoreTarget;
}

/** The repository as the throwaway pod reads it. */
export function podSource(i: ThrowawayPodInputs): DrillPodSource {
    const { s3, claim } = i;
    return {
        stanza: i.stanza, dataDir: i.dataDir, passphrase: i.passphrase,
        ...(s3 ? { s3: { spec: s3, keys: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } } : { claim }),
    };
}

/** A kubeconfig given as its contents (as `kubernetes:kubeconfig` may be) rather than a path. */
const isKubeconfigContents = (v: string) => v.includes("\n") || v.trimStart().startsWith("{");

/** Whether a component with these options creates its resources through an explicit kubernetes provider. */
export function explicitKubernetesProvider(opts: pulumi.ComponentResourceOptions | undefined): boolean {
    const providers = opts?.providers;
    const given = [opts?.provider, ...(Array.isArray(providers) ? providers : Object.values(providers ?? {}))];
    return given.some((p) => p instanceof k8s.Provider) || opts?.parent?.getProvider("kubernetes:core/v1:Pod") instanceof k8s.Provider;
}

/**
 * The problems with `kubeconfig` and `context` for a construct whose resources use an explicit
 * kubernetes provider or not: a context that cannot be one, and no kubeconfig for an explicit provider.
 */
export function kubectlAccessIssues(kubeconfig: unknown, context: unknown, explicitProvider: boolean): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (context !== undefined && (typeof context !== "string" || context === "" || context.startsWith("-"))) issues.push({ field: "context", message: "must name a kubeconfig context" });
    if (kubeconfig === undefined && explicitProvider) {
        issues.push({ field: "kubeconfig", message: "the cluster's resources use an explicit kubernetes provider, whose kubeconfig pgscale cannot read: give the same kubeconfig (a path or its contents)" });
    }
    return issues;
}

/** The inputs of `kubeconfig` (a secret) and `context`, defaulting to the stack's `kubernetes:kubeconfig` and `kubernetes:context`. */
export function kubectlAccessInputs(kubeconfig: pulumi.Input<string> | undefined, context: string | undefined): { kubeconfig: pulumi.Output<string> | undefined; context: string | undefined } {
    const config = new pulumi.Config("kubernetes");
    const given = kubeconfig ?? config.get("kubeconfig");
    return { kubeconfig: given === undefined ? undefined : pulumi.secret(given), context: context ?? config.get("context") };
}

/** Runs `fn` with kubectl's target in `namespace`: a kubeconfig given as contents is a 0600 file meanwhile. */
export async function withKubectl<T>(namespace: string, access: KubectlAccess, fn: (t: KubectlTarget) => Promise<T>): Promise<T> {
    const dir = access.kubeconfig !== undefined && isKubeconfigContents(access.kubeconfig) ? fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-kubectl-")) : undefined;
    try {
        let kubeconfig = access.kubeconfig;
        if (dir) {
            kubeconfig = path.join(dir, "kubeconfig");
            fs.writeFileSync(kubeconfig, access.kubeconfig!, { mode: 0o600 });
        }
        return await fn({ namespace, ...(access.context !== undefined ? { context: access.context } : {}), ...(kubeconfig !== undefined ? { kubeconfig } : {}) });
    } finally {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
}
