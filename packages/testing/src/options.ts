import * as crypto from "crypto";
import {
    FieldIssue, PatroniClusterInput, PgscaleValidationError, PostgresVersion, SynchronousMode, poolFitIssues, resolveEtcdCluster, resolvePatroniCluster, resolvePgBouncerPool,
} from "@pgscale/core";
import { FAST_PARAMETERS, fastProfileRefusal } from "./fast-profile";
import { ProgressLogger, progressLogger } from "./progress";
import { stateRoot } from "./state-dir";
import { DEFAULT_REUSE_TTL, reuseTtlIssues } from "./reuse-policy";

export type Profile = "durable" | "fast";

export interface ImageOverrides {
    etcd?: string;
    patroni?: string;
    haproxy?: string;
    pgbouncer?: string;
}

/** Options of both startCluster and startPostgres. */
export interface StartOptions {
    /** Prefix of the stack name, for readable `docker ps` (lower-case, up to 16 characters). Default "t". */
    name?: string;
    /**
     * "durable" (default): PostgreSQL as configured in production. "fast": data on tmpfs, fsync,
     * synchronous_commit and full_page_writes off; refused outside test runs (see allowUnsafeDurability).
     */
    profile?: Profile;
    /** Allows profile "fast" where no test runner is detected (never under NODE_ENV=production). */
    allowUnsafeDurability?: boolean;
    /** postgresql.conf parameters (kept in Patroni's DCS); override the profile's. */
    parameters?: Record<string, string | number | boolean>;
    images?: ImageOverrides;
    /** PostgreSQL major: 17 (Patroni 4) or 15 (Patroni 3), as PatroniCluster's `postgresVersion`. Default: PatroniCluster's (17). */
    postgresVersion?: PostgresVersion;
    /** Application database and its owner role. Default "app" and "app". */
    database?: string;
    owner?: string;
    /** Root of the per-cluster state directories. Default: PGSCALE_TESTING_STATE, else <os tmpdir>/pgscale-testing-<uid>. */
    stateDir?: string;
    /** Passphrase of the cluster's Pulumi secrets. Default: a random one, held in memory only. */
    passphrase?: string;
    /** No progress lines. */
    silent?: boolean;
    /** Where progress lines go. Default: stderr, prefixed "pgscale-testing: ". */
    progress?: ProgressLogger;
    /** Reap leftovers of crashed runs (dead owners only) and expired reuse clusters before starting. Default true. */
    prune?: boolean;
    /**
     * Keep the cluster for later runs, and take one an earlier run kept if its spec matches and it
     * is healthy; the database handed out is reset to its state right after creation. stop()
     * detaches instead of destroying. Default false. See docs/testing.md, "Reusing clusters".
     */
    reuse?: boolean;
    /** With reuse: seconds a kept cluster may stay idle before prune removes it. Default 3600. */
    reuseTtl?: number;
}

export interface ClusterOptions extends StartOptions {
    /** PostgreSQL members (1 primary, nodes-1 replicas). Default 3. */
    nodes?: number;
    /** PgBouncer in front of HAProxy's read-write listener (poolerUri). Default false. */
    pooler?: boolean;
    /**
     * Patroni synchronous mode (adds syncReplicaUri): true, or "quorum" (postgresVersion 17) for
     * quorum commit. Default false; not with profile "fast".
     */
    synchronousMode?: SynchronousMode;
    /** etcd members of the DCS. Default 1: a test cluster needs no DCS redundancy unless the test is about it. */
    etcdMembers?: number;
}

export type PostgresOptions = StartOptions;

/** Everything a start needs, validated. */
export interface StartPlan {
    kind: "cluster" | "postgres";
    subject: string;
    namePrefix: string;
    profile: Profile;
    etcdMembers: number;
    pooler: boolean;
    synchronousMode: SynchronousMode;
    postgresVersion: PostgresVersion;
    patroni: PatroniClusterInput;
    images: ImageOverrides;
    stateRoot: string;
    passphrase: string;
    log: ProgressLogger;
    prune: boolean;
    reuse: boolean;
    /** Seconds; meaningful with reuse. */
    reuseTtl: number;
}

/**
 * Timings for tests: Patroni's smallest valid ttl bounds the outage after a SIGKILL (about 20-25 s);
 * a 1 s loop creates replicas' slots and notices changes sooner (one DCS round trip per second and
 * member is nothing for a test cluster); HAProxy checks every second, so routing follows within ~2 s.
 */
export const TEST_TIMINGS = { ttl: 20, loopWait: 1, retryTimeout: 5 } as const;

/**
 * A new replica's WAL receiver may start before the leader created its replication slot; it then
 * retries after wal_retrieve_retry_interval, 5 s by default: most of the wait for "replicas streaming".
 */
export const TEST_PARAMETERS: Record<string, string> = { max_connections: "100", wal_retrieve_retry_interval: "500ms" };
export const TEST_HAPROXY_CHECK = { interMs: 1000, fall: 2, rise: 1 } as const;

const NAME = /^[a-z][a-z0-9-]{0,15}$/;
const PROFILES: Profile[] = ["durable", "fast"];

/**
 * Validates before anything is created: the option names of this package, then the constructs'
 * own resolvers from @pgscale/core (the same checks `pulumi up` would run, minutes earlier).
 */
export function planStart(kind: StartPlan["kind"], opts: ClusterOptions, env: NodeJS.ProcessEnv = process.env): StartPlan {
    const subject = kind === "cluster" ? "startCluster" : "startPostgres";
    const issues: FieldIssue[] = [];
    const known = new Set<string>([
        "name", "profile", "allowUnsafeDurability", "parameters", "images", "postgresVersion", "database", "owner", "stateDir", "passphrase",
        "silent", "progress", "prune", "reuse", "reuseTtl", ...(kind === "cluster" ? ["nodes", "pooler", "synchronousMode", "etcdMembers"] : []),
    ]);
    for (const k of Object.keys(opts)) if (!known.has(k)) issues.push({ field: k, message: `is not an option of ${subject}` });
    const namePrefix = opts.name ?? "t";
    if (!NAME.test(namePrefix)) issues.push({ field: "name", message: "must be lower-case letters, digits and '-', starting with a letter, at most 16 characters" });
    const profile = opts.profile ?? "durable";
    if (!PROFILES.includes(profile)) issues.push({ field: "profile", message: `must be one of ${PROFILES.join(", ")}` });
    const fast = profile === "fast";
    if (fast) {
        const refusal = fastProfileRefusal(env, opts.allowUnsafeDurability === true);
        if (refusal) issues.push({ field: "profile", message: refusal });
        if (opts.synchronousMode)
            issues.push({ field: "synchronousMode", message: "cannot be combined with profile \"fast\" (synchronous_commit is off there)" });
    }
    for (const [k, v] of Object.entries(opts.images ?? {})) {
        if (!["etcd", "patroni", "haproxy", "pgbouncer"].includes(k)) issues.push({ field: `images.${k}`, message: "is not an image pgscale uses" });
        else if (typeof v !== "string" || v.length === 0) issues.push({ field: `images.${k}`, message: "must be an image reference" });
    }
    if (opts.passphrase !== undefined && opts.passphrase.length < 8) issues.push({ field: "passphrase", message: "must have at least 8 characters" });
    for (const k of ["reuse", "prune", "silent", "allowUnsafeDurability"] as const) {
        const v = (opts as Record<string, unknown>)[k];
        if (v !== undefined && typeof v !== "boolean") issues.push({ field: k, message: `must be true or false, not ${JSON.stringify(v)}` });
    }
    issues.push(...reuseTtlIssues(opts.reuseTtl, opts.reuse));
    if (issues.length) throw new PgscaleValidationError(subject, issues);

    const images = opts.images ?? {};
    const patroni: PatroniClusterInput = {
        nodes: kind === "cluster" ? (opts.nodes ?? 3) : 1,
        patroni: { ...TEST_TIMINGS, synchronousMode: opts.synchronousMode ?? false, usePgRewind: !fast },
        parameters: { ...TEST_PARAMETERS, ...(fast ? FAST_PARAMETERS : {}), ...(opts.parameters ?? {}) },
        database: opts.database ?? "app",
        owner: opts.owner ?? "app",
        ...(opts.postgresVersion !== undefined ? { postgresVersion: opts.postgresVersion } : {}),
        ...(images.patroni ? { image: images.patroni } : {}),
    };
    const etcdMembers = kind === "cluster" ? (opts.etcdMembers ?? 1) : 1;
    const pooler = kind === "cluster" && (opts.pooler ?? false);
    const resolved = resolvePatroniCluster(patroni, subject);
    try {
        resolveEtcdCluster({ members: etcdMembers }, subject);
    } catch (e) {
        // The construct calls it `members`; here it is `etcdMembers`.
        if (e instanceof PgscaleValidationError) throw new PgscaleValidationError(subject, e.issues.map((i) => ({ ...i, field: i.field.replace(/^members/, "etcdMembers") })));
        throw e;
    }
    if (pooler) {
        const fit = poolFitIssues(resolvePgBouncerPool({}, subject), Number(resolved.parameters.max_connections));
        if (fit.length) throw new PgscaleValidationError(subject, fit.map((i) => ({ ...i, field: "parameters.max_connections" })));
    }
    return {
        kind, subject, namePrefix, profile, etcdMembers, pooler,
        synchronousMode: resolved.synchronousMode,
        postgresVersion: resolved.spec.postgresVersion,
        patroni, images,
        stateRoot: stateRoot(opts.stateDir),
        passphrase: opts.passphrase ?? crypto.randomBytes(24).toString("base64url"),
        log: progressLogger(opts),
        prune: opts.prune ?? true,
        reuse: opts.reuse ?? false,
        reuseTtl: opts.reuseTtl ?? DEFAULT_REUSE_TTL,
    };
}

/** A stack name no other cluster on this machine will have. */
export function uniqueStackName(prefix: string): string {
    return `${prefix}-${Date.now().toString(36)}${crypto.randomBytes(3).toString("hex")}`;
}
