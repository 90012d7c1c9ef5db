import { randomBytes } from "crypto";
import { DATA_MOUNT } from "../cluster/postgres-version";
import { KubectlTarget, MEMBER_CONTAINER, kubectl, kubectlArgs, kubectlExecArgs, kubectlOk, kubectlOutcome } from "../kubectl";
import { DrillResult, RestoreDrillSpec, THROWAWAY_DRILL_CONFIG, parseDrillOutput, renderDrillScript } from "./drill";
import { shellQuote } from "../util/shell-quote";
import { PGBACKREST_PATHS, S3Location, renderRestoreConf } from "./render";

// A restore drill on Kubernetes (`pgscale backup drill --pod`, the Kubernetes RestoreDrill): the
// drill Docker runs in a throwaway container, in a throwaway pod of the member's image. The pod
// copies what the member pod runs with (image, security contexts, resources, placement) and
// nothing that would make it a member: none of the cluster's labels (no Service,
// PodDisruptionBudget or NetworkPolicy selects it), no service account token, no Secret. It only
// sleeps; the repository's configuration (passphrase and S3 keys inside) reaches it on the drill's
// stdin through `kubectl exec`, so it is in no Kubernetes object, argv or env, and the drill's
// figures come back on its stdout. The pod is deleted however the drill ends, and ends itself at
// its deadline should the caller die first.

/** The drill pod's one container. */
export const DRILL_CONTAINER = "drill";

/** What a drill pod copies of a member pod (as `kubectl get pod -o json` gives it, or a StatefulSet's pod template). */
export interface MemberPod {
    metadata: { name: string; namespace?: string };
    spec: {
        securityContext?: Record<string, unknown>;
        nodeSelector?: Record<string, string>;
        tolerations?: unknown[];
        imagePullSecrets?: unknown[];
        containers: Array<{
            name: string; image: string; imagePullPolicy?: string; securityContext?: Record<string, unknown>; resources?: Record<string, unknown>;
            volumeMounts?: Array<{ name: string; mountPath: string }>;
        }>;
        volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string } }>;
    };
}

/** The claim a member pod mounts as its pgBackRest repository (`backup.repository.volume` on Kubernetes), if any. */
export function repositoryClaimOf(pod: MemberPod): string | undefined {
    const mount = pod.spec.containers.find((c) => c.name === MEMBER_CONTAINER)?.volumeMounts?.find((m) => m.mountPath === PGBACKREST_PATHS.repository);
    return mount && pod.spec.volumes?.find((v) => v.name === mount.name)?.persistentVolumeClaim?.claimName;
}

/** What a throwaway pod is for: a restore drill, or reading the source repository before a restore. */
export type ThrowawayRole = "restore-drill" | "restore-check";

/** Each role's word in the pod's name, its name in messages, and the annotation naming the member it copies. */
const ROLES: Record<ThrowawayRole, { word: string; what: string; annotation: string }> = {
    "restore-drill": { word: "drill", what: "drill pod", annotation: "pgscale.io/drill-of" },
    "restore-check": { word: "restore-check", what: "restore check pod", annotation: "pgscale.io/restore-check-of" },
};

/** A pod name for a drill of `member`: its name, `-drill-` and a random suffix, within the API's 63 characters for a hostname. */
export function drillPodName(member: string, suffix = randomBytes(3).toString("hex"), word = "drill"): string {
    return `${member.slice(0, 63 - word.length - 2 - suffix.length).replace(/[-.]+$/, "")}-${word}-${suffix}`;
}

/**
 * The throwaway pod's manifest: the member's image, security contexts, resources and placement;
 * the data directory's volume, /tmp, /etc/pgscale and pgBackRest's log as emptyDirs (the restore
 * lands on the node's ephemeral storage and goes with the pod); with `claim`, that repository
 * claim mounted read-only where a restore reads its source (a drill never writes to it).
 */
export function drillPodManifest(member: MemberPod, name: string, deadlineSeconds: number, role: ThrowawayRole = "restore-drill", claim?: string): Record<string, unknown> {
    const patroni = member.spec.containers.find((c) => c.name === MEMBER_CONTAINER);
    if (!patroni) throw new Error(`pod ${member.metadata.name} has no ${MEMBER_CONTAINER} container: not a member of a PatroniCluster`);
    const scratch = { data: DATA_MOUNT, tmp: "/tmp", config: "/etc/pgscale", log: PGBACKREST_PATHS.log };
    const repository = claim === undefined ? undefined : {
        mount: { name: "repository", mountPath: PGBACKREST_PATHS.sourceRepository, readOnly: true },
        volume: { name: "repository", persistentVolumeClaim: { claimName: claim, readOnly: true } },
    };
    const { securityContext, nodeSelector, tolerations, imagePullSecrets } = member.spec;
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name,
            ...(member.metadata.namespace ? { namespace: member.metadata.namespace } : {}),
            labels: { "app.kubernetes.io/managed-by": "pgscale", "app.kubernetes.io/component": role },
            annotations: { [ROLES[role].annotation]: member.metadata.name },
        },
        spec: {
            restartPolicy: "Never",
            activeDeadlineSeconds: deadlineSeconds,
            // Its `sleep` is PID 1 and ignores SIGTERM: a deletion need not wait out the default 30 s.
            terminationGracePeriodSeconds: 1,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            ...(securityContext ? { securityContext } : {}),
            ...(nodeSelector ? { nodeSelector } : {}),
            ...(tolerations ? { tolerations } : {}),
            ...(imagePullSecrets ? { imagePullSecrets } : {}),
            containers: [{
                name: DRILL_CONTAINER,
                image: patroni.image,
                ...(patroni.imagePullPolicy ? { imagePullPolicy: patroni.imagePullPolicy } : {}),
                command: ["sleep", String(deadlineSeconds)],
                ...(patroni.securityContext ? { securityContext: patroni.securityContext } : {}),
                ...(patroni.resources ? { resources: patroni.resources } : {}),
                volumeMounts: [...Object.entries(scratch).map(([volume, mountPath]) => ({ name: volume, mountPath })), ...(repository ? [repository.mount] : [])],
            }],
            volumes: [...Object.keys(scratch).map((volume) => ({ name: volume, emptyDir: {} })), ...(repository ? [repository.volume] : [])],
        },
    };
}

/**
 * The shell the drill runs in its pod: the repository's configuration from stdin (0600), the S3
 * endpoint's CA from $2 (base64; a certificate, not a secret), an empty data directory, then the
 * drill script (the check query, base64, is its $1).
 */
export function drillPodScript(script: string, dataDir: string): string {
    return [
        "set -eu",
        "umask 077",
        `cat > ${THROWAWAY_DRILL_CONFIG}`,
        `[ -z "$2" ] || printf '%s' "$2" | base64 -d > ${PGBACKREST_PATHS.sourceS3Ca}`,
        `mkdir -p ${shellQuote(dataDir)}`,
        script,
    ].join("\n");
}

/** A waiting container's reasons that will not pass on their own. */
const STUCK = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

export interface PodStatus {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{ state?: { running?: unknown; waiting?: { reason?: string; message?: string } } }>;
}

/** Running, a reason it never will be, or undefined while it may still start. */
export function podStarted(status: PodStatus): true | string | undefined {
    const state = status.containerStatuses?.[0]?.state;
    if (status.phase === "Running" && state?.running) return true;
    if (status.phase === "Failed" || status.phase === "Succeeded") return `the pod ended (${status.phase}) before its work ran`;
    const waiting = state?.waiting;
    if (waiting?.reason && STUCK.has(waiting.reason)) return `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
    return undefined;
}

/** Why a pod has not started yet, for the timeout's message. */
function pending(status: PodStatus): string {
    const unscheduled = status.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    if (unscheduled) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? "no reason given"}`;
    const waiting = status.containerStatuses?.[0]?.state?.waiting;
    return waiting?.reason ? `waiting: ${waiting.reason}` : `phase ${status.phase ?? "unknown"}`;
}

/** The repository a drill pod restores from (a bucket or a claim), its passphrase, and where the data directory goes. */
export interface DrillPodSource {
    stanza: string;
    dataDir: string;
    passphrase?: string;
    /** The bucket, reached over the network; its spec carries the endpoint's CA (`caPem`) when it has one. */
    s3?: S3Location;
    /** Else the PersistentVolumeClaim holding the repository (ReadWriteMany), mounted read-only in the pod. */
    claim?: string;
}

export interface DrillPodOptions {
    /** How long the pod may take to start. Default 300 s. */
    startSeconds?: number;
    /** The pod's own deadline (activeDeadlineSeconds): how long a drill may take at most. Default 12 h. */
    deadlineSeconds?: number;
}

/**
 * Runs `fn` with a throwaway pod beside `member` (in the target's namespace) once it runs, and
 * deletes the pod however `fn` ends.
 */
export async function withThrowawayPod<T>(t: KubectlTarget, member: MemberPod, role: ThrowawayRole, o: DrillPodOptions & { claim?: string }, fn: (pod: string) => Promise<T>): Promise<T> {
    const { word, what } = ROLES[role];
    const name = drillPodName(member.metadata.name, undefined, word);
    const deadline = o.deadlineSeconds ?? 12 * 3600;
    await kubectlOk(kubectlArgs(t, ["create", "--filename", "-"]), `creating the ${what} ${name}`, JSON.stringify(drillPodManifest(member, name, deadline, role, o.claim)));
    try {
        for (const until = Date.now() + (o.startSeconds ?? 300) * 1000; ; await new Promise((r) => setTimeout(r, 1000))) {
            const status = (JSON.parse(await kubectlOk(kubectlArgs(t, ["get", "pod", name, "--output", "json"]), `reading the ${what} ${name}`)) as { status: PodStatus }).status;
            const started = podStarted(status);
            if (started === true) break;
            if (started !== undefined) throw new Error(`the ${what} ${name} did not start: ${started}`);
            if (Date.now() >= until) throw new Error(`the ${what} ${name} did not start in ${o.startSeconds ?? 300} s (${pending(status)})`);
        }
        return await fn(name);
    } finally {
        await kubectl(kubectlArgs(t, ["delete", "pod", name, "--wait=false", "--ignore-not-found"])).catch(() => undefined);
    }
}

/** `renderRestoreConf` of `source`, and the script's arguments: the endpoint's CA (base64, or ""). */
function sourceConf(source: DrillPodSource): { conf: string; caArg: string } {
    if ((source.s3 === undefined) === (source.claim === undefined)) throw new Error("a drill pod's source is a bucket (s3) or a claim, one of them");
    const conf = renderRestoreConf({ stanza: source.stanza, dataDir: source.dataDir, cipherPass: source.passphrase, s3: source.s3 });
    const caPem = source.s3?.spec.caPem as string | undefined;
    return { conf, caArg: caPem !== undefined ? Buffer.from(caPem).toString("base64") : "" };
}

/**
 * Restores `source` in a throwaway pod beside `member` (the pod's namespace is the target's), as
 * the Docker drill does in a throwaway container; the pod is deleted however the drill ends.
 * Returns the drill's figures and the pod's name; objectives are the caller's to judge.
 */
export async function runDrillPod(t: KubectlTarget, member: MemberPod, source: DrillPodSource, spec: Pick<RestoreDrillSpec, "target" | "database" | "check">, o: DrillPodOptions = {}): Promise<DrillResult & { pod: string }> {
    return withThrowawayPod(t, member, "restore-drill", { ...o, claim: source.claim }, async (name) => {
        const { conf, caArg } = sourceConf(source);
        const script = drillPodScript(renderDrillScript({ stanza: source.stanza, dataDir: source.dataDir, target: spec.target, database: spec.database }), source.dataDir);
        const r = await kubectl(kubectlExecArgs(t, name, ["/bin/sh", "-c", script, "restore-drill", Buffer.from(spec.check).toString("base64"), caArg], { container: DRILL_CONTAINER, stdin: true }), conf);
        const outcome = kubectlOutcome(r.code, r.stdout, r.stderr);
        if (outcome.exitCode !== 0) throw new Error(`the restore failed in pod ${name} (exit ${outcome.exitCode}): ${outcome.stderr.slice(-1500) || outcome.stdout.slice(-1500)}`);
        return { ...parseDrillOutput(outcome.stdout), pod: name };
    });
}

/**
 * `pgbackrest info` of `source`'s stanza (JSON) in a throwaway pod beside `member`, before a
 * restore from it: what the Docker restore check reads in a throwaway container. pgBackRest's exit
 * status and output come back for the caller to judge (`sourceReadIssues`).
 */
export async function readSourceInfoInPod(t: KubectlTarget, member: MemberPod, source: DrillPodSource, o: DrillPodOptions = {}): Promise<{ status: number; stdout: string; stderr: string }> {
    return withThrowawayPod(t, member, "restore-check", { deadlineSeconds: 600, ...o, claim: source.claim }, async (name) => {
        const { conf, caArg } = sourceConf(source);
        const script = drillPodScript(`exec pgbackrest --config=${THROWAWAY_DRILL_CONFIG} --stanza=${shellQuote(source.stanza)} --output=json info`, source.dataDir);
        const r = await kubectl(kubectlExecArgs(t, name, ["/bin/sh", "-c", script, "restore-check", "", caArg], { container: DRILL_CONTAINER, stdin: true }), conf);
        const outcome = kubectlOutcome(r.code, r.stdout, r.stderr);
        return { status: outcome.exitCode, stdout: outcome.stdout, stderr: outcome.stderr };
    });
}
