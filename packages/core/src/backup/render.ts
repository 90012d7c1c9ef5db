import { METRICS_PORTS } from "../monitoring/discovery";
import { shellQuote } from "../util/shell-quote";
import { RESTORE_FAILED_MARK } from "./restore-check";
import { BackupSpec, RestoreTarget, S3RepositorySpec, durationSeconds, s3EndpointParts } from "./spec";

/** Where the platforms mount the repository and put pgBackRest's configuration and scratch space. */
export const PGBACKREST_PATHS = {
    repository: "/var/lib/pgbackrest",
    config: "/etc/pgbackrest/pgbackrest.conf",
    spool: "/var/spool/pgbackrest",
    log: "/var/log/pgbackrest",
    /** A restored cluster's source repository, mounted read-only: a restore never writes to it. */
    sourceRepository: "/var/lib/pgbackrest-source",
    sourceConfig: "/etc/pgscale/restore.conf",
    /** The S3 endpoint's CA (`s3.caPem`) of the cluster's own repository, and of a restore's source. */
    s3Ca: "/etc/pgbackrest/s3-ca.crt",
    sourceS3Ca: "/etc/pgscale/restore-s3-ca.crt",
    restoreScript: "/etc/pgscale/restore.sh",
    replicaScript: "/etc/pgscale/replica-from-backup.sh",
    /** The scheduler's configuration (schedulerConfig), read by the scheduler and by `pgscale backup`. */
    schedulerConfig: "/etc/pgscale/backup.json",
    /**
     * The client certificate a member's pgBackRest presents to another member's pgBackRest server
     * (a backup from a standby reaches the primary through it). Its key is uploaded beside it and
     * copied, readable by postgres alone, to clientKey when the member starts.
     */
    clientCert: "/etc/pgbackrest/client.crt",
    clientKeyUpload: "/etc/pgbackrest/client.key",
    clientKey: "/var/run/postgresql/pgbackrest-client.key",
    /**
     * Kubernetes: the client certificate's copy, made with the key's, so the pair pgBackRest reads
     * stays one pair when a CA rotation rewrites the Secret's files (Docker replaces the member instead).
     */
    clientCertCopy: "/var/run/postgresql/pgbackrest-client.crt",
    /** The scheduled drill's script (renderDrillScript, scratch). */
    drillScript: "/etc/pgscale/restore-drill.sh",
} as const;

/** Port of the pgBackRest server in every member (the stack network only, mutual TLS). */
export const PGBACKREST_SERVER_PORT = 8432;
/** Common name of the client certificate every member's pgBackRest presents; the servers accept it alone. */
export const PGBACKREST_CLIENT_CN = "pgbackrest";

/** An S3 repository's keys, known only at deployment (Pulumi secrets until they are rendered). */
export interface S3Keys {
    accessKeyId: string;
    secretAccessKey: string;
}

/** An S3 repository as the renderers write it: the spec (its `caPem` is uploaded as a file beside the configuration) and its keys. */
export interface S3Location {
    spec: S3RepositorySpec;
    keys: S3Keys;
}

export interface PgBackRestConfig {
    /** The stanza: the Patroni scope, so one repository can hold several clusters. */
    stanza: string;
    dataDir: string;
    socketDir: string;
    pgPort: number;
    backup: BackupSpec;
    /** The repository passphrase, with `backup.encrypt`. */
    cipherPass?: string;
    /** The keys of `backup.repository.s3`. */
    s3Keys?: S3Keys;
    /** The member's pgBackRest server: its certificate and key (the member's own) and the cluster's CA, which also signs the client certificate. */
    tls: MemberTls;
}

export interface MemberTls {
    certFile: string;
    keyFile: string;
    caFile: string;
}

/**
 * The repository lines every configuration shares: a posix path, or an S3 bucket with its keys
 * (the keys and the passphrase are lines of the file, never options on a command line).
 */
function repositoryLines(repo: { path: string } | { s3: S3Location; caFile: string }, cipherPass: string | undefined, caller: string): string[] {
    const oneLine = (what: string, v: string) => {
        if (/[\r\n]/.test(v)) throw new Error(`${caller}: ${what} must be a single line`);
        return v;
    };
    if (cipherPass !== undefined) oneLine("cipherPass", cipherPass);
    const cipher = cipherPass ? ["repo1-cipher-type=aes-256-cbc", `repo1-cipher-pass=${cipherPass}`] : [];
    if ("path" in repo) return [`repo1-path=${repo.path}`, ...cipher];
    const { spec, keys } = repo.s3;
    const { host, port } = s3EndpointParts(spec.endpoint);
    return [
        "repo1-type=s3",
        `repo1-path=${spec.path}`,
        `repo1-s3-endpoint=${host}`,
        ...(port !== undefined ? [`repo1-storage-port=${port}`] : []),
        `repo1-s3-bucket=${spec.bucket}`,
        `repo1-s3-region=${spec.region}`,
        `repo1-s3-uri-style=${spec.uriStyle}`,
        `repo1-s3-key=${oneLine("s3 accessKeyId", keys.accessKeyId)}`,
        `repo1-s3-key-secret=${oneLine("s3 secretAccessKey", keys.secretAccessKey)}`,
        ...(spec.caPem !== undefined ? [`repo1-storage-ca-file=${repo.caFile}`] : []),
        `repo1-storage-verify-tls=${spec.verifyTls ? "y" : "n"}`,
        ...cipher,
    ];
}

/** The repository of a `backup`, with the S3 keys when it is in a bucket. */
function ownRepository(backup: BackupSpec, s3Keys: S3Keys | undefined, caller: string) {
    const s3 = backup.repository.s3;
    if (!s3) return { path: PGBACKREST_PATHS.repository };
    if (!s3Keys) throw new Error(`${caller}: backup.repository.s3 needs its keys (s3Keys)`);
    return { s3: { spec: s3, keys: s3Keys }, caFile: PGBACKREST_PATHS.s3Ca };
}

/**
 * pgbackrest.conf of every member. WAL is pushed asynchronously through a local spool, so a slow
 * repository delays archiving without blocking commits; backups start with an immediate checkpoint.
 */
export function renderPgBackRestConf(c: PgBackRestConfig): string {
    if (c.backup.encrypt && !c.cipherPass) throw new Error("renderPgBackRestConf: backup.encrypt needs cipherPass");
    const lines = [
        "[global]",
        ...repositoryLines(ownRepository(c.backup, c.s3Keys, "renderPgBackRestConf"), c.backup.encrypt ? c.cipherPass : undefined, "renderPgBackRestConf"),
        `repo1-retention-full=${c.backup.retention.full}`,
        ...(c.backup.retention.diff ? [`repo1-retention-diff=${c.backup.retention.diff}`] : []),
        "archive-async=y",
        `spool-path=${PGBACKREST_PATHS.spool}`,
        `log-path=${PGBACKREST_PATHS.log}`,
        "log-level-console=warn",
        "log-level-file=info",
        "start-fast=y",
        // zstd at level 1 rather than pgBackRest's default 3: a backup on a small machine is bound
        // by CPU (checksums, compression, encryption), and level 1 takes less of it for a
        // repository a little larger (bench/benchmarks/backup.ts measures the two side by side).
        "compress-type=zst",
        "compress-level=1",
        // Small files go into bundles: a database's thousand-odd catalog and small-relation files
        // become a few repository files, each written and synced once (an object store gets fewer
        // requests); bench/benchmarks/backup.ts measures a backup with and without.
        "repo1-bundle=y",
        `process-max=${c.backup.processes}`,
        // Every member serves pgBackRest's protocol to the others' pgBackRest (a backup from a
        // standby reads the primary's unreplicated files and starts and stops the backup there),
        // over TLS on the stack network, to the cluster's client certificate for this stanza only.
        "tls-server-address=*",
        `tls-server-port=${PGBACKREST_SERVER_PORT}`,
        `tls-server-cert-file=${c.tls.certFile}`,
        `tls-server-key-file=${c.tls.keyFile}`,
        `tls-server-ca-file=${c.tls.caFile}`,
        `tls-server-auth=${PGBACKREST_CLIENT_CN}=${c.stanza}`,
        "",
        // A backup's log names each file and the host it was read from.
        "[global:backup]",
        "log-level-file=detail",
        "",
        `[${c.stanza}]`,
        `pg1-path=${c.dataDir}`,
        `pg1-socket-path=${c.socketDir}`,
        `pg1-port=${c.pgPort}`,
        "",
    ];
    return lines.join("\n");
}

/** PostgreSQL settings that archive every WAL segment into the stanza (DCS parameters, same on every member). */
export function archiveParameters(stanza: string, backup: BackupSpec): Record<string, string> {
    return {
        archive_mode: "on",
        archive_command: `pgbackrest --stanza=${stanza} archive-push %p`,
        archive_timeout: `${backup.rpoSeconds}s`,
    };
}

/** What the in-stack scheduler reads (scripts/backup-scheduler.py): plain data, no secrets. */
export interface SchedulerConfig {
    stanza: string;
    /** Seconds between backups of each kind; a kind that is off is absent. */
    intervals: Partial<Record<"full" | "diff" | "incr", number>>;
    /** The member's own Patroni REST API, asked whether this member is the primary. */
    patroniUrl: string;
    /** With an `https` patroniUrl: the CA file its certificate is verified against. */
    patroniCaFile?: string;
    /** Seconds between the scheduler's looks at the schedule. */
    checkSeconds: number;
    /** Where the scheduler writes the outcome of its last run, for tools and drills to read. */
    statusFile: string;
    /** Port its Prometheus metrics are served on (the stack network only): METRICS_PORTS.backup. None: no metrics. */
    metricsPort?: number;
    /**
     * pgBackRest's options for a backup on a streaming replica, but the primary's host, which the
     * scheduler adds (`--pg2-host=<primary>`) from Patroni's view of the cluster when it runs.
     * Absent in members whose image predates backups from a standby.
     */
    standbyOptions?: string[];
    /** The certificate the member's pgBackRest server presents: the scheduler starts the server again when the file changes (a renewal). */
    serverCertFile?: string;
    /** The scheduled drill: its interval, script, and the check query (base64, the script's $1). */
    drill?: { everySeconds: number; script: string; checkBase64: string; objectives: { restoreSeconds?: number; rpoSeconds?: number } };
}

/**
 * The options with which pgBackRest on a standby (pg1, local) reaches the primary (pg2) through its
 * pgBackRest server: mutual TLS with the cluster's CA, the member layout every member shares. The
 * scheduler adds the primary's host, and `--backup-standby=y` to a backup.
 */
export function standbyBackupOptions(dataDir: string, pgPort: number, caFile: string, clientCertFile: string = PGBACKREST_PATHS.clientCert): string[] {
    return [
        "--pg2-host-type=tls",
        `--pg2-host-port=${PGBACKREST_SERVER_PORT}`,
        `--pg2-host-ca-file=${caFile}`,
        `--pg2-host-cert-file=${clientCertFile}`,
        `--pg2-host-key-file=${PGBACKREST_PATHS.clientKey}`,
        `--pg2-path=${dataDir}`,
        `--pg2-port=${pgPort}`,
        "--pg2-socket-path=/var/run/postgresql",
    ];
}

/**
 * `restApiCaFile`: the member serves its REST API over HTTPS, with a certificate of that CA naming
 * 127.0.0.1. `standby`: the member layout and the CA of the pgBackRest servers, for backups from a standby.
 */
export function schedulerConfig(stanza: string, backup: BackupSpec, apiPort: number, restApiCaFile?: string, standby?: { dataDir: string; pgPort: number; caFile: string; certFile: string; clientCertFile?: string }): SchedulerConfig {
    const intervals: SchedulerConfig["intervals"] = {};
    for (const kind of ["full", "diff", "incr"] as const) {
        const every = backup.schedule[kind];
        if (every !== undefined) intervals[kind] = durationSeconds(every)!;
    }
    const drill = backup.drill;
    return {
        stanza, intervals, patroniUrl: `${restApiCaFile ? "https" : "http"}://127.0.0.1:${apiPort}`, ...(restApiCaFile ? { patroniCaFile: restApiCaFile } : {}), checkSeconds: backup.checkSeconds, statusFile: "/tmp/pgscale-backup-status.json", metricsPort: METRICS_PORTS.backup,
        ...(standby ? { standbyOptions: standbyBackupOptions(standby.dataDir, standby.pgPort, standby.caFile, standby.clientCertFile), serverCertFile: standby.certFile } : {}),
        ...(drill ? { drill: { everySeconds: durationSeconds(drill.schedule)!, script: PGBACKREST_PATHS.drillScript, checkBase64: Buffer.from(drill.check).toString("base64"), objectives: drill.objectives } } : {}),
    };
}

/**
 * The source repository's pgbackrest.conf, for the restore and the archive-get it sets up: the
 * volume mounted read-only at sourceRepository, or `s3` (its CA, if any, at PGBACKREST_PATHS.sourceS3Ca).
 */
export function renderRestoreConf(c: { stanza: string; dataDir: string; cipherPass?: string; s3?: S3Location }): string {
    const repo = c.s3 ? { s3: c.s3, caFile: PGBACKREST_PATHS.sourceS3Ca } : { path: PGBACKREST_PATHS.sourceRepository };
    return [
        "[global]",
        ...repositoryLines(repo, c.cipherPass, "renderRestoreConf"),
        `log-path=${PGBACKREST_PATHS.log}`,
        "log-level-console=info",
        "log-level-file=off",
        // Its own lock and spool: a cluster that also backs up has its own in the default paths.
        "lock-path=/tmp/pgbackrest-restore/lock",
        "spool-path=/tmp/pgbackrest-restore/spool",
        "",
        `[${c.stanza}]`,
        `pg1-path=${c.dataDir}`,
        "",
    ].join("\n");
}

/**
 * A target time as pgBackRest reads it: "YYYY-MM-DD HH:MM:SS[.fraction]" and a numeric zone. It
 * refuses ISO 8601's `T` and `Z`, and would read a time without a zone as the member's local time;
 * the spec requires a zone, and PostgreSQL reads this form too.
 */
export function pgBackRestTime(iso: string): string {
    return iso.replace("T", " ").replace(/Z$/, "+00");
}

/** pgBackRest's options for a target; recovery promotes at the target so the cluster comes up writable. */
export function restoreTargetOptions(target: RestoreTarget): string[] {
    if (target === "latest") return [];
    const [type, value] = "time" in target ? ["time", pgBackRestTime(target.time)] : "lsn" in target ? ["lsn", target.lsn] : ["name", target.name];
    return [`--type=${type}`, `--target=${value}`, "--target-action=promote"];
}

/**
 * The command Patroni runs as its custom bootstrap on the member that initialises the cluster:
 * restores the stanza into the (empty) data directory. pgBackRest writes the recovery settings
 * (restore_command from the source, the target), which Patroni keeps until recovery promotes.
 */
export function renderRestoreScript(stanza: string, target: RestoreTarget): string {
    return [
        "#!/bin/sh",
        "# Patroni's custom bootstrap (bootstrap.method: pgbackrest): restore, then Patroni recovers and promotes.",
        "set -eu",
        "mkdir -p /tmp/pgbackrest-restore/lock /tmp/pgbackrest-restore/spool",
        // pgBackRest's output goes to the member's log, with a mark after a failure: what `up` reads
        // to fail at once with pgBackRest's message (restoreFailure).
        `pgbackrest --config=${PGBACKREST_PATHS.sourceConfig} --stanza=${stanza} ${restoreTargetOptions(target).map(shellQuote).join(" ")} restore 2>&1 && exit 0`.replace(/  +/g, " "),
        "rc=$?",
        `echo "${RESTORE_FAILED_MARK} (pgBackRest exit $rc)"`,
        "exit $rc",
        "",
    ].join("\n");
}

/**
 * Run by Patroni after the restore, in place of the initdb path's post-bootstrap: the restored
 * roles keep the source's passwords, so the owner gets this cluster's (a SCRAM verifier; Patroni
 * sets its own users' itself), the database is created if the backup has none of that name, and
 * the recovery settings pgBackRest put in postgresql.auto.conf are removed, so replicas cloned from
 * this primary do not fetch WAL from the source.
 */
export function renderPostRestore(owner: string, ownerVerifier: string, database: string): string {
    return [
        "#!/bin/sh",
        "# Run once by Patroni after the custom bootstrap, with a superuser connection string as $1.",
        "set -eu",
        `psql "$1" -v ON_ERROR_STOP=1 <<'SQL'`,
        `SELECT format('CREATE ROLE %I LOGIN', '${owner}') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${owner}')`,
        "\\gexec",
        `ALTER ROLE ${owner} LOGIN PASSWORD '${ownerVerifier}';`,
        `SELECT format('CREATE DATABASE %I OWNER %I', '${database}', '${owner}') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${database}')`,
        "\\gexec",
        "ALTER SYSTEM RESET ALL;",
        "SQL",
        "",
    ].join("\n");
}

/**
 * Patroni's first way to create a replica of a cluster with `backup` (create_replica_methods:
 * pgbackrest, then basebackup): restore the newest backup from the repository and let the replica
 * stream the rest, so a new or rebuilt replica reads the repository instead of the primary's disk.
 * Until the first backup exists it fails at once and Patroni falls back to pg_basebackup.
 */
export function renderReplicaFromBackupScript(stanza: string, dataDir: string): string {
    return [
        "#!/bin/sh",
        "# Patroni's create_replica_methods: pgbackrest (falls back to basebackup when this fails).",
        "set -eu",
        `mkdir -p -m 0700 ${dataDir}`,
        `exec pgbackrest --stanza=${stanza} --delta --type=standby restore`,
        "",
    ].join("\n");
}
