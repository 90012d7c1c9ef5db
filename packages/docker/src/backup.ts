import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    BACKUP_METRICS_LABEL, BackupSpec, DATA_MOUNT, FromBackupSpec, METRICS_PORTS, MemberTls, PGBACKREST_CLIENT_CN, PGBACKREST_PATHS, PostgresLayout, S3RepositorySpec,
    drillScratchDir, renderPgBackRestConf, renderPostRestore, renderReplicaFromBackupScript, renderRestoreConf, renderRestoreScript, renderScheduledDrillScript, schedulerConfig,
} from "@pgscale/core";
import { GeneratedSecret, GeneratedTls, resolvedS3, s3Keys } from "@pgscale/postgres";
import { pgscaleLabels } from "./naming";
import { RestoreBootstrapWatch, RestoreSourceCheck } from "./restore-bootstrap";

/** Where the members find the scheduler's configuration (the image ships the scheduler itself). */
const SCHEDULER_CONFIG = PGBACKREST_PATHS.schedulerConfig;
const SCHEDULER = "/usr/local/bin/pgscale-backup-scheduler";

/** The S3 endpoint's CA as a file (`caPem`), at `path`: a certificate, not a secret. */
function s3CaUpload(s3: S3RepositorySpec | undefined, path: string): docker.types.input.ContainerUpload[] {
    return s3?.caPem !== undefined ? [{ file: path, content: s3.caPem as pulumi.Input<string>, permissions: "0644" }] : [];
}

export interface BackupWiring {
    /** The repository volume, mounted in every member; undefined for an S3 repository. */
    volume?: docker.Volume;
    /** The repository's passphrase (secret); undefined without `encrypt`. */
    passphrase?: pulumi.Output<string>;
    mounts: docker.types.input.ContainerVolume[];
    uploads: docker.types.input.ContainerUpload[];
    /** Steps of the member's start command, before Patroni: the client key readable by postgres alone, the scheduler in the background. */
    startScheduler: string[];
    /** Patroni's replica method that restores from the repository before trying pg_basebackup. */
    replicaMethod: { name: string; command: string };
    /** Member labels: the scheduler's metrics port, for Prometheus's `backup` job. */
    labels: docker.types.input.ContainerLabel[];
}

/**
 * pgBackRest for a PatroniCluster on Docker: one repository shared by every member (the stanza is
 * the scope), an engine volume or an S3 bucket, the same pgbackrest.conf on each, archiving from
 * whichever member is primary, and the image's scheduler beside Patroni, acting only on the
 * primary. The volume is retained when the cluster is removed (unless `removalPolicy: "destroy"`),
 * and a bucket is never touched: a repository outlives the cluster it can bring back.
 */
export function backupWiring(
    name: string, prefix: string, stanza: string, backup: BackupSpec, layout: PostgresLayout, ports: { pg: number; api: number; restApiCaFile?: string },
    tls: MemberTls & { ca: GeneratedTls }, parent: pulumi.Resource, dependsOn: pulumi.Resource[],
): BackupWiring {
    const s3 = backup.repository.s3;
    // An S3 repository is the bucket's: nothing on the engine to create, and nothing pgscale deletes.
    const volume = s3 ? undefined : new docker.Volume(`${name}-backup`, {
        name: backup.repository.volume ?? `${prefix}-backup`,
        labels: pgscaleLabels(name, "backup-repository"),
    }, { parent, dependsOn, retainOnDelete: backup.removalPolicy === "retain" });
    const passphrase = backup.encrypt
        ? new GeneratedSecret(`${name}-backup-passphrase`, { length: 64 }, { parent }).value
        : undefined;
    const conf = pulumi.all([passphrase, s3Keys(s3)]).apply(([cipherPass, keys]) => renderPgBackRestConf({
        stanza, dataDir: layout.dataDir, socketDir: "/var/run/postgresql", pgPort: ports.pg, backup, cipherPass, s3Keys: keys, tls,
    }));
    // The certificate every member's pgBackRest presents to the others' servers, signed by the
    // cluster's CA: one name, so adding a member changes no other member's configuration.
    const client = new GeneratedTls(`${name}-backup-client`, {
        servers: { [PGBACKREST_CLIENT_CN]: { dnsNames: [PGBACKREST_CLIENT_CN], ipAddresses: [], clientAuth: true } },
        ca: tls.ca.signingCa,
    }, { parent });
    const clientPair = client.certs.apply((c) => c[PGBACKREST_CLIENT_CN]);
    const drill = backup.drill;
    return {
        volume,
        passphrase,
        mounts: volume ? [{ volumeName: volume.name, containerPath: PGBACKREST_PATHS.repository }] : [],
        uploads: [
            // The passphrase and any S3 keys: a secret in the state, a file in the member (never argv or env).
            { file: PGBACKREST_PATHS.config, content: pulumi.secret(conf), permissions: "0644" },
            ...s3CaUpload(s3, PGBACKREST_PATHS.s3Ca),
            { file: PGBACKREST_PATHS.clientCert, content: clientPair.apply((c) => c.certPem), permissions: "0644" },
            { file: PGBACKREST_PATHS.clientKeyUpload, content: pulumi.secret(clientPair.apply((c) => c.keyPem)), permissions: "0644" },
            {
                file: SCHEDULER_CONFIG, permissions: "0644",
                content: JSON.stringify(schedulerConfig(stanza, backup, ports.api, ports.restApiCaFile, { dataDir: layout.dataDir, pgPort: ports.pg, caFile: tls.caFile, certFile: tls.certFile }), null, 2),
            },
            { file: PGBACKREST_PATHS.replicaScript, content: renderReplicaFromBackupScript(stanza, layout.dataDir), permissions: "0755" },
            ...(drill ? [{ file: PGBACKREST_PATHS.drillScript, content: renderScheduledDrillScript(stanza, drillScratchDir(DATA_MOUNT), drill.database), permissions: "0755" }] : []),
        ],
        replicaMethod: { name: "pgbackrest", command: PGBACKREST_PATHS.replicaScript },
        startScheduler: [`install -m 0600 ${PGBACKREST_PATHS.clientKeyUpload} ${PGBACKREST_PATHS.clientKey}`, `{ python3 ${SCHEDULER} ${SCHEDULER_CONFIG} & }`],
        labels: [{ label: BACKUP_METRICS_LABEL, value: String(METRICS_PORTS.backup) }],
    };
}

export interface RestoreWiring {
    mounts: docker.types.input.ContainerVolume[];
    uploads: docker.types.input.ContainerUpload[];
    /** Patroni's custom bootstrap method. */
    bootstrapMethod: { name: string; command: string };
    /** The post-bootstrap script for a restored cluster (renderPostRestore), given the owner's verifier. */
    postBootstrap: (ownerVerifier: pulumi.Output<string>) => pulumi.Output<string>;
    /** Reads the source repository before any member is created: the members depend on it. */
    sourceCheck: RestoreSourceCheck;
    /** Follows the members until the restored primary runs, failing with the restore's own error. */
    watch: (members: Array<{ container: docker.Container; restUrl: pulumi.Output<string> }>, restCaPem?: pulumi.Input<string>) => RestoreBootstrapWatch;
}

/** Where a restored cluster's checks run: the cluster's engine, image and network. */
export interface RestoreContext {
    name: string;
    subject: string;
    dockerHost: pulumi.Input<string | undefined>;
    image: pulumi.Input<string>;
    network: pulumi.Input<string>;
    parent: pulumi.Resource;
}

/**
 * `bootstrap.fromBackup` on Docker: every member mounts the source repository read-only, or gets
 * the source bucket's settings (whichever member initialises the cluster restores from it), with
 * its configuration, and Patroni's custom bootstrap runs the restore. Replicas clone the restored
 * primary as usual.
 */
export function restoreWiring(from: FromBackupSpec, layout: PostgresLayout, owner: string, database: string, at: RestoreContext): RestoreWiring {
    const s3 = from.repository.s3;
    const sourceCheck = new RestoreSourceCheck(`${at.name}-restore-check`, {
        subject: at.subject, dockerHost: at.dockerHost, image: at.image, from, s3: s3 ? resolvedS3(s3) : undefined, network: s3 ? at.network : undefined, dataDir: layout.dataDir,
    }, { parent: at.parent });
    const conf = pulumi.all([from.passphrase as pulumi.Input<string> | undefined, s3Keys(s3)])
        .apply(([cipherPass, keys]) => renderRestoreConf({ stanza: from.stanza, dataDir: layout.dataDir, cipherPass, s3: s3 && keys ? { spec: s3, keys } : undefined }));
    return {
        mounts: s3 ? [] : [{ volumeName: from.repository.volume as pulumi.Input<string>, containerPath: PGBACKREST_PATHS.sourceRepository, readOnly: true }],
        uploads: [
            { file: PGBACKREST_PATHS.sourceConfig, content: pulumi.secret(conf), permissions: "0644" },
            ...s3CaUpload(s3, PGBACKREST_PATHS.sourceS3Ca),
            { file: PGBACKREST_PATHS.restoreScript, content: renderRestoreScript(from.stanza, from.target), permissions: "0755" },
        ],
        bootstrapMethod: { name: "pgbackrest", command: PGBACKREST_PATHS.restoreScript },
        postBootstrap: (verifier) => verifier.apply((v) => renderPostRestore(owner, v, database)),
        sourceCheck,
        watch: (members, restCaPem) => new RestoreBootstrapWatch(`${at.name}-restore-watch`, {
            subject: at.subject, dockerHost: at.dockerHost, containers: members.map((m) => m.container.name), restUrls: members.map((m) => m.restUrl), restCaPem,
        }, { parent: at.parent, dependsOn: members.map((m) => m.container) }),
    };
}
