import { z } from "zod";
import { pulumiInput } from "../util/pulumi-input";

// PatroniCluster's `backup` option: pgBackRest with a repository the stack owns, WAL archived from
// the primary, and backups on a schedule run inside the stack. The spec is pure data; the
// platforms mount the repository and run the scheduler (see render.ts and schedule.ts).

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const DURATION = /^([1-9][0-9]*)(s|m|h|d)$/;

/** Seconds of a duration such as "90s", "30m", "6h", "7d"; undefined when it does not parse. */
export function durationSeconds(text: string): number | undefined {
    const m = DURATION.exec(text);
    return m ? Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] : undefined;
}

/** A backup interval: at least a minute, since each run takes a checkpoint and copies files. */
const interval = z.string().refine((v) => (durationSeconds(v) ?? 0) >= 60, {
    error: 'must be a duration of at least 1 minute: a number and a unit s, m, h or d, e.g. "30m", "24h", "7d"',
});

/** A key pgBackRest reads from one line of pgbackrest.conf: no blanks, no line breaks. */
const confToken = z.string().regex(/^\S+$/, "must be one word without blanks or line breaks (it is one line of pgbackrest.conf)");
/** Host, or host:port; pgBackRest reaches S3 over HTTPS only, so there is no scheme to give. */
const S3_ENDPOINT = /^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:([0-9]{1,5}))?$/;

/** Host and port of an S3 endpoint ("minio.internal:9000"); port undefined: HTTPS's 443. */
export function s3EndpointParts(endpoint: string): { host: string; port?: number } {
    const at = endpoint.lastIndexOf(":");
    return at < 0 ? { host: endpoint } : { host: endpoint.slice(0, at), port: Number(endpoint.slice(at + 1)) };
}

/**
 * An S3-compatible object store holding the pgBackRest repository (`repo1-type=s3`). The bucket
 * must exist (pgBackRest does not create it); the repository is the objects under `path`, and
 * pgscale never deletes them (removing the cluster leaves the bucket as it is).
 */
export const s3RepositorySpec = z.strictObject({
    /**
     * The S3 endpoint: a host name or IPv4 address, with `:port` when it is not 443, and no
     * scheme: pgBackRest always speaks HTTPS. E.g. "s3.eu-west-1.amazonaws.com", "minio.internal:9000".
     */
    endpoint: z.string().regex(S3_ENDPOINT, 'must be a host name, with :port when not 443, and no scheme (pgBackRest always uses HTTPS), e.g. "s3.eu-west-1.amazonaws.com" or "minio.internal:9000"')
        .refine((e) => { const { port } = s3EndpointParts(e); return port === undefined || (port >= 1 && port <= 65535); }, "has a port outside 1-65535"),
    /** The bucket (created beforehand: pgBackRest does not create it). */
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'"),
    /** The bucket's region, which signs every request, e.g. "eu-west-1"; servers of one region (MinIO, SeaweedFS) accept "us-east-1". */
    region: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a region name such as "us-east-1"'),
    /** The access key ID (a string or an Output). */
    accessKeyId: pulumiInput(confToken),
    /** The secret access key: pass a Pulumi secret (e.g. `config.requireSecret(...)`); it goes only into pgbackrest.conf. */
    secretAccessKey: pulumiInput(confToken),
    /**
     * "host": the bucket in the host name (bucket.endpoint, as AWS wants); "path": in the path
     * (endpoint/bucket, what most self-hosted servers want). Default: "host" for an
     * `*.amazonaws.com` endpoint, "path" for any other.
     */
    uriStyle: z.enum(["path", "host"]).optional(),
    /** PEM of the CA (or certificate) that signed the endpoint's certificate, when the system's trust store does not know it (a private CA). Default: the image's trust store. */
    caPem: pulumiInput(z.string().includes("-----BEGIN CERTIFICATE-----", { error: "must be a PEM certificate" })).optional(),
    /** Verify the endpoint's certificate and name. Default true; false trusts any server that answers at the endpoint. */
    verifyTls: z.boolean().default(true),
    /** The repository's prefix in the bucket. Default "/pgbackrest"; several clusters share one (a stanza each). */
    path: z.string().regex(/^\/[A-Za-z0-9._\/-]*$/, 'must be an absolute path of letters, digits, ".", "_", "-" and "/", e.g. "/pgbackrest"')
        .refine((p) => !p.split("/").includes(".."), "may not contain ..").default("/pgbackrest"),
}).superRefine((s, ctx) => {
    if (s.caPem !== undefined && !s.verifyTls) ctx.addIssue({ code: "custom", path: ["caPem"], message: "is not used with verifyTls: false (nothing is verified); remove one of them" });
}).transform((s) => ({ ...s, uriStyle: s.uriStyle ?? (/\.amazonaws\.com$/.test(s3EndpointParts(s.endpoint).host) ? "host" as const : "path" as const) }));
export type S3RepositoryInput = z.input<typeof s3RepositorySpec>;
export type S3RepositorySpec = z.output<typeof s3RepositorySpec>;

/** Either kind of repository, never both: an engine volume (posix) or an S3 bucket. */
function oneRepositoryKind(r: { volume?: unknown; s3?: unknown }, ctx: z.RefinementCtx) {
    if (r.volume !== undefined && r.s3 !== undefined) ctx.addIssue({ code: "custom", path: [], message: "takes `volume` or `s3`, not both" });
}

/**
 * What a restore drill checks on the restored server, and the budgets it holds the restore to:
 * shared by RestoreDrill (on `pulumi up`) and `backup.drill` (on a schedule in the stack).
 */
export const drillCheckFields = {
    /** Database the check query runs in. Default "postgres". */
    database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier").default("postgres"),
    /** One query whose first column of the first row is the drill's `checkResult`; it must succeed. Default "SELECT 1". */
    check: z.string().min(1, "must be a query").default("SELECT 1"),
    /**
     * Budgets the drill enforces: a restore slower than `restoreSeconds`, or a newest restorable
     * commit older than `rpoSeconds`, is a missed objective, reported with the figures. Default: none.
     */
    objectives: z.strictObject({
        restoreSeconds: z.number().positive().optional(),
        rpoSeconds: z.number().positive().optional(),
    }).default({}),
};

export const backupSpec = z.strictObject({
    /**
     * Where backups and archived WAL go: one of
     * - `volume`: the name of the engine volume (Docker) holding the pgBackRest repository.
     *   Default (without `s3`): `<container prefix>-backup`, created with the cluster and kept
     *   when the cluster is removed, so a removed cluster can still be restored;
     * - `s3`: an S3-compatible bucket (see s3RepositorySpec), off the engine's machine.
     */
    repository: z.strictObject({
        volume: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, "must be a volume name (letters, digits, '_', '.', '-')").optional(),
        s3: s3RepositorySpec.optional(),
    }).superRefine(oneRepositoryKind).default({}),
    /**
     * How often each kind of backup runs, as a duration ("30m", "6h", "7d"). `full` default "24h";
     * `diff` (changes since the last full) and `incr` (since the last backup of any kind) default
     * off. A kind runs when its interval has passed since the last backup of that kind or a larger
     * one; the first full runs as soon as the stanza exists.
     */
    schedule: z.strictObject({
        full: interval.default("24h"),
        diff: interval.optional(),
        incr: interval.optional(),
    }).default({ full: "24h" }),
    /**
     * Backups kept: `full` newest full backups (default 2), and with them every WAL segment a
     * restore of any of them needs; `diff` differential backups (default: all of those that depend
     * on a kept full). pgBackRest expires the rest after each backup, never the last full.
     */
    retention: z.strictObject({
        full: z.number().int().min(1, "must be at least 1: the last full backup is what a restore starts from").default(2),
        diff: z.number().int().min(1).optional(),
    }).default({ full: 2 }),
    /**
     * The archive objective: committed writes at most this many seconds old are not yet in the
     * repository when the primary is lost with its disk. Becomes `archive_timeout`, which switches
     * to a new WAL segment (16 MB on disk, compressed in the repository) at least this often while
     * there are writes. Default 60.
     */
    rpoSeconds: z.number().int().min(1).max(86400).default(60),
    /**
     * pgBackRest processes (`process-max`) for a backup, a restore and the asynchronous WAL push:
     * files are read, compressed, encrypted and written in parallel. Default 2: a backup runs on a
     * streaming replica when there is one, and compression, not the disk, is what bounds one
     * process. Each process is a CPU while it runs.
     */
    processes: z.number().int().min(1, "must be at least 1").max(32, "must be at most 32").default(2),
    /**
     * Seconds between the scheduler's looks, in every member: at each one it reads the repository
     * (`pgbackrest info`, what its metrics report) and the acting member starts a backup or drill
     * that is due. A due backup starts, and a repository that cannot be read is reported (the
     * failing metric, the PgscaleBackupFailing alert), within this time. Each look is a
     * `pgbackrest info` per member. Default 15.
     */
    checkSeconds: z.number().int().min(1, "must be at least 1").max(3600, "must be at most 3600").default(15),
    /** Encrypt the repository (aes-256-cbc) with a generated passphrase kept as a Pulumi secret. Default true. */
    encrypt: z.boolean().default(true),
    /**
     * Restore drills on a schedule, run inside the stack by the backup scheduler: every `schedule`
     * (a duration, at least 1 minute) the member that takes the backups restores the newest backup
     * and the archive into a scratch directory of its own, starts it, runs `check` and records the
     * figures and the objectives missed, which `pgscale backup status` and `pgscale doctor` report.
     * `database` default "postgres", `check` default "SELECT 1", `objectives` default none.
     * Default: no scheduled drill (RestoreDrill drills on `pulumi up`).
     */
    drill: z.strictObject({ schedule: interval, ...drillCheckFields }).optional(),
    /**
     * What removing the cluster does to a volume repository: "retain" (default) keeps the engine
     * volume (Docker) or the claim (Kubernetes), so a removed cluster can still be restored;
     * "destroy" deletes it with the cluster, every backup and archived segment in it. pgscale never
     * deletes from an S3 bucket, so "destroy" with `repository.s3` is refused.
     */
    removalPolicy: z.enum(["retain", "destroy"]).default("retain"),
}).superRefine((b, ctx) => {
    if (b.removalPolicy === "destroy" && b.repository.s3 !== undefined) {
        ctx.addIssue({ code: "custom", path: ["removalPolicy"], message: 'must be "retain" with `repository.s3`: pgscale never deletes a bucket\'s contents (retention expires old backups; `pgbackrest stanza-delete` removes a stanza)' });
    }
});
export type BackupInput = z.input<typeof backupSpec>;
export type BackupSpec = z.output<typeof backupSpec>;

/** Settings pgscale sets for archiving; a cluster with `backup` refuses them in `parameters`. */
export const BACKUP_OWNED_PARAMETERS = ["archive_mode", "archive_command", "archive_timeout", "archive_library"] as const;

/** ISO 8601 with a time zone, as pgBackRest and PostgreSQL read `recovery_target_time`. */
const TARGET_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}(:?\d{2})?)$/;

/** Where a restore stops. "latest": the end of the archive (every archived commit). */
export const restoreTargetSpec = z.union([
    z.literal("latest"),
    z.strictObject({
        time: z.string().regex(TARGET_TIME, "must be an ISO 8601 time with a zone, e.g. 2026-12-03T21:05:00Z")
            // A malformed time gets the format message alone.
            .refine((t) => Number.isNaN(Date.parse(t)) || Date.parse(t) <= Date.now(), "is in the future: a restore can only reach a point that was archived"),
    }),
    z.strictObject({ lsn: z.string().regex(/^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/, "must be an LSN such as 0/3000060") }),
    z.strictObject({ name: z.string().min(1).max(63).regex(/^[^'\\]+$/, "must be a restore point name (pg_create_restore_point), without quotes") }),
], { error: 'must be "latest", { time }, { lsn } or { name }' });
export type RestoreTarget = z.output<typeof restoreTargetSpec>;

export const fromBackupSpec = z.strictObject({
    /**
     * The repository: `volume`, an engine volume holding it (Docker), e.g. the source cluster's
     * `backupVolume`; or `s3`, the source's S3 bucket (the same fields as `backup.repository.s3`).
     */
    repository: z.strictObject({
        volume: pulumiInput(z.string().min(1, "must name the repository's volume")).optional(),
        s3: s3RepositorySpec.optional(),
    }).superRefine((r, ctx) => {
        oneRepositoryKind(r, ctx);
        if (r.volume === undefined && r.s3 === undefined) ctx.addIssue({ code: "custom", path: [], message: "needs `volume` or `s3`: where the source repository is" });
    }),
    /** The stanza to restore: the source cluster's `scope`. */
    stanza: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/, "must be the source cluster's scope"),
    /** The repository's passphrase (a secret, e.g. the source cluster's `backupPassphrase`); omit for an unencrypted one. */
    passphrase: pulumiInput(z.string().min(1)).optional(),
    /** Where recovery stops. Default "latest". */
    target: restoreTargetSpec.default("latest"),
});
export type FromBackupInput = z.input<typeof fromBackupSpec>;
export type FromBackupSpec = z.output<typeof fromBackupSpec>;
