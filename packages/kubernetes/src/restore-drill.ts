import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DRILL_OUTPUT_KEYS, DrillOutputs, PgscaleValidationError, RestoreDrillSpec, judgeDrill,
    restoreDrillArgs, runDrillPod,
} from "@pgscale/core";
import { RestoreDrillCommonArgs, RestoreDrillResource, packageRequire, resolvedS3 } from "@pgscale/postgres";
import { ThrowawayPodInputs, kubectlAccessInputs, kubectlAccessIssues, podSource, withKubectl } from "./kubectl-access";
import { KUBERNETES_PACKAGE, KUBERNETES_PROVIDER } from "./own-package";
import { PatroniCluster } from "./patroni";
import { memberPod } from "./patroni-pod";

// RestoreDrill on Kubernetes: the Docker RestoreDrill's drill (restore the cluster's repository, start
// PostgreSQL on it, run a check query, record what a restore costs and would lose, fail the update
// on a missed objective) in a throwaway pod beside the members, as `pgscale backup drill --pod`
// runs it (runDrillPod in @pgscale/core). `pulumi up` reaches the pod with kubectl: like the
// Docker drill's engine, the API server must be reachable from where `up` runs, and kubectl is the
// one client that follows every kubeconfig (exec plugins, contexts) as the user's own does.

interface DrillInputs extends ThrowawayPodInputs {
    database: string;
    check: string;
    objectives: RestoreDrillSpec["objectives"];
    /** Changes when a new drill is wanted (`runOn`). */
    trigger: string;
}

/** What the provider below runs, loaded from the installed package when a method runs. */
export const restoreDrillPodHandlers = {
    async run(i: DrillInputs): Promise<DrillOutputs> {
        const drilled = await withKubectl(i.namespace, i, (target) => runDrillPod(target, i.member, podSource(i), i))
            .catch((e: Error) => { throw new Error(`${i.subject}: ${e.message}`); });
        return judgeDrill(i.subject, drilled, i.objectives);
    },
};

const load = packageRequire(KUBERNETES_PACKAGE);
const handlers = (): typeof restoreDrillPodHandlers => load().restoreDrillPodHandlers;
const INPUT_KEYS: Array<keyof DrillInputs> = ["namespace", "kubeconfig", "context", "member", "stanza", "passphrase", "s3", "claim", "dataDir", "target", "database", "check", "objectives", "trigger"];

// Called through the package's one provider (providers.ts). A state written before that holds this
// object serialized, which loads its handlers through the package (own-package.ts).
export const restoreDrillProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id, olds: DrillInputs, news: DrillInputs) {
        return { changes: INPUT_KEYS.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])) };
    },
    async create(inputs: DrillInputs) {
        const outs = await handlers().run(inputs);
        return { id: `drill-${Date.now().toString(36)}`, outs: { ...inputs, ...outs } };
    },
    async update(_id, _olds, news: DrillInputs) {
        return { outs: { ...news, ...(await handlers().run(news)) } };
    },
};

export interface RestoreDrillArgs extends RestoreDrillCommonArgs {
    /** The cluster whose `backup` repository (bucket or claim) is drilled. */
    cluster: PatroniCluster;
    /**
     * The kubeconfig kubectl uses to reach the cluster, a path or its contents (a secret). Default:
     * the cluster's `kubeconfig`, else the stack's `kubernetes:kubeconfig`, else kubectl's own
     * (KUBECONFIG, else ~/.kube/config). Required when the cluster's resources use an explicit
     * kubernetes provider, whose kubeconfig pgscale cannot read: give the same one.
     */
    kubeconfig?: pulumi.Input<string>;
    /** The kubeconfig context. Default: the cluster's `context`, else the stack's `kubernetes:context`, else the kubeconfig's current one. */
    context?: string;
}

/**
 * A restore drill of a PatroniCluster's backup repository (Kubernetes): the latest backup (or
 * `target`) restored in a throwaway pod of the members' image, security contexts, resources and
 * placement, beside them in their namespace, started, checked with `check`, and deleted. Outputs the
 * measured `restoreSeconds`, the `restorablePoint` (newest commit the restore holds) and the
 * `lossWindowSeconds` (now minus that point), and fails the update naming each missed objective.
 * `pulumi up` needs kubectl on PATH and RBAC for `pods` (create, get, delete) and `pods/exec` in
 * the cluster's namespace.
 */
export class RestoreDrill extends RestoreDrillResource {
    constructor(name: string, args: RestoreDrillArgs, opts?: pulumi.CustomResourceOptions) {
        const subject = `RestoreDrill ${name}`;
        const { cluster, ...rest } = args;
        delete (rest as { kubeconfig?: unknown }).kubeconfig;
        delete (rest as { context?: unknown }).context;
        const kubeconfig = args.kubeconfig ?? (cluster instanceof PatroniCluster ? cluster.kubectl.kubeconfig : undefined);
        const context = args.context ?? (cluster instanceof PatroniCluster ? cluster.kubectl.context : undefined);
        const { spec, issues, trigger } = restoreDrillArgs(rest);
        const backup = cluster instanceof PatroniCluster ? cluster.resolved.spec.backup : undefined;
        if (!(cluster instanceof PatroniCluster)) issues.push({ field: "cluster", message: "must be a PatroniCluster from @pgscale/kubernetes" });
        else if (!backup) issues.push({ field: "cluster", message: "PatroniCluster has no `backup`: there is no repository to drill" });
        if (cluster instanceof PatroniCluster) issues.push(...kubectlAccessIssues(kubeconfig, context, cluster.getProvider("kubernetes:core/v1:Pod") instanceof k8s.Provider));
        if (issues.length || !spec || !backup) throw new PgscaleValidationError(subject, issues);
        // The bucket over the network, or the repository's claim mounted read-only in the drill pod.
        const s3 = backup.repository.s3;
        const repository = s3 ? { s3: resolvedS3(s3) } : { claim: cluster.backupVolume };
        const sts = cluster.statefulSet;
        // What the drill pod copies: the members' pod template as the API server has it.
        const member = pulumi.all([sts.metadata.name, cluster.namespace.ref, sts.spec.template.spec]).apply(([stsName, namespace, pod]) => memberPod(stsName, namespace, pod));
        super(KUBERNETES_PROVIDER, name, {
            subject,
            namespace: cluster.namespace.ref,
            ...kubectlAccessInputs(kubeconfig, context),
            member,
            stanza: cluster.scope,
            passphrase: pulumi.secret(cluster.backupPassphrase),
            ...repository,
            dataDir: cluster.resolved.layout.dataDir,
            target: spec.target,
            database: spec.database,
            check: spec.check,
            objectives: spec.objectives,
            trigger,
            ...Object.fromEntries(DRILL_OUTPUT_KEYS.map((k) => [k, undefined])),
        }, {
            ...opts,
            // The first backup must exist: the cluster's scheduler takes it once the cluster is ready.
            dependsOn: [...([] as pulumi.Resource[]).concat((opts?.dependsOn as pulumi.Resource[] | undefined) ?? []), cluster.ready],
            additionalSecretOutputs: ["passphrase", "s3", "kubeconfig"],
        }, "pgscale", "RestoreDrill");
    }
}


