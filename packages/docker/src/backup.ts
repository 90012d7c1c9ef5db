import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import {
    BACKUP_METRICS_LABEL, BackupSpec, FromBackupSpec, METRICS_PORTS, PGBACKREST_PATHS, PostgresLayout, renderPgBackRestConf, renderPostRestore, renderReplicaFromBackupScript,
    renderRestoreConf, renderRestoreScript, schedulerConfig,
} from "@pgscale/core";
import { GeneratedSecret } from "@pgscale/postgres";
import { pgscaleLabels } from "./naming";

/** Where the members find the scheduler's configuration (the image ships the scheduler itself). */
const SCHEDULER_CONFIG = PGBACKREST_PATHS.schedulerConfig;
const SCHEDULER = "/usr/local/bin/pgscale-backup-scheduler";

export interface BackupWiring {
    /** The repository volume, mounted in every member. */
    volume: docker.Volume;
    /** The repository's passphrase (secret); undefined without `encrypt`. */
    passphrase?: pulumi.Output<string>;
    mounts: docker.types.input.ContainerVolume[];
    uploads: docker.types.input.ContainerUpload[];
    /** A step of the member's start command, before Patroni: the scheduler, in the background. */
    startScheduler: string;
    /** Patroni's replica method that restores from the repository before trying pg_basebackup. */
    replicaMethod: { name: string; command: string };
    /** Member labels: the scheduler's metrics port, for Prometheus's `backup` job. */
    labels: docker.types.input.ContainerLabel[];
}

/**
 * pgBackRest for a PatroniCluster on Docker: one repository volume shared by every member (the
 * stanza is the scope), the same pgbackrest.conf on each, archiving from whichever member is
 * primary, and the image's scheduler beside Patroni, acting only on the primary. The volume is
 * retained when the cluster is removed: a repository outlives the cluster it can bring back.
 */
export function backupWiring(
    name: string, prefix: string, stanza: string, backup: BackupSpec, layout: PostgresLayout, ports: { pg: number; api: number },
    parent: pulumi.Resource, dependsOn: pulumi.Resource[],
): BackupWiring {
    const volume = new docker.Volume(`${name}-backup`, {
        name: backup.repository.volume ?? `${prefix}-backup`,
        labels: pgscaleLabels(name, "backup-repository"),
    }, { parent, dependsOn, retainOnDelete: true });
    const passphrase = backup.encrypt
        ? new GeneratedSecret(`${name}-backup-passphrase`, { length: 64 }, { parent }).value
        : undefined;
    const conf = pulumi.output(passphrase).apply((cipherPass) => renderPgBackRestConf({
        stanza, dataDir: layout.dataDir, socketDir: "/var/run/postgresql", pgPort: ports.pg, backup, cipherPass,
    }));
    return {
        volume,
        passphrase,
        mounts: [{ volumeName: volume.name, containerPath: PGBACKREST_PATHS.repository }],
        uploads: [
            { file: PGBACKREST_PATHS.config, content: pulumi.secret(conf), permissions: "0644" },
            { file: SCHEDULER_CONFIG, content: JSON.stringify(schedulerConfig(stanza, backup, ports.api), null, 2), permissions: "0644" },
            { file: PGBACKREST_PATHS.replicaScript, content: renderReplicaFromBackupScript(stanza, layout.dataDir), permissions: "0755" },
        ],
        replicaMethod: { name: "pgbackrest", command: PGBACKREST_PATHS.replicaScript },
        startScheduler: `{ python3 ${SCHEDULER} ${SCHEDULER_CONFIG} & }`,
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
}

/**
 * `bootstrap.fromBackup` on Docker: every member mounts the source repository read-only (whichever
 * member initialises the cluster restores from it) with its configuration, and Patroni's custom
 * bootstrap runs the restore. Replicas clone the restored primary as usual.
 */
export function restoreWiring(from: FromBackupSpec, layout: PostgresLayout, owner: string, database: string): RestoreWiring {
    const conf = pulumi.output(from.passphrase as pulumi.Input<string> | undefined)
        .apply((cipherPass) => renderRestoreConf({ stanza: from.stanza, dataDir: layout.dataDir, cipherPass }));
    return {
        mounts: [{ volumeName: from.repository.volume as pulumi.Input<string>, containerPath: PGBACKREST_PATHS.sourceRepository, readOnly: true }],
        uploads: [
            { file: PGBACKREST_PATHS.sourceConfig, content: pulumi.secret(conf), permissions: "0644" },
            { file: PGBACKREST_PATHS.restoreScript, content: renderRestoreScript(from.stanza, from.target), permissions: "0755" },
        ],
        bootstrapMethod: { name: "pgbackrest", command: PGBACKREST_PATHS.restoreScript },
        postBootstrap: (verifier) => verifier.apply((v) => renderPostRestore(owner, v, database)),
    };
}
