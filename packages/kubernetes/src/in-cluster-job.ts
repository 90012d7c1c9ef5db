import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { containerSecurityContext, podSecurityContext, scratchVolumes } from "./pod";
import { ImageUser } from "./images";
import { Labels } from "./labels";
import { Placement } from "./platform";

/** Where an in-cluster Job finds the files of its Secret. */
export const JOB_FILES = "/etc/pgscale";

export interface InClusterJobArgs {
    namespace: pulumi.Input<string>;
    labels: Labels;
    image: string;
    imageUser: ImageUser;
    placement: Placement;
    /** The container's name and command; its inputs are the files of `secret` under JOB_FILES. */
    container: string;
    command: string[];
    secret: k8s.core.v1.Secret;
    /** How long one attempt may retry; the Job (and Pulumi's wait for it) is bounded by three times this. */
    timeoutSeconds: number;
    dependsOn: pulumi.Resource[];
}

/**
 * A Job that does, from inside the cluster, what `pulumi up` generally cannot reach from outside
 * (Patroni's REST APIs, the primary Service): one container, non-root, no Kubernetes API token, its
 * inputs a Secret mounted read-only (0440: root and the pod's fsGroup). Pulumi waits for it to
 * complete. The DCS reconcile and the monitoring role are such Jobs.
 */
export function inClusterJob(name: string, a: InClusterJobArgs, parent: pulumi.Resource): k8s.batch.v1.Job {
    const scratch = scratchVolumes({ tmp: { path: "/tmp" } });
    const bound = 3 * a.timeoutSeconds;
    return new k8s.batch.v1.Job(name, {
        metadata: { namespace: a.namespace, labels: a.labels },
        spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: bound,
            template: {
                metadata: { labels: a.labels },
                spec: {
                    restartPolicy: "Never",
                    automountServiceAccountToken: false,
                    securityContext: podSecurityContext(a.imageUser, a.placement),
                    tolerations: a.placement.tolerations,
                    nodeSelector: a.placement.nodeSelector,
                    containers: [{
                        name: a.container,
                        image: a.image,
                        imagePullPolicy: a.placement.imagePullPolicy,
                        command: a.command,
                        securityContext: containerSecurityContext,
                        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } },
                        volumeMounts: [{ name: "job", mountPath: JOB_FILES, readOnly: true }, ...scratch.mounts],
                    }],
                    volumes: [{ name: "job", secret: { secretName: a.secret.metadata.name, defaultMode: 0o440 } }, ...scratch.volumes],
                },
            },
        },
    }, {
        parent,
        dependsOn: a.dependsOn,
        // The wait covers what the Job waits for (bootstrap, replicas cloning, a failover).
        customTimeouts: { create: `${bound}s`, update: `${bound}s` },
    });
}

export interface PrimarySqlJobArgs extends Omit<InClusterJobArgs, "container" | "command" | "secret"> {
    /** The container's name. */
    container: string;
    /** In-cluster host of the primary Service. */
    primaryHost: string;
    superuserPassword: pulumi.Input<string>;
    /** The psql script (secret: it may hold SCRAM verifiers), run with ON_ERROR_STOP against the `postgres` database. */
    sql: pulumi.Input<string>;
    /** With the cluster's TLS: its CA (PEM); psql then verifies the primary Service's name with it (verify-full). */
    caPem?: pulumi.Input<string>;
}

/**
 * A psql script run as the superuser against the primary Service, from inside the cluster: the
 * monitoring role and the declared roles and databases are such Jobs. The script and the password
 * are an auto-named Secret, so a changed script is a new Secret and a new Job (the Job runs again);
 * an unchanged stack runs it once. The script must be idempotent. The password goes from its file
 * into PGPASSWORD in the shell's own environment (readable by its user only), never onto a command
 * line. psql is tried again while it cannot reach a writable primary or loses it (exit 2: a failover
 * under way) until timeoutSeconds; an error of the script itself (a refusal) fails the attempt at once.
 */
export function primarySqlJob(name: string, a: PrimarySqlJobArgs, parent: pulumi.Resource): { secret: k8s.core.v1.Secret; job: k8s.batch.v1.Job } {
    const { primaryHost, superuserPassword, sql, caPem, ...job } = a;
    const secret = new k8s.core.v1.Secret(name, {
        metadata: { namespace: a.namespace, labels: a.labels },
        stringData: pulumi.secret({
            "script.sql": pulumi.output(sql), "superuser-password": pulumi.output(superuserPassword),
            ...(caPem !== undefined ? { "ca.crt": pulumi.output(caPem) } : {}),
        }),
    }, { parent });
    const ssl = caPem !== undefined ? ` sslmode=verify-full sslrootcert=${JOB_FILES}/ca.crt` : "";
    const script = [
        `PGPASSWORD="$(cat ${JOB_FILES}/superuser-password)"`,
        "export PGPASSWORD",
        `deadline=$(( $(date +%s) + ${a.timeoutSeconds} ))`,
        "while :; do",
        `  psql "host=${primaryHost} port=5432 dbname=postgres user=postgres connect_timeout=5 target_session_attrs=read-write${ssl}" -v ON_ERROR_STOP=1 -q -f ${JOB_FILES}/script.sql`,
        "  rc=$?",
        "  [ $rc -eq 0 ] && exit 0",
        "  [ $rc -eq 2 ] || exit $rc",
        `  [ "$(date +%s)" -lt "$deadline" ] || exit 1`,
        "  sleep 2",
        "done",
    ].join("\n");
    return { secret, job: inClusterJob(name, { ...job, secret, command: ["/bin/sh", "-c", script] }, parent) };
}
