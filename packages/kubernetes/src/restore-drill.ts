import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    DRILL_OUTPUT_KEYS, DrillOutputs, MEMBER_CONTAINER, MemberPod, PgscaleValidationError, RestoreDrillSpec, RestoreTarget, S3RepositorySpec, judgeDrill,
    restoreDrillArgs, runDrillPod,
} from "@pgscale/core";
import { RestoreDrillCommonArgs, RestoreDrillResource, packageRequire, resolvedS3 } from "@pgscale/postgres";
import { KUBERNETES_PACKAGE } from "./own-package";
import { PatroniCluster } from "./patroni";

// RestoreDrill on Kubernetes: the Docker RestoreDrill's drill (restore the cluster's bucket, start
// PostgreSQL on it, run a check query, record what a restore costs and would lose, fail the update
// on a missed objective) in a throwaway pod beside the members, as `pgscale backup drill --pod`
// runs it (runDrillPod in @pgscale/core). `pulumi up` reaches the pod with kubectl: like the
// Docker drill's engine, the API server must be reachable from where `up` runs, and kubectl is the
// one client that follows every kubeconfig (exec plugins, contexts) as the user's own does.

interface DrillInputs {
    subject: string;
    namespace: string;
    /** A kubeconfig path, or its contents (written to a 0600 file for the drill, removed after). */
    kubeconfig?: string;
    context?: string;
    /** What the drill pod copies of the members' pods: their StatefulSet's pod template. */
    member: MemberPod;
    stanza: string;
    passphrase?: string;
    /** The bucket, with its keys and CA resolved (a secret as a whole). */
    s3: S3RepositorySpec & { accessKeyId: string; secretAccessKey: string };
    dataDir: string;
    target: RestoreTarget;
    database: string;
    check: string;
    objectives: RestoreDrillSpec["objectives"];
    /** Changes when a new drill is wanted (`runOn`). */
    trigger: string;
}

/** A kubeconfig given as its contents (as `kubernetes:kubeconfig` may be) rather than a path. */
const isKubeconfigContents = (v: string) => v.includes("\n") || v.trimStart().startsWith("{");

/** What the provider below runs, loaded from the installed package when a method runs. */
export const restoreDrillPodHandlers = {
    async run(i: DrillInputs): Promise<DrillOutputs> {
        const dir = i.kubeconfig !== undefined && isKubeconfigContents(i.kubeconfig) ? fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-drill-")) : undefined;
        try {
            let kubeconfig = i.kubeconfig;
            if (dir) {
                kubeconfig = path.join(dir, "kubeconfig");
                fs.writeFileSync(kubeconfig, i.kubeconfig!, { mode: 0o600 });
            }
            const target = { namespace: i.namespace, ...(i.context !== undefined ? { context: i.context } : {}), ...(kubeconfig !== undefined ? { kubeconfig } : {}) };
            const s3 = { spec: i.s3, keys: { accessKeyId: i.s3.accessKeyId, secretAccessKey: i.s3.secretAccessKey } };
            const drilled = await runDrillPod(target, i.member, { stanza: i.stanza, dataDir: i.dataDir, passphrase: i.passphrase, s3 }, i)
                .catch((e: Error) => { throw new Error(`${i.subject}: ${e.message}`); });
            return judgeDrill(i.subject, drilled, i.objectives);
        } finally {
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        }
    },
};

const load = packageRequire(KUBERNETES_PACKAGE);
const handlers = (): typeof restoreDrillPodHandlers => load().restoreDrillPodHandlers;
const INPUT_KEYS: Array<keyof DrillInputs> = ["namespace", "kubeconfig", "context", "member", "stanza", "passphrase", "s3", "dataDir", "target", "database", "check", "objectives", "trigger"];

// Serialized into the state: captures only where the package is (own-package.ts).
const provider: pulumi.dynamic.ResourceProvider = {
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
    /** The cluster whose `backup` bucket is drilled. */
    cluster: PatroniCluster;
    /**
     * The kubeconfig kubectl uses to reach the cluster, a path or its contents (a secret). Default:
     * the stack's `kubernetes:kubeconfig`, else kubectl's own (KUBECONFIG, else ~/.kube/config).
     * Required when the cluster's resources use an explicit kubernetes provider, whose
     * kubeconfig pgscale cannot read: give the same one.
     */
    kubeconfig?: pulumi.Input<string>;
    /** The kubeconfig context. Default: the stack's `kubernetes:context`, else the kubeconfig's current one. */
    context?: string;
}

/**
 * A restore drill of a PatroniCluster's backup bucket (Kubernetes): the latest backup (or
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
        const { cluster, kubeconfig, context, ...rest } = args;
        const { spec, issues, trigger } = restoreDrillArgs(rest);
        const s3 = cluster instanceof PatroniCluster ? cluster.resolved.spec.backup?.repository.s3 : undefined;
        if (!(cluster instanceof PatroniCluster)) issues.push({ field: "cluster", message: "must be a PatroniCluster from @pgscale/kubernetes" });
        else if (!cluster.resolved.spec.backup) issues.push({ field: "cluster", message: "PatroniCluster has no `backup`: there is no repository to drill" });
        else if (!s3) issues.push({ field: "cluster", message: "its repository is not an S3 bucket, which a drill pod reaches over the network" });
        if (context !== undefined && (typeof context !== "string" || context === "" || context.startsWith("-"))) issues.push({ field: "context", message: "must name a kubeconfig context" });
        if (kubeconfig === undefined && cluster instanceof PatroniCluster && cluster.getProvider("kubernetes:core/v1:Pod") instanceof k8s.Provider) {
            issues.push({ field: "kubeconfig", message: "the cluster's resources use an explicit kubernetes provider, whose kubeconfig pgscale cannot read: give the same kubeconfig (a path or its contents)" });
        }
        if (issues.length || !spec || !s3) throw new PgscaleValidationError(subject, issues);
        const config = new pulumi.Config("kubernetes");
        const sts = cluster.statefulSet;
        // What the drill pod copies: the members' pod template as the API server has it.
        const member = pulumi.all([sts.metadata.name, cluster.namespace.ref, sts.spec.template.spec]).apply(([stsName, namespace, pod]): MemberPod => plain({
            metadata: { name: stsName, namespace },
            spec: {
                securityContext: pod.securityContext, nodeSelector: pod.nodeSelector, tolerations: pod.tolerations, imagePullSecrets: pod.imagePullSecrets,
                containers: pod.containers.filter((c) => c.name === MEMBER_CONTAINER)
                    .map((c) => ({ name: c.name, image: c.image, imagePullPolicy: c.imagePullPolicy, securityContext: c.securityContext, resources: c.resources })),
            },
        }) as MemberPod);
        const givenKubeconfig = kubeconfig ?? config.get("kubeconfig");
        super(provider, name, {
            subject,
            namespace: cluster.namespace.ref,
            kubeconfig: givenKubeconfig === undefined ? undefined : pulumi.secret(givenKubeconfig),
            context: context ?? config.get("context"),
            member,
            stanza: cluster.scope,
            passphrase: pulumi.secret(cluster.backupPassphrase),
            s3: resolvedS3(s3),
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

/** `v` without its undefined fields (what the API server leaves out), so the drill pod's manifest and the diff see the same JSON. */
function plain(v: unknown): unknown {
    return JSON.parse(JSON.stringify(v));
}
