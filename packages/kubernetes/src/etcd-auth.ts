import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { EtcdctlTarget, etcdEnableAuthScript, etcdScopeUserScript } from "@pgscale/core";
import { JOB_FILES, inClusterJob } from "./in-cluster-job";
import { ImageUser } from "./images";
import { Labels } from "./labels";
import { Placement } from "./platform";

// etcd's users live in etcd itself. On Docker the core scripts run inside a member (docker exec);
// here a Job beside the members runs them against the members' client endpoints (no Kubernetes API
// access needed), its passwords on standard input from a mounted Secret file, never in its
// arguments or environment.

/** What an etcd script Job runs in and against. */
export interface EtcdJobTarget {
    namespace: pulumi.Input<string>;
    /** The etcd image: it carries etcdctl and a shell. */
    image: string;
    imageUser: ImageUser;
    placement: Placement;
    tls: boolean;
    /** `host:port` client endpoints of the members. */
    endpoints: string[];
    /** The cluster's CA (PEM), with TLS. */
    caPem: pulumi.Output<string | undefined>;
}

export interface EtcdScriptJobArgs extends EtcdJobTarget {
    labels: Labels;
    /** The script's standard input: passwords, one per line. */
    stdin: pulumi.Input<string>;
    timeoutSeconds: number;
    dependsOn: pulumi.Resource[];
}

/** The exit code of etcdEnableAuthScript when auth is already on with another root password. */
const WRONG_ROOT_PASSWORD = 3;

/** How a Job's etcdctl reaches the members: their endpoints, verified with the CA in the Job's Secret. */
export const jobEtcdctlTarget = (endpoints: string[]): EtcdctlTarget => ({ endpoints, caFile: `${JOB_FILES}/ca.crt` });

/**
 * Runs `script` until it succeeds or `timeoutSeconds` pass (a new cluster elects its leader first;
 * a member may restart), except on a wrong root password, which no retry mends.
 */
function retrying(timeoutSeconds: number): string {
    return [
        `deadline=$(( $(date +%s) + ${timeoutSeconds} ))`,
        "while :; do",
        `  sh ${JOB_FILES}/script.sh < ${JOB_FILES}/stdin && exit 0`,
        "  rc=$?",
        `  if [ "$rc" -eq ${WRONG_ROOT_PASSWORD} ]; then echo "etcd authentication is already on with another root password than this stack's (the members' volumes hold an earlier cluster's data?)" >&2; exit ${WRONG_ROOT_PASSWORD}; fi`,
        `  if [ "$(date +%s)" -ge "$deadline" ]; then echo "gave up after ${timeoutSeconds} s (exit $rc)" >&2; exit "$rc"; fi`,
        "  sleep 2",
        "done",
    ].join("\n");
}

/**
 * A Job that runs one of the core etcd scripts. Its input is an auto-named Secret (script, standard
 * input, CA): a changed password, scope or member list is a new Secret and so a new Job, and the
 * scripts are idempotent. Pulumi waits for it to complete.
 */
export function etcdScriptJob(name: string, script: string, a: EtcdScriptJobArgs, parent: pulumi.Resource): { secret: k8s.core.v1.Secret; job: k8s.batch.v1.Job } {
    const files = pulumi.all([a.stdin, a.caPem]).apply(([stdin, ca]) => ({
        "script.sh": script, stdin, ...(a.tls ? { "ca.crt": ca ?? "" } : {}),
    }));
    const secret = new k8s.core.v1.Secret(name, {
        metadata: { namespace: a.namespace, labels: a.labels },
        stringData: pulumi.secret(files),
    }, { parent });
    const job = inClusterJob(name, { ...a, secret, container: "etcdctl", command: ["sh", "-c", retrying(a.timeoutSeconds)] }, parent);
    return { secret, job };
}

/** Turns on the cluster's authentication with `root` (etcdEnableAuthScript), once the members serve. */
export function etcdEnableAuthJob(name: string, a: Omit<EtcdScriptJobArgs, "stdin"> & { rootPassword: pulumi.Output<string> }, parent: pulumi.Resource) {
    const script = etcdEnableAuthScript(a.tls, jobEtcdctlTarget(a.endpoints));
    return etcdScriptJob(`${name}-etcd-auth`, script, { ...a, stdin: a.rootPassword.apply((pw) => `${pw}\n`) }, parent);
}

/**
 * Creates (or brings back in line) a Patroni scope's etcd user, readwrite on its own keys only
 * (etcdScopeUserScript). Kubernetes runs nothing when the cluster is removed, so the user and role
 * stay in etcd after it (harmless: only this scope's keys, and the password left with the stack).
 */
export function etcdScopeUserJob(
    name: string, scope: string,
    a: Omit<EtcdScriptJobArgs, "stdin"> & { rootPassword: pulumi.Output<string | undefined>; password: pulumi.Output<string> },
    parent: pulumi.Resource,
) {
    const script = etcdScopeUserScript(a.tls, scope, jobEtcdctlTarget(a.endpoints));
    const stdin = pulumi.all([a.rootPassword, a.password]).apply(([root, pw]) => `${root ?? ""}\n${pw}\n`);
    return etcdScriptJob(`${name}-etcd-user`, script, { ...a, stdin }, parent);
}
