import { z } from "zod";
import { IssueCollector } from "../validation";
import { imageReference, imagesSpec } from "./images";
import { DEFAULT_POSTGRES_VERSION, POSTGRES_VERSIONS } from "./postgres-version";
import { backupSpec, fromBackupSpec } from "../backup/spec";
import { pulumiInput } from "../util/pulumi-input";
import { bindAddress, port } from "../util/net-spec";
import { frontendMonitoringSpec, monitoringSpec } from "../monitoring/spec";
import { roleFields } from "../access/role-spec";
import { databaseFields } from "../access/database";

// Specs of the HA constructs. Shared by @pgscale/docker and @pgscale/kubernetes so a stack
// moves between platforms without changing its arguments. Strict objects: a misspelt option
// is an error, not a silently ignored default.

const seconds = z.number().int().min(0);
const pgIdent = z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a lower-case PostgreSQL identifier (a-z, 0-9, _; at most 63 characters)");
/** Names that end up in container names, DNS aliases and Patroni's scope. */
export const dnsLabel = z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/, "must be lower-case letters, digits and '-', at most 42 characters");

/** Construct names become container names, hostnames and DNS aliases (Docker) or object names (Kubernetes). */
export function checkConstructName(issues: IssueCollector, name: string): void {
    const res = dnsLabel.safeParse(name);
    if (!res.success) issues.add("(name)", `"${name}" ${res.error.issues[0].message}`);
}

/** A construct's certificates: PatroniCluster's `tls`, and EtcdCluster's in its object form (documented there). */
const tlsSettings = z.strictObject({
    enabled: z.boolean().optional(),
    caGeneration: z.number().int("must be a whole number from 0 (raise it by one to rotate the CA on the next up; default 0)")
        .min(0, "must be a whole number from 0 (raise it by one to rotate the CA on the next up; default 0)").optional(),
    lifetimeDays: z.number().int().min(1).max(825).optional(),
    renewBeforeFraction: z.number().gt(0, "must be strictly between 0 and 1 (the share of the lifetime left when a certificate is renewed)")
        .lt(1, "must be strictly between 0 and 1 (the share of the lifetime left when a certificate is renewed)").optional(),
});

export const etcdClusterSpec = z.strictObject({
    /** Voting members. Default 3; odd counts tolerate the same failures as the next even one with fewer votes. */
    members: z.number().int().min(1).max(9).default(3),
    /** Image with etcd 3.4+ (`etcd` on PATH). Default: pgscale's Debian-based image. */
    image: imageReference.optional(),
    /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's own images (Docker: built on the engine from the Dockerfiles shipped in @pgscale/docker; Kubernetes: `DEFAULT_IMAGES`, imported into the nodes). */
    images: imagesSpec.optional(),
    /** Host port for the first member's client URL; default: not published. */
    clientPort: port.optional(),
    /**
     * TLS on client and peer URLs with a CA generated for this cluster (peers authenticate each
     * other with their certificates; clients verify the members'). `true` (the default), `false`, or
     * the settings PatroniCluster's `tls` takes, with the same defaults: `enabled` (default true),
     * `lifetimeDays` (1 to 825, default 90), `renewBeforeFraction` (strictly between 0 and 1,
     * default 1/3: a `pulumi up` renews a member's certificate once less than this share of its
     * lifetime is left; on Docker the CA, valid 3650 days, too, by the same rule) and `caGeneration`
     * (a whole number from 0, default 0; Docker: raise it by one to rotate the CA on the next `up`).
     * Members take renewed files in place (docs/security.md "Rotation").
     */
    tls: z.union([z.boolean(), tlsSettings], { error: "must be true, false or { enabled, lifetimeDays, renewBeforeFraction, caGeneration }" }).default(true),
    /**
     * etcd authentication: a generated `root` user, and one user per PatroniCluster that may read and
     * write only its own scope's keys (`/service/<scope>/`). Default true.
     */
    auth: z.boolean().default(true),
}).transform(({ tls, ...rest }) => {
    // `tls` as the platforms read it (on or off), and the certificates' settings beside it.
    const settings = typeof tls === "boolean" ? { enabled: tls } : tls;
    const { enabled, ...certificates } = settings;
    return { ...rest, tls: enabled ?? true, certificates };
});
export type EtcdClusterSpec = z.output<typeof etcdClusterSpec>;
export type EtcdClusterInput = z.input<typeof etcdClusterSpec>;

export const patroniTimingsSpec = z.strictObject({
    ttl: seconds.optional(),
    loopWait: seconds.optional(),
    retryTimeout: seconds.optional(),
    maximumLagOnFailover: z.number().int().min(0).optional(),
    /** pg_rewind lets a failed primary rejoin as a replica without a full copy. Default true. */
    usePgRewind: z.boolean().default(true),
    /**
     * Commit waits for standbys (bounded data loss 0 while one is up). `true`: Patroni's synchronous
     * mode, commit waits for `synchronousNodeCount` named standbys (`FIRST n`). `"quorum"`
     * (postgresVersion 17, Patroni 4): commit waits for any `synchronousNodeCount` of the replicas
     * (`ANY n`), so one slow or lost standby never stalls commits while another answers, and
     * Patroni promotes only a member that holds every acknowledged commit. Default false; with
     * `objectives.rpoBytes: 0`, `"quorum"` on 17 with 3 or more nodes, else `true`.
     */
    synchronousMode: z.union([z.boolean(), z.literal("quorum")], { error: 'must be true, false or "quorum"' }).default(false),
    /** Refuse writes when no synchronous standby is available (RPO 0 always). Default false. */
    synchronousModeStrict: z.boolean().default(false),
    /** Standbys a commit waits for (`FIRST n` in synchronous mode, `ANY n` in quorum mode). Default 1 (Patroni's). */
    synchronousNodeCount: z.number().int().min(1).optional(),
    /** Keep the primary writable while the DCS is unreachable if all members agree (Patroni 3.0+). Default false. */
    failsafeMode: z.boolean().default(false),
    /** Replicas refuse promotion if their timeline is behind the leader's. Default true. */
    checkTimeline: z.boolean().default(true),
});
export type PatroniTimingsSpec = z.output<typeof patroniTimingsSpec>;
/** Patroni's `synchronous_mode`: off, on (`FIRST n`) or quorum commit (`ANY n`, Patroni 4). */
export type SynchronousMode = PatroniTimingsSpec["synchronousMode"];

export const nodeTagsSpec = z.strictObject({
    nofailover: z.boolean().default(false),
    noloadbalance: z.boolean().default(false),
    clonefrom: z.boolean().default(false),
    nosync: z.boolean().default(false),
});
export type NodeTags = z.output<typeof nodeTagsSpec>;

const paramValue = z.union([z.string(), z.number(), z.boolean()]);

/** Settings Patroni owns itself; setting them through `parameters` breaks replication or routing. */
export const PATRONI_OWNED_PARAMETERS = [
    "listen_addresses", "port", "data_directory", "hba_file", "ident_file", "config_file",
    "primary_conninfo", "primary_slot_name", "restore_command", "recovery_target", "cluster_name",
] as const;

/** A PostgreSQL major pgscale has images for; the message names them. */
const postgresVersion = z.literal(POSTGRES_VERSIONS, { error: `must be one of ${POSTGRES_VERSIONS.join(", ")} (a number): the PostgreSQL majors pgscale has images for` })
    .default(DEFAULT_POSTGRES_VERSION);

export const patroniClusterSpec = z.strictObject({
    /** PostgreSQL members: 1 primary and nodes-1 replicas. Default 3. */
    nodes: z.number().int().min(1).max(9).default(3),
    /** Patroni scope (cluster name in the DCS). Default: the construct's name. */
    scope: dnsLabel.optional(),
    patroni: patroniTimingsSpec.default(() => patroniTimingsSpec.parse({})),
    /** Derive timings from recovery objectives; explicit `patroni` timings still win. */
    objectives: z.strictObject({ rtoSeconds: z.number().positive(), rpoBytes: z.number().int().min(0) }).optional(),
    /** postgresql.conf parameters kept in the DCS (`bootstrap.dcs.postgresql.parameters`). */
    parameters: z.record(z.string().regex(/^[a-z_][a-z0-9_.]*$/, "parameter names are lower-case"), paramValue).default({}),
    /** Extra pg_hba.conf lines, appended after pgscale's scram-sha-256 rules. */
    pgHba: z.array(z.string()).default([]),
    /** Application database created at bootstrap. Default "app". */
    database: pgIdent.default("app"),
    /** Owner role of `database`, with a generated password. Default "app". */
    owner: pgIdent.default("app"),
    /** Per-node Patroni tags, by node index (0-based). */
    nodeTags: z.array(nodeTagsSpec).default([]),
    /**
     * PostgreSQL major: 17 (Patroni 4, trixie image) or 15 (Patroni 3, bookworm image). Default 17.
     * Picks the image, the data directory and the parameters accepted. Raising it on an existing
     * cluster (15 -> 17) upgrades it in place on Docker (pg_upgrade --link, major-upgrade.ts) and is
     * refused at preview on Kubernetes; lowering it is always refused. A cluster created at 15 when
     * 15 was the default needs `postgresVersion` in its program (the refusal says so).
     */
    postgresVersion,
    /** Image with PostgreSQL of `postgresVersion` and Patroni. Default: pgscale's Debian-based image of that version. */
    image: imageReference.optional(),
    /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's own images (Docker: built on the engine from the Dockerfiles shipped in @pgscale/docker; Kubernetes: `DEFAULT_IMAGES`, imported into the nodes). */
    images: imagesSpec.optional(),
    /** Shared memory for the container; PostgreSQL needs more than Docker's 64 MB for large shared_buffers. */
    shmSizeMb: z.number().int().min(64).default(256),
    /**
     * TLS for every TCP connection to PostgreSQL and PgBouncer: a CA generated for the
     * cluster and a certificate per member (and per PgBouncerPool in front), keys as Pulumi secrets.
     * `enabled` (default true): required, not offered: pg_hba admits TCP clients and
     * replication only over TLS (`hostssl`, plaintext refused), members replicate and rewind with
     * `sslmode=verify-full`, PgBouncer requires TLS from clients and verifies the servers' names;
     * the URIs carry `sslmode=require` and `tlsCaPem` verifies (docs/security.md "TLS").
     * Kept as the cluster was created (a change is refused at preview). `false` is for a local lab,
     * or for a cluster created before TLS was the default; it warns at every `up`.
     * `lifetimeDays` (1 to 825, default 90): validity of the members' and pools' certificates.
     * `renewBeforeFraction` (strictly between 0 and 1, default 1/3): a `pulumi up` renews a
     * certificate once less than this share of its lifetime is left (day 60 of 90 by default), and
     * the members reload it in place (docs/security.md "Rotation"; on Kubernetes a renewed pool
     * certificate rolls the pool's pods). On Docker the cluster's CA (valid 3650 days) rotates by
     * the same rule on its own lifetime; on Kubernetes it is kept.
     * `caGeneration` (a whole number from 0, default 0; Docker): raise it by one to rotate the
     * cluster's CA on the next `up`; it never goes down. The previous CA stays in `tlsCaPem` and
     * every trust file until the next rotation.
     */
    tls: tlsSettings.default({}),
    /**
     * Patroni's REST API (port 8008: health checks, `/cluster`, and the credentialed `/switchover`
     * and `PATCH /config`). `https` (default true): it serves HTTPS only, with a certificate per
     * member from a CA generated for the cluster (the same CA as `tls`), and every client verifies
     * it: HAProxy's checks, pgscale's providers, Prometheus, the probes, `@pgscale/testing` and the
     * CLI (`--patroni-ca`). Kept as the cluster was created (a change is refused at preview): the
     * members and their clients cannot all switch scheme at once. `false` is for a local lab, or
     * for a cluster created before HTTPS was the default; it warns at every `up`.
     */
    restApi: z.strictObject({ https: z.boolean().default(true) }).default({ https: true }),
    /**
     * Backups with pgBackRest (postgresVersion 17, Docker): every WAL segment archived from the
     * primary into a repository (an engine volume, or an S3-compatible bucket), full (and optionally differential / incremental) backups on
     * a schedule run by the primary, kept by `retention`, the repository encrypted with a generated
     * passphrase (`backupPassphrase`, a secret). Default: off. See docs/backups.md.
     */
    backup: backupSpec.optional(),
    /**
     * How the cluster's first member creates its data. Default: an empty cluster (initdb).
     * `fromBackup`: restores a pgBackRest repository (another cluster's `backupVolume` or S3
     * bucket, stanza and passphrase) to its latest point or to `target`, through Patroni's custom bootstrap, so the
     * result is an ordinary HA cluster with this cluster's own passwords. Read once, at creation.
     */
    bootstrap: z.strictObject({ fromBackup: fromBackupSpec }).optional(),
    /**
     * Metrics: postgres_exporter beside each member (Docker: its own container; Kubernetes: a sidecar,
     * which rolls the StatefulSet), reading it as `pgscale_monitor` (a role holding only pg_monitor,
     * with a generated password) with pgscale's queries (replication lag, WAL receiver, slots,
     * connections, archiving, partitions); Patroni's own /metrics is served on every member
     * regardless. A `Prometheus` construct in the stack scrapes them, or on Kubernetes a
     * prometheus-operator through `podMonitor` (docs/monitoring.md). Default off.
     */
    monitoring: monitoringSpec,
    /**
     * Logical replication slots Patroni keeps on whichever member is primary (its permanent slots):
     * created on the primary, copied to the replicas and advanced there, so a subscriber reading one
     * (a `Subscription` with `createSlot: false` and its `slotName`) carries on from the new primary
     * after a failover or switchover. Each pins WAL on the primary until its subscriber consumes it:
     * remove the entry once the subscriber is gone. Sets `wal_level = logical` and
     * `hot_standby_feedback = on`. `database` defaults to the cluster's `database`. Default: none.
     */
    /**
     * Roles created on the primary once the cluster is ready (every Role prop; `memberOf` may name
     * another entry), a login role with a generated password (`roles[<role>].password`, secret).
     * Docker: a `Role` of @pgscale/postgres each (`<name>-role-<role>`, a child of the cluster).
     * Kubernetes: the cluster's access Job, which never drops a role (`removalPolicy` must be
     * "retain" there). A PgBouncerPool in front admits the login roles, each with its own pool of
     * `poolSize` server connections when given (else the pool's `defaultPoolSize`). Default none.
     */
    roles: z.array(roleFields.extend({
        /** Server connections of this role's pool in a PgBouncerPool in front. Default: the pool's `defaultPoolSize`. */
        poolSize: z.number().int().min(1).optional(),
    })).default([]),
    /**
     * Databases created once the cluster is ready (every Database prop). `owner` is the cluster's
     * `owner` (the default) or one of `roles`. Docker: a `Database` of @pgscale/postgres each
     * (`<name>-db-<database>`); Kubernetes: the cluster's access Job. Removing an entry keeps the
     * database and its data (on Docker unless its `removalPolicy` is "destroy", which Kubernetes
     * refuses). Default none.
     */
    databases: z.array(databaseFields).default([]),
    logicalSlots: z.array(z.strictObject({
        name: z.string().regex(/^[a-z0-9_]{1,63}$/, "slot names are 1-63 lower-case letters, digits and '_'"),
        database: pgIdent.optional(),
        plugin: z.literal("pgoutput").default("pgoutput"),
    })).default([]),
});
export type PatroniClusterInput = z.input<typeof patroniClusterSpec>;
export type PatroniClusterSpec = z.output<typeof patroniClusterSpec>;

export const healthCheckSpec = z.strictObject({
    interMs: z.number().int().min(100).optional(),
    fall: z.number().int().min(1).optional(),
    rise: z.number().int().min(1).optional(),
});

export const haproxyFrontendSpec = z.strictObject({
    /** Port of the read-write listener: the host port on Docker (default: Docker picks one), the Service port on Kubernetes (default 5000). */
    primaryPort: port.optional(),
    /** Port of the read-only listener (round-robin over healthy replicas); Docker default: picked, Kubernetes default 5001. */
    replicaPort: port.optional(),
    /** Port of the synchronous-standby listener (only with synchronous mode); Docker default: picked, Kubernetes default 5002. */
    syncReplicaPort: port.optional(),
    /** Port of the stats page; Docker default: picked, Kubernetes default 7000. */
    statsPort: port.optional(),
    /** Host address the listeners bind to (Docker only). Default 127.0.0.1: nothing is reachable beyond this machine. */
    bindAddress: bindAddress.default("127.0.0.1"),
    /** Only route reads to replicas at most this many bytes behind (Patroni's `/replica?lag=`). */
    maxReplicaLagBytes: z.number().int().min(0).optional(),
    /** Check timings; default derived from the cluster's objectives, else inter 2000 ms, fall 3, rise 2. */
    check: healthCheckSpec.default({}),
    /** Client and server idle timeout for long-lived PostgreSQL sessions. Default 1800 s. */
    idleTimeoutSeconds: seconds.default(1800),
    /** Frontend connection limit. Default 2000. */
    maxConnections: z.number().int().min(1).default(2000),
    /**
     * HAProxy's metrics exporter runs on every frontend; this only asks for a PodMonitor for it
     * (`podMonitor`, `podMonitorLabels`: Kubernetes only, see `monitoring` on PatroniCluster). Default: none.
     */
    monitoring: frontendMonitoringSpec,
    /** Image with HAProxy 2.6+ and curl, tagged or by digest. Default: see `images`. */
    image: imageReference.optional(),
    /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's own images (Docker: built on the engine from the Dockerfiles shipped in @pgscale/docker; Kubernetes: `DEFAULT_IMAGES`, imported into the nodes). */
    images: imagesSpec.optional(),
});
export type HAProxyFrontendSpec = z.output<typeof haproxyFrontendSpec>;
export type HAProxyFrontendInput = z.input<typeof haproxyFrontendSpec>;

export const POOL_MODES = ["session", "transaction", "statement"] as const;

export const pgBouncerPoolSpec = z
    .strictObject({
        /** transaction (default) suits web apps; session keeps session state; statement forbids multi-statement transactions. */
        poolMode: z.enum(POOL_MODES).default("transaction"),
        /** Server connections per user/database pair. Default 20. */
        defaultPoolSize: z.number().int().min(1).default(20),
        /** Client connections PgBouncer accepts. Default 1000. */
        maxClientConn: z.number().int().min(1).default(1000),
        /** Server connections kept open when idle. Default 0. */
        minPoolSize: z.number().int().min(0).default(0),
        /** Extra server connections allowed after `reservePoolTimeout`. Default 0. */
        reservePoolSize: z.number().int().min(0).default(0),
        reservePoolTimeout: seconds.default(5),
        serverIdleTimeout: seconds.default(600),
        serverLifetime: seconds.default(3600),
        /** Cancel queries running longer than this (0: never). Default 0. */
        queryTimeout: seconds.default(0),
        /** Drop clients waiting longer than this for a server connection. Default 120. */
        queryWaitTimeout: seconds.default(120),
        logConnections: z.boolean().default(true),
        logDisconnections: z.boolean().default(true),
        logPoolerErrors: z.boolean().default(true),
        statsPeriod: z.number().int().min(1).default(60),
        /** Route to the HAProxy read-write (default) or read-only listener. */
        target: z.enum(["primary", "replicas"]).default("primary"),
        /** Port clients use: the host port on Docker (default: Docker picks one), the Service port on Kubernetes (default 6432). */
        port: port.optional(),
        /** Host address the port binds to (Docker only). Default 127.0.0.1: nothing is reachable beyond this machine. */
        bindAddress: bindAddress.default("127.0.0.1"),
        /** Startup parameters clients may send that PgBouncer would otherwise reject (JDBC sends extra_float_digits). */
        ignoreStartupParameters: z
            .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, "must be a parameter name (letters, digits, '_' and '.'): it is written into pgbouncer.ini"))
            .default(["extra_float_digits"]),
        /**
         * Protocol-level named prepared statements PgBouncer tracks per client and prepares again on
         * whichever server connection a transaction lands (`max_prepared_statements`, PgBouncer
         * 1.21+), so drivers and ORMs that prepare (node-postgres `name`, JDBC, asyncpg, Prisma) work
         * in transaction mode. The cache is per server connection; 0 turns the tracking off.
         * Default 200 (PgBouncer's own).
         */
        maxPreparedStatements: z.number().int().min(0).default(200),
        /**
         * Metrics: pgbouncer_exporter beside the pool (clients active and waiting, maxwait, servers per
         * pool), as a user in PgBouncer's stats_users only. Turning it on or off replaces the pool's
         * container (Docker) or rolls its pods (Kubernetes): its configuration gains that user. Default off.
         */
        monitoring: monitoringSpec,
        /** Image with PgBouncer 1.21+ (for `maxPreparedStatements`), tagged or by digest. Default: see `images`. */
        image: imageReference.optional(),
        /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's own images (Docker: built on the engine from the Dockerfiles shipped in @pgscale/docker; Kubernetes: `DEFAULT_IMAGES`, imported into the nodes). */
        images: imagesSpec.optional(),
    })
    .superRefine((v, ctx) => {
        if (v.minPoolSize > v.defaultPoolSize)
            ctx.addIssue({ code: "custom", path: ["minPoolSize"], message: `must not exceed defaultPoolSize (${v.defaultPoolSize})` });
        if (v.defaultPoolSize > v.maxClientConn)
            ctx.addIssue({ code: "custom", path: ["defaultPoolSize"], message: `must not exceed maxClientConn (${v.maxClientConn})` });
    });
export type PgBouncerPoolSpec = z.output<typeof pgBouncerPoolSpec>;
export type PgBouncerPoolInput = z.input<typeof pgBouncerPoolSpec>;

/**
 * StreamingReplica's plain options (Docker). Pulumi inputs are checked when given as plain values.
 * Strict, like the others: a misspelt option is an error.
 */
export const streamingReplicaSpec = z.strictObject({
    primaryHost: pulumiInput(z.string().min(1, "must name the primary (a host on `network`, or an address)")),
    primaryPort: pulumiInput(port).optional(),
    primaryAdminUri: pulumiInput(z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URI")),
    network: pulumiInput(z.string().min(1)).optional(),
    slotName: pgIdent.optional(),
    replicationUser: pgIdent.optional(),
    port: port.optional(),
    readCredentials: z.any().optional(),
    /** The primary's major; the standby runs the same one. Default 17. */
    postgresVersion,
    image: imageReference.optional(),
    /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's own images (Docker: built on the engine from the Dockerfiles shipped in @pgscale/docker; Kubernetes: `DEFAULT_IMAGES`, imported into the nodes). */
    images: imagesSpec.optional(),
});
export type StreamingReplicaSpec = z.output<typeof streamingReplicaSpec>;
