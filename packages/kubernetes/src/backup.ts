import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    BackupSpec, DATA_MOUNT, FromBackupSpec, PGBACKREST_CLIENT_CN, PGBACKREST_PATHS, PostgresLayout, S3RepositorySpec, drillScratchDir,
    renderPgBackRestConf, renderPostRestore, renderReplicaFromBackupScript, renderRestoreConf, renderRestoreScript, renderScheduledDrillScript, schedulerConfig,
} from "@pgscale/core";
import { GeneratedSecret, GeneratedTls, s3Keys } from "@pgscale/postgres";
import { Labels } from "./labels";
import { NamespaceRef } from "./namespace";

// `backup` and `bootstrap.fromBackup` on Kubernetes, the same as on Docker (packages/docker/src/backup.ts)
// with the files in a Secret instead of uploads: pgBackRest's configuration (the passphrase and
// the S3 keys inside, never in env or args) at /etc/pgbackrest, the scheduler's and the restore's
// at /etc/pgscale, both from one Secret `<name>-backup`. The repository is an S3 bucket, or a
// PersistentVolumeClaim that every member mounts where Docker mounts its volume (so its class
// must offer ReadWriteMany: the primary archives into it while a replica backs up into it).

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type EnvVar = k8s.types.input.core.v1.EnvVar;
type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

const SCHEDULER = "/usr/local/bin/pgscale-backup-scheduler";
/** The member's own certificate and key, copied where pgBackRest's server reads them on every member (one pgbackrest.conf for all). */
const SERVER_CERT = "/var/run/postgresql/pgbackrest-server.crt";
const SERVER_KEY = "/var/run/postgresql/pgbackrest-server.key";
/** Where the backup scheduler keeps the backup lease and the drill's record with Patroni's Kubernetes DCS (pgscale_dcs.py). */
export const BACKUP_LEASE_NAMES = (scope: string) => [`${scope}-pgscale-backup-lease`, `${scope}-pgscale-backup-drill`];

/** The claim a cluster's volume repository lives in: `backup.repository.volume`, default `<name>-backup`; undefined for a bucket. */
export function repositoryClaimName(name: string, backup: BackupSpec | undefined): string | undefined {
    return backup && !backup.repository.s3 ? backup.repository.volume ?? `${name}-backup` : undefined;
}

/** `backup` in a claim needs `backupStorage` (its class must offer ReadWriteMany), and `backupStorage` needs such a `backup`. */
export function kubernetesBackupIssues(backup: BackupSpec | undefined, backupStorage: unknown): Array<{ field: string; message: string }> {
    const claim = backup !== undefined && !backup.repository.s3;
    if (claim && backupStorage === undefined) {
        return [{ field: "backupStorage", message: "is required with `backup` in a volume (no `repository.s3`): `{ storageClassName }` of a StorageClass offering ReadWriteMany (NFS, CephFS, EFS, Azure Files...), since every member mounts the repository; or use an S3 bucket" }];
    }
    if (!claim && backupStorage !== undefined) return [{ field: "backupStorage", message: "is only used with `backup` in a volume (`backup.repository` without `s3`)" }];
    return [];
}

/**
 * The claim holding a volume repository: ReadWriteMany, kept when the cluster is removed unless
 * `removalPolicy: "destroy"` (a repository outlives the cluster it can bring back; removing the
 * namespace still removes it).
 * Not awaited (pulumi.com/skipAwait): under a WaitForFirstConsumer class it binds only once a member
 * mounts it, and kubernetes providers of the peer range before pulumi-kubernetes PR #4181 wait on
 * an update (a larger size) for such a claim to be Pending again, which never ends; the
 * StatefulSet's own wait covers the members starting with it mounted.
 */
export function backupRepositoryClaim(name: string, claimName: string, a: {
    namespace: NamespaceRef; labels: Labels; storage: { size: string; storageClassName: string }; removalPolicy: BackupSpec["removalPolicy"]; parent: pulumi.Resource; dependsOn: pulumi.Resource[];
}): k8s.core.v1.PersistentVolumeClaim {
    return new k8s.core.v1.PersistentVolumeClaim(`${name}-backup-repository`, {
        metadata: { name: claimName, namespace: a.namespace.ref, labels: { ...a.labels, "app.kubernetes.io/component": "backup-repository" }, annotations: { "pulumi.com/skipAwait": "true" } },
        spec: { accessModes: ["ReadWriteMany"], storageClassName: a.storage.storageClassName, resources: { requests: { storage: a.storage.size } } },
    }, { parent: a.parent, dependsOn: a.dependsOn, retainOnDelete: a.removalPolicy === "retain" });
}

/** The member files a cluster's `backup` or restore adds, and how the member pods use them. */
export interface BackupPodParts {
    /** Keys of the `<name>-backup` Secret (secrets inside). */
    files: pulumi.Output<Record<string, string>>;
    /** The Secret's mounts (key -> file) at /etc/pgbackrest and /etc/pgscale, and pgBackRest's writable directories. */
    volumes: Volume[];
    mounts: VolumeMount[];
    /** Steps of the member's start command before Patroni. */
    beforePatroni: string[];
    /**
     * The member's certificate and key as pgBackRest's server reads them, and the client key as its
     * client reads it: copied at start, and again when a renewal or a CA rotation lands.
     */
    certCopies: Array<{ from: string; to: string; mode: string }>;
    /** Files of this Secret whose change is such a renewal (the client certificate and key). */
    watchedFiles: string[];
    env: EnvVar[];
    /** Patroni's replica method (with `backup`) and custom bootstrap (with a restore). */
    replicaMethod?: { name: string; command: string };
    bootstrapMethod?: { name: string; command: string };
    /** The post-bootstrap script of a restored cluster, given the owner's verifier. */
    postBootstrap?: (ownerVerifier: pulumi.Output<string>) => pulumi.Output<string>;
    /** What the members' Role grants besides Patroni's needs: the backup lease in the Kubernetes DCS. */
    rules: PolicyRule[];
    /** With `backup.encrypt`: the repository's passphrase (secret). */
    passphrase?: pulumi.Output<string>;
}

export interface BackupPodArgs {
    name: string;
    scope: string;
    layout: PostgresLayout;
    pgPort: number;
    apiPort: number;
    /** The members' CA file (PEM) in the pod, and the signing CA: pgBackRest's servers and client speak mutual TLS with it. */
    caFile: string;
    ca: GeneratedTls;
    /** Where each member's certificate and key are, with `$POD_NAME` for the member. */
    memberCertFile: string;
    memberKeyFile: string;
    /** The REST API's CA file, when it speaks HTTPS. */
    restApiCaFile?: string;
    /** The members' patroni.yml, with `$(POD_NAME)`. */
    patroniConfig: string;
    kubernetesDcs: boolean;
    owner: string;
    database: string;
    parent: pulumi.Resource;
}

/** The S3 endpoint's CA of a repository, under `key`, when it has one (a certificate, not a secret). */
function s3Ca(s3: S3RepositorySpec | undefined, key: string): pulumi.Output<Record<string, string>> {
    return pulumi.output(s3?.caPem as pulumi.Input<string> | undefined).apply((pem): Record<string, string> => (pem !== undefined ? { [key]: pem } : {}));
}

/** A Secret volume of some keys, mounted read-only at `dir`, each key as its file name there. */
function secretDir(volume: string, secretName: string, dir: string, files: Record<string, string>): { volume: Volume; mount: VolumeMount } {
    return {
        // 0550: the scripts are executed; root and the postgres group (fsGroup) read.
        volume: { name: volume, secret: { secretName, defaultMode: 0o550, items: Object.entries(files).map(([key, path]) => ({ key, path })) } },
        mount: { name: volume, mountPath: dir, readOnly: true },
    };
}

const base = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/**
 * The pod parts of `backup` (pgBackRest with the repository, archiving from the primary, the
 * image's scheduler beside Patroni, which creates the stanza on the primary and backs up from the
 * first streaming replica through the primary's pgBackRest server) and of a restore (Patroni's
 * custom bootstrap from the source repository), both in one Secret named `secretName`.
 */
export function backupPodParts(backup: BackupSpec | undefined, from: FromBackupSpec | undefined, secretName: string, a: BackupPodArgs): BackupPodParts | undefined {
    if (!backup && !from) return undefined;
    const parts: Array<pulumi.Output<Record<string, string>>> = [];
    const pgbackrestFiles: Record<string, string> = {};
    const pgscaleFiles: Record<string, string> = {};
    const out: Omit<BackupPodParts, "files" | "volumes" | "mounts"> = { beforePatroni: [], certCopies: [], watchedFiles: [], env: [], rules: [] };
    if (backup) {
        const s3 = backup.repository.s3;
        const passphrase = backup.encrypt ? new GeneratedSecret(`${a.name}-backup-passphrase`, { length: 64 }, { parent: a.parent }).value : undefined;
        const client = new GeneratedTls(`${a.name}-backup-client`, {
            servers: { [PGBACKREST_CLIENT_CN]: { dnsNames: [PGBACKREST_CLIENT_CN], ipAddresses: [], clientAuth: true } },
            ca: a.ca.signingCa,
        }, { parent: a.parent });
        const tls = { certFile: SERVER_CERT, keyFile: SERVER_KEY, caFile: a.caFile };
        parts.push(pulumi.all([passphrase, s3Keys(s3), client.certs]).apply(([cipherPass, keys, certs]): Record<string, string> => ({
            "pgbackrest.conf": renderPgBackRestConf({ stanza: a.scope, dataDir: a.layout.dataDir, socketDir: "/var/run/postgresql", pgPort: a.pgPort, backup, cipherPass, s3Keys: keys, tls }),
            "client.crt": certs[PGBACKREST_CLIENT_CN].certPem,
            "client.key": certs[PGBACKREST_CLIENT_CN].keyPem,
            "backup.json": JSON.stringify(schedulerConfig(a.scope, backup, a.apiPort, a.restApiCaFile, { dataDir: a.layout.dataDir, pgPort: a.pgPort, caFile: a.caFile, certFile: SERVER_CERT, clientCertFile: PGBACKREST_PATHS.clientCertCopy }), null, 2),
            "replica-from-backup.sh": renderReplicaFromBackupScript(a.scope, a.layout.dataDir),
            // Scheduled drills: the acting member's scheduler restores into a scratch directory of its data volume.
            ...(backup.drill ? { "restore-drill.sh": renderScheduledDrillScript(a.scope, drillScratchDir(DATA_MOUNT), backup.drill.database) } : {}),
        })), s3Ca(s3, "s3-ca.crt"));
        for (const p of [PGBACKREST_PATHS.config, PGBACKREST_PATHS.clientCert, PGBACKREST_PATHS.clientKeyUpload]) pgbackrestFiles[base(p)] = base(p);
        if (s3?.caPem !== undefined) pgbackrestFiles["s3-ca.crt"] = base(PGBACKREST_PATHS.s3Ca);
        for (const p of [PGBACKREST_PATHS.schedulerConfig, PGBACKREST_PATHS.replicaScript, ...(backup.drill ? [PGBACKREST_PATHS.drillScript] : [])]) pgscaleFiles[base(p)] = base(p);
        out.passphrase = passphrase;
        // Keys readable by postgres alone (pgBackRest wants it so), the server's at one path on every member.
        // The client's certificate and key are read from copies made together: a CA rotation issues
        // both anew (the Secret's files change together), and the copies follow as one pair (cert-watch.ts).
        out.certCopies.push(
            { from: a.memberCertFile, to: SERVER_CERT, mode: "0644" }, { from: a.memberKeyFile, to: SERVER_KEY, mode: "0600" },
            { from: PGBACKREST_PATHS.clientCert, to: PGBACKREST_PATHS.clientCertCopy, mode: "0644" },
            { from: PGBACKREST_PATHS.clientKeyUpload, to: PGBACKREST_PATHS.clientKey, mode: "0600" },
        );
        out.watchedFiles.push(PGBACKREST_PATHS.clientCert, PGBACKREST_PATHS.clientKeyUpload);
        out.beforePatroni.push(
            ...out.certCopies.map((c) => `install -m ${c.mode} ${c.from} ${c.to}`),
            `{ python3 ${SCHEDULER} ${PGBACKREST_PATHS.schedulerConfig} & }`,
        );
        // The scheduler reads the member's own patroni.yml for the DCS (the backup lease).
        out.env.push({ name: "PGSCALE_PATRONI_CONFIG", value: a.patroniConfig });
        out.replicaMethod = { name: "pgbackrest", command: PGBACKREST_PATHS.replicaScript };
        if (a.kubernetesDcs) {
            const names = BACKUP_LEASE_NAMES(a.scope);
            out.rules.push(
                // `create` cannot be narrowed by name in RBAC; the rest only on the scope's two Leases.
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: names, verbs: ["get", "update", "delete"] },
            );
        }
    }
    if (from) {
        const s3 = from.repository.s3;
        parts.push(pulumi.all([from.passphrase as pulumi.Input<string> | undefined, s3Keys(s3)]).apply(([cipherPass, keys]): Record<string, string> => ({
            "restore.conf": renderRestoreConf({ stanza: from.stanza, dataDir: a.layout.dataDir, cipherPass, s3: s3 && keys ? { spec: s3, keys } : undefined }),
            "restore.sh": renderRestoreScript(from.stanza, from.target),
        })), s3Ca(s3, "restore-s3-ca.crt"));
        for (const p of [PGBACKREST_PATHS.sourceConfig, PGBACKREST_PATHS.restoreScript]) pgscaleFiles[base(p)] = base(p);
        if (s3?.caPem !== undefined) pgscaleFiles["restore-s3-ca.crt"] = base(PGBACKREST_PATHS.sourceS3Ca);
        out.bootstrapMethod = { name: "pgbackrest", command: PGBACKREST_PATHS.restoreScript };
        out.postBootstrap = (verifier) => verifier.apply((v) => renderPostRestore(a.owner, v, a.database));
    }
    const dirs = [
        ...(Object.keys(pgbackrestFiles).length ? [secretDir("pgbackrest-config", secretName, "/etc/pgbackrest", pgbackrestFiles)] : []),
        secretDir("pgscale-config", secretName, "/etc/pgscale", pgscaleFiles),
    ];
    // pgBackRest writes its archive spool and logs; the root filesystem is read-only.
    const writable = [{ name: "pgbackrest-spool", path: PGBACKREST_PATHS.spool }, { name: "pgbackrest-log", path: PGBACKREST_PATHS.log }];
    // A volume repository: the cluster's claim where pgBackRest writes it, a restore's source read-only where the restore reads it.
    const claims: Array<{ volume: Volume; mount: VolumeMount }> = [];
    const own = repositoryClaimName(a.name, backup);
    if (own) claims.push({ volume: { name: "pgbackrest-repository", persistentVolumeClaim: { claimName: own } }, mount: { name: "pgbackrest-repository", mountPath: PGBACKREST_PATHS.repository } });
    if (from?.repository.volume !== undefined) {
        claims.push({
            volume: { name: "pgbackrest-source", persistentVolumeClaim: { claimName: from.repository.volume as pulumi.Input<string>, readOnly: true } },
            mount: { name: "pgbackrest-source", mountPath: PGBACKREST_PATHS.sourceRepository, readOnly: true },
        });
    }
    return {
        ...out,
        files: pulumi.all(parts).apply((ps) => Object.assign({}, ...ps) as Record<string, string>),
        volumes: [...dirs.map((d) => d.volume), ...writable.map((w) => ({ name: w.name, emptyDir: {} })), ...claims.map((c) => c.volume)],
        mounts: [...dirs.map((d) => d.mount), ...writable.map((w) => ({ name: w.name, mountPath: w.path })), ...claims.map((c) => c.mount)],
    };
}

/** The Secret holding the files of backupPodParts (a fixed name: the pods mount it by name). */
export function backupSecret(secretName: string, namespace: NamespaceRef, labels: Labels, files: pulumi.Output<Record<string, string>>, parent: pulumi.Resource, dependsOn: pulumi.Resource[]): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(secretName, {
        metadata: { name: secretName, namespace: namespace.ref, labels },
        stringData: pulumi.secret(files),
    }, { parent, dependsOn });
}
