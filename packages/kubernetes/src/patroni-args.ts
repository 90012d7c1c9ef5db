import type * as pulumi from "@pulumi/pulumi";
import { IssueCollector, PatroniClusterInput, ResolvedPatroniCluster, checkConstructName, resolvePatroniCluster } from "@pgscale/core";
import { kubernetesBackupIssues } from "./backup";
import { explicitKubernetesProvider, kubectlAccessIssues } from "./kubectl-access";
import { EtcdCluster } from "./etcd";
import { patroniEndpointNames } from "./patroni-rbac";
import {
    NETWORK_POLICY_KEY, NetworkPolicyPlatformArgs, PLACEMENT_KEYS, PatroniPlatform, PlacementArgs, StorageArgs, BackupStorageArgs, patroniPlatformSpec, splitArgs,
} from "./platform";

export interface PatroniClusterArgs extends PatroniClusterInput, PlacementArgs, NetworkPolicyPlatformArgs {
    /** An etcd DCS. Default: Patroni's Kubernetes DCS (Endpoints in the namespace, no etcd to run). */
    dcs?: EtcdCluster;
    /** Data volume per member. Default 10Gi of the default StorageClass. */
    storage?: StorageArgs;
    /**
     * With `backup` in a volume (`backup.repository` without `s3`), required: the claim holding the
     * pgBackRest repository, which every member mounts (`storageClassName`: a class offering
     * ReadWriteMany; `size` default 20Gi). The claim is named `backup.repository.volume` (default
     * `<name>-backup`) and is kept when the cluster is removed unless `backup.removalPolicy` is
     * "destroy". Default: none.
     */
    backupStorage?: BackupStorageArgs;
    /**
     * The kubeconfig with which pgscale's steps that run kubectl from where `pulumi up` runs reach
     * the cluster (`bootstrap.fromBackup`'s source check, and a RestoreDrill of this cluster), a
     * path or its contents (a secret). Default: the stack's `kubernetes:kubeconfig`, else
     * kubectl's own (KUBECONFIG, else ~/.kube/config). Required with `bootstrap.fromBackup` when
     * the cluster's resources use an explicit kubernetes provider: give the same kubeconfig.
     */
    kubeconfig?: pulumi.Input<string>;
    /** The kubeconfig context for those steps. Default: the stack's `kubernetes:context`, else the kubeconfig's current one. */
    context?: string;
}

/** A PatroniCluster's arguments once checked: the shared spec resolved, the Kubernetes options parsed. */
export interface CheckedPatroniArgs {
    resolved: ResolvedPatroniCluster;
    platform: PatroniPlatform;
    scope: string;
    dcs?: EtcdCluster;
}

/**
 * Every check of a PatroniCluster's arguments, before any resource is registered: one error that
 * names each bad field (`subject` leads it).
 */
export function checkPatroniArgs(name: string, subject: string, args: PatroniClusterArgs, opts?: pulumi.ComponentResourceOptions): CheckedPatroniArgs {
    const { dcs, kubeconfig: _kubeconfig, context: _context, ...withoutDcs } = args;
    const [platformArgs, rest] = splitArgs(withoutDcs, [...PLACEMENT_KEYS, NETWORK_POLICY_KEY, "storage", "backupStorage"]);
    const issues = new IssueCollector();
    checkConstructName(issues, name);
    const resolved = issues.run(() => resolvePatroniCluster(rest, subject));
    const platform = issues.parse(patroniPlatformSpec, platformArgs);
    if (dcs !== undefined && !(dcs instanceof EtcdCluster)) issues.add("dcs", "must be an EtcdCluster from @pgscale/kubernetes (or omitted for the Kubernetes DCS)");
    kubernetesBackupIssues(resolved?.spec.backup, platformArgs.backupStorage).forEach((x) => issues.add(x.field, x.message));
    // The access Job creates and updates, and never drops: a removal policy that asks for a drop would be silently ignored.
    removalPolicyIssues(args).forEach((x) => issues.add(x.field, x.message));
    // kubectl reaches the cluster only for a restore's source check (and a RestoreDrill, which checks its own).
    kubectlAccessIssues(args.kubeconfig, args.context, explicitKubernetesProvider(opts))
        .filter((x) => x.field !== "kubeconfig" || resolved?.spec.bootstrap?.fromBackup !== undefined)
        .forEach((x) => issues.add(x.field, x.message));
    const scope = resolved?.spec.scope ?? name;
    if (resolved && dcs === undefined) {
        // A Service with a selector owns its Endpoints: sharing a name with Patroni's would hand the leader lock to the endpoints controller.
        const clash = patroniEndpointNames(scope).filter((n) => [`${name}-primary`, `${name}-replicas`, `${name}-headless`].includes(n));
        if (clash.length) issues.add("scope", `Patroni's Endpoints ${clash.join(", ")} would share a name with this cluster's Services; choose another scope`);
    }
    issues.throwIfAny(subject);
    return { resolved: resolved!, platform: platform!, scope, dcs };
}

/**
 * Removing an entry of `roles` or `databases` leaves the role or database as it is on Kubernetes
 * (the access Job creates and updates only): a removal policy that asks for a drop is refused
 * rather than ignored. Checked on the input, since the defaults ("drop" for a role) are Docker's.
 */
function removalPolicyIssues(args: PatroniClusterArgs): Array<{ field: string; message: string }> {
    const out: Array<{ field: string; message: string }> = [];
    const keep = "Kubernetes keeps a role or database whose entry is removed (drop it by hand if it must go)";
    (Array.isArray(args.roles) ? args.roles : []).forEach((r, i) => {
        if (r?.removalPolicy !== undefined && r.removalPolicy !== "retain") out.push({ field: `roles[${i}].removalPolicy`, message: `must be "retain" or left out: ${keep}` });
    });
    (Array.isArray(args.databases) ? args.databases : []).forEach((d, i) => {
        if (d?.removalPolicy === "destroy") out.push({ field: `databases[${i}].removalPolicy`, message: `must be "retain" or left out: ${keep}` });
    });
    return out;
}
