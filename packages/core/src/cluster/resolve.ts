import { FieldIssue, PgscaleValidationError, issuesFromZod } from "../validation";
import {
    PATRONI_OWNED_PARAMETERS, PatroniClusterSpec, HAProxyFrontendSpec, PgBouncerPoolSpec, EtcdClusterSpec,
    StreamingReplicaSpec, SynchronousMode, etcdClusterSpec, haproxyFrontendSpec, patroniClusterSpec, pgBouncerPoolSpec, streamingReplicaSpec,
} from "./spec";
import {
    DEFAULT_CHECK, HealthCheckTimings, PATRONI_DEFAULTS, PatroniTimings, WorstCase,
    timingIssues, timingsForObjectives, worstCase,
} from "./timings";
import { PostgresLayout, parameterVersionIssues, postgresLayout } from "./postgres-version";
import { z } from "zod";
import { BACKUP_OWNED_PARAMETERS } from "../backup/spec";
import { RESERVED_ROLES, SYSTEM_DATABASES } from "./reserved-names";

function parseOrCollect<S extends z.ZodType>(schema: S, input: unknown, issues: FieldIssue[]): z.output<S> | undefined {
    const res = schema.safeParse(input ?? {});
    if (!res.success) {
        issues.push(...issuesFromZod(res.error));
        return undefined;
    }
    return res.data;
}

export interface ResolvedPatroniCluster {
    spec: PatroniClusterSpec;
    /** Image, data and bin directories of `spec.postgresVersion`. */
    layout: PostgresLayout;
    timings: PatroniTimings;
    /** HAProxy check timings the cluster's objectives call for (HAProxyFrontend may override). */
    check: HealthCheckTimings;
    synchronousMode: SynchronousMode;
    synchronousModeStrict: boolean;
    worstCase: WorstCase;
    /** Full DCS parameter set: pgscale's replication defaults overlaid with the user's. */
    parameters: Record<string, string>;
    /** Permanent logical slots, each with its database (the cluster's when not given). */
    logicalSlots: Array<{ name: string; database: string; plugin: string }>;
    rationale: string[];
    /** What `up` should warn about (a REST API kept on plain HTTP). */
    warnings: string[];
}

/** Replication settings of the playbook's Patroni section; the user's `parameters` override them. */
export function defaultParameters(usePgRewind: boolean): Record<string, string> {
    return {
        wal_level: "replica",
        hot_standby: "on",
        max_wal_senders: "10",
        max_replication_slots: "10",
        wal_keep_size: "1GB",
        password_encryption: "scram-sha-256",
        // A walsender gives up on a standby that stopped answering after wal_sender_timeout, and a
        // primary shutting down waits for its walsenders: a primary cut off the network, demoted by
        // Patroni, otherwise holds its shutdown (and its rejoin as a replica) for PostgreSQL's 60 s
        // default. A standby likewise notices a vanished primary after wal_receiver_timeout.
        // CloudNativePG sets both to 5 s; 10 s leaves room for a loaded host.
        wal_sender_timeout: "10s",
        wal_receiver_timeout: "10s",
        // pg_rewind needs hint bits in WAL when data checksums are off.
        ...(usePgRewind ? { wal_log_hints: "on" } : {}),
    };
}

function pgValue(v: string | number | boolean): string {
    return typeof v === "boolean" ? (v ? "on" : "off") : String(v);
}

/**
 * Validates PatroniCluster arguments and works out the effective timings:
 * explicit `patroni` values win, then `objectives`, then Patroni's defaults.
 * Throws one PgscaleValidationError listing every problem.
 */
export function resolvePatroniCluster(input: unknown, subject: string): ResolvedPatroniCluster {
    const issues: FieldIssue[] = [];
    const spec = parseOrCollect(patroniClusterSpec, input, issues);
    if (!spec) throw new PgscaleValidationError(subject, issues);

    let base: PatroniTimings = { ...PATRONI_DEFAULTS };
    let check = DEFAULT_CHECK;
    let syncMode: SynchronousMode = spec.patroni.synchronousMode;
    let syncStrict = spec.patroni.synchronousModeStrict;
    const rationale: string[] = [];
    if (spec.objectives) {
        const derived = timingsForObjectives(spec.objectives);
        if (Array.isArray(derived)) issues.push(...derived);
        else {
            base = derived.timings;
            check = derived.check;
            syncStrict = syncStrict || derived.synchronousModeStrict;
            rationale.push(...derived.rationale);
            if (!syncMode && derived.synchronousMode) {
                // Quorum where Patroni has it and there is a replica to spare: commits go on while any
                // one standby answers, instead of waiting for the one Patroni named.
                const quorum = postgresLayout(spec.postgresVersion).patroniMajor >= 4 && spec.nodes >= 3;
                syncMode = quorum ? "quorum" : true;
                if (quorum) rationale.push(`rpoBytes=0 with ${spec.nodes} nodes on PostgreSQL ${spec.postgresVersion}: quorum commit (ANY 1 of the ${spec.nodes - 1} replicas), so losing one standby never blocks commits while another streams`);
            }
        }
    }
    const p = spec.patroni;
    const timings: PatroniTimings = {
        ttl: p.ttl ?? base.ttl,
        loopWait: p.loopWait ?? base.loopWait,
        retryTimeout: p.retryTimeout ?? base.retryTimeout,
        maximumLagOnFailover: p.maximumLagOnFailover ?? base.maximumLagOnFailover,
    };
    issues.push(...timingIssues(timings));

    if (syncStrict && !syncMode) issues.push({ field: "patroni.synchronousModeStrict", message: 'requires synchronousMode: true or "quorum"' });
    if (syncMode === "quorum" && postgresLayout(spec.postgresVersion).patroniMajor < 4)
        issues.push({ field: "patroni.synchronousMode", message: `"quorum" needs Patroni 4 (postgresVersion: 17); Patroni 3 of PostgreSQL ${spec.postgresVersion} has no quorum commit` });
    if (syncMode === "quorum" && spec.nodes < 2)
        issues.push({ field: "patroni.synchronousMode", message: '"quorum" needs at least 2 nodes: a quorum counts replicas' });
    if (syncStrict && spec.nodes < 2)
        issues.push({ field: "patroni.synchronousModeStrict", message: "needs at least 2 nodes: with no standby every write would block" });
    if (p.synchronousNodeCount !== undefined && p.synchronousNodeCount > spec.nodes - 1)
        issues.push({ field: "patroni.synchronousNodeCount", message: `must be at most nodes - 1 (${spec.nodes - 1})` });
    if (spec.nodeTags.length > spec.nodes)
        issues.push({ field: "nodeTags", message: `has ${spec.nodeTags.length} entries for ${spec.nodes} nodes` });
    const candidates = Array.from({ length: spec.nodes }, (_, i) => spec.nodeTags[i]?.nofailover !== true).filter(Boolean).length;
    if (candidates === 0) issues.push({ field: "nodeTags", message: "every node is tagged nofailover: no node could ever become primary" });
    for (const name of Object.keys(spec.parameters)) {
        if ((PATRONI_OWNED_PARAMETERS as readonly string[]).includes(name))
            issues.push({ field: `parameters.${name}`, message: "is managed by Patroni and cannot be set here" });
        if (spec.backup && (BACKUP_OWNED_PARAMETERS as readonly string[]).includes(name))
            issues.push({ field: `parameters.${name}`, message: "is set by `backup` (archiving into its repository); remove it, or tune backup.rpoSeconds" });
    }
    if (postgresLayout(spec.postgresVersion).patroniMajor < 4) {
        const none = `needs postgresVersion: 17, whose image has pgBackRest; the PostgreSQL ${spec.postgresVersion} image has none`;
        if (spec.backup) issues.push({ field: "backup", message: none });
        if (spec.bootstrap?.fromBackup) issues.push({ field: "bootstrap.fromBackup", message: none });
    }
    issues.push(...parameterVersionIssues(spec.postgresVersion, Object.keys(spec.parameters)));
    issues.push(...logicalSlotIssues(spec));
    issues.push(...declaredAccessIssues(spec));
    issues.push(...reservedNameIssues(spec.database, spec.owner));
    issues.push(...securityParameterIssues(spec.parameters));
    if (spec.tls.enabled === false && spec.tls.lifetimeDays !== undefined)
        issues.push({ field: "tls.lifetimeDays", message: "sets the certificates' lifetime, but tls.enabled is false (no certificate is issued); remove one of them" });
    if (spec.tls.enabled === false && spec.tls.renewBeforeFraction !== undefined)
        issues.push({ field: "tls.renewBeforeFraction", message: "sets when the certificates renew, but tls.enabled is false (no certificate is issued); remove one of them" });
    spec.pgHba.forEach((line, i) => {
        // One entry is one line: a newline would smuggle in a rule the checks below never saw.
        if (/[\r\n]/.test(line)) issues.push({ field: `pgHba[${i}]`, message: "must be a single line; give each rule its own entry" });
        const words = line.trim().split(/\s+/);
        if (words[0] !== "local" && words.includes("trust"))
            issues.push({ field: `pgHba[${i}]`, message: "trust is only allowed on local (Unix-socket) lines; use scram-sha-256" });
        if (words.includes("md5") || words.includes("password"))
            issues.push({ field: `pgHba[${i}]`, message: "use scram-sha-256; md5 and password send or store weak credentials" });
    });
    if (issues.length) throw new PgscaleValidationError(subject, issues);

    const parameters: Record<string, string> = { ...defaultParameters(p.usePgRewind), ...(spec.logicalSlots.length ? LOGICAL_SLOT_PARAMETERS : {}) };
    for (const [k, v] of Object.entries(spec.parameters)) parameters[k] = pgValue(v);
    if (p.usePgRewind && parameters.wal_log_hints === "off" && parameters.data_checksums !== "on") {
        throw new PgscaleValidationError(subject, [{ field: "parameters.wal_log_hints", message: "must stay on while patroni.usePgRewind is true" }]);
    }
    return {
        spec, layout: postgresLayout(spec.postgresVersion), timings, check, synchronousMode: syncMode, synchronousModeStrict: syncStrict,
        worstCase: worstCase(timings, check, syncStrict), parameters, rationale,
        warnings: [
            ...(spec.restApi.https ? [] : [`${subject}: restApi.https is false: Patroni's REST API credentials (switchover, PATCH /config) cross the network in clear. Keep it for a local lab, or for a cluster created before HTTPS was the default.`]),
            ...(spec.tls.enabled === false ? [`${subject}: tls.enabled is false: clients, PgBouncer and replication reach PostgreSQL without TLS (queries and data cross the network in clear). Keep it for a local lab, or for a cluster created before TLS was required by default.`] : []),
        ],
        logicalSlots: spec.logicalSlots.map((l) => ({ ...l, database: l.database ?? spec.database })),
    };
}

/**
 * Permanent logical slots need logical WAL, and replicas that report their oldest snapshot
 * (hot_standby_feedback): Patroni copies the slots to them, and a copy whose catalog rows were
 * vacuumed away on the primary could not be used after a failover.
 */
const LOGICAL_SLOT_PARAMETERS = { wal_level: "logical", hot_standby_feedback: "on" } as const;

function logicalSlotIssues(spec: PatroniClusterSpec): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const seen = new Set<string>();
    spec.logicalSlots.forEach((slot, i) => {
        if (seen.has(slot.name)) issues.push({ field: `logicalSlots[${i}].name`, message: `"${slot.name}" is declared twice` });
        seen.add(slot.name);
    });
    if (!spec.logicalSlots.length) return issues;
    for (const [k, need] of Object.entries(LOGICAL_SLOT_PARAMETERS)) {
        const v = spec.parameters[k];
        if (v !== undefined && pgValue(v) !== need) issues.push({ field: `parameters.${k}`, message: `must be ${need} (or unset) with logicalSlots` });
    }
    return issues;
}

/**
 * `roles` and `databases` of a cluster: each name once, none the bootstrap's own (`owner`,
 * `database`), a database owned by the owner or a declared role, and no membership cycle among
 * the declared roles (PostgreSQL refuses one, after the roles before it were made).
 */
function declaredAccessIssues(spec: PatroniClusterSpec): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const roles = new Map<string, number>();
    spec.roles.forEach((r, i) => {
        if (r.name === spec.owner) issues.push({ field: `roles[${i}].name`, message: `"${r.name}" is the cluster's owner, which the cluster creates at bootstrap` });
        else if (roles.has(r.name)) issues.push({ field: `roles[${i}].name`, message: `"${r.name}" is declared twice` });
        else roles.set(r.name, i);
    });
    const cycle = membershipCycle(spec.roles);
    if (cycle) issues.push({ field: `roles[${roles.get(cycle[0])}].memberOf`, message: `membership cycle: ${cycle.join(" -> ")}` });
    const databases = new Set<string>();
    spec.databases.forEach((d, i) => {
        if (d.name === spec.database) issues.push({ field: `databases[${i}].name`, message: `"${d.name}" is the cluster's database, which the cluster creates at bootstrap` });
        else if (databases.has(d.name)) issues.push({ field: `databases[${i}].name`, message: `"${d.name}" is declared twice` });
        databases.add(d.name);
        if (d.owner !== undefined && d.owner !== spec.owner && !roles.has(d.owner))
            issues.push({ field: `databases[${i}].owner`, message: `"${d.owner}" is neither the cluster's owner (${spec.owner}) nor one of its roles (${[...roles.keys()].join(", ") || "none declared"})` });
    });
    return issues;
}

/** A membership cycle among the declared roles (a -> b -> a), or undefined. */
function membershipCycle(roles: Array<{ name: string; memberOf: string[] }>): string[] | undefined {
    const edges = new Map(roles.map((r) => [r.name, r.memberOf.filter((m) => roles.some((x) => x.name === m))]));
    const state = new Map<string, "open" | "done">();
    const visit = (n: string, path: string[]): string[] | undefined => {
        if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n];
        if (state.get(n) === "done") return undefined;
        state.set(n, "open");
        for (const m of edges.get(n) ?? []) {
            const c = visit(m, [...path, n]);
            if (c) return c;
        }
        state.set(n, "done");
        return undefined;
    };
    for (const r of roles) {
        const c = visit(r.name, []);
        if (c) return c;
    }
    return undefined;
}

export { RESERVED_ROLES, SYSTEM_DATABASES } from "./reserved-names";

function reservedNameIssues(database: string, owner: string): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if ((SYSTEM_DATABASES as readonly string[]).includes(database))
        issues.push({ field: "database", message: `"${database}" already exists in every cluster; name the application database` });
    if ((RESERVED_ROLES as readonly string[]).includes(owner))
        issues.push({ field: "owner", message: `"${owner}" is a role pgscale or PostgreSQL already uses; the owner must be a role of its own` });
    else if (owner.startsWith("pg_"))
        issues.push({ field: "owner", message: "role names starting with pg_ are reserved by PostgreSQL" });
    return issues;
}

/** Parameters whose value pgscale's security defaults or connection checks depend on. */
function securityParameterIssues(parameters: Record<string, string | number | boolean>): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const enc = parameters.password_encryption;
    if (enc !== undefined && enc !== "scram-sha-256")
        issues.push({ field: "parameters.password_encryption", message: "must stay scram-sha-256: md5 verifiers are replayable and pgscale's pg_hba only accepts SCRAM" });
    const int = (k: string, min: number) => {
        const v = parameters[k];
        if (v === undefined) return undefined;
        const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min) {
            issues.push({ field: `parameters.${k}`, message: `must be an integer of at least ${min}, got ${JSON.stringify(v)}` });
            return undefined;
        }
        return n;
    };
    const reserved = int("superuser_reserved_connections", 0) ?? 3;
    const max = int("max_connections", 1);
    if (max !== undefined && max <= reserved)
        issues.push({ field: "parameters.max_connections", message: `must exceed superuser_reserved_connections (${reserved}), or no application can connect` });
    return issues;
}

export interface ResolvedEtcdCluster {
    spec: EtcdClusterSpec;
    warnings: string[];
}

export function resolveEtcdCluster(input: unknown, subject: string): ResolvedEtcdCluster {
    const issues: FieldIssue[] = [];
    const spec = parseOrCollect(etcdClusterSpec, input, issues);
    if (!spec) throw new PgscaleValidationError(subject, issues);
    if (!spec.tls) {
        for (const field of Object.keys(spec.certificates).filter((k) => spec.certificates[k as keyof typeof spec.certificates] !== undefined))
            issues.push({ field: `tls.${field}`, message: "sets the members' certificates, but tls.enabled is false (no certificate is issued); remove one of them" });
        if (issues.length) throw new PgscaleValidationError(subject, issues);
    }
    const warnings: string[] = [];
    if (spec.members % 2 === 0) {
        warnings.push(
            `${subject}: members=${spec.members} is even; it tolerates no more failures than ${spec.members - 1} members ` +
                `(quorum ${Math.floor(spec.members / 2) + 1}) and costs one more node. Prefer an odd count.`,
        );
    }
    if (spec.members === 1) warnings.push(`${subject}: a single etcd member is a single point of failure; use 3 for HA.`);
    if (!spec.auth) {
        warnings.push(`${subject}: auth is false: anything that reaches etcd's client port can rewrite Patroni's keys (and choose the primary). Keep it for a local lab only.`);
    } else if (!spec.tls) {
        warnings.push(`${subject}: tls is false: etcd passwords and Patroni's keys cross the network in clear.`);
    }
    return { spec, warnings };
}

export function resolveHAProxyFrontend(input: unknown, subject: string, cluster: { check: HealthCheckTimings; synchronousMode: SynchronousMode }): {
    spec: HAProxyFrontendSpec;
    check: HealthCheckTimings;
} {
    const issues: FieldIssue[] = [];
    const spec = parseOrCollect(haproxyFrontendSpec, input, issues);
    if (!spec) throw new PgscaleValidationError(subject, issues);
    const ports: Array<[string, number | undefined]> = [
        ["primaryPort", spec.primaryPort], ["replicaPort", spec.replicaPort],
        ["syncReplicaPort", spec.syncReplicaPort], ["statsPort", spec.statsPort],
    ];
    const seen = new Map<number, string>();
    for (const [field, p] of ports) {
        if (p === undefined) continue;
        if (seen.has(p)) issues.push({ field, message: `port ${p} is already used by ${seen.get(p)}` });
        else seen.set(p, field);
    }
    if (spec.syncReplicaPort !== undefined && !cluster.synchronousMode)
        issues.push({ field: "syncReplicaPort", message: 'needs a cluster with patroni.synchronousMode: true or "quorum"' });
    if (issues.length) throw new PgscaleValidationError(subject, issues);
    return { spec, check: { ...cluster.check, ...stripUndefined(spec.check) } };
}

export function resolvePgBouncerPool(input: unknown, subject: string): PgBouncerPoolSpec {
    const issues: FieldIssue[] = [];
    const spec = parseOrCollect(pgBouncerPoolSpec, input, issues);
    if (!spec) throw new PgscaleValidationError(subject, issues);
    return spec;
}

/**
 * PgBouncer opens up to defaultPoolSize + reservePoolSize server connections per database/user
 * pair; more than PostgreSQL's max_connections (less superuser_reserved_connections) means
 * clients get 53300 from the server instead of queueing in the pooler.
 */
export function poolFitIssues(pool: PgBouncerPoolSpec, maxConnections: number, pairs = 1, reserved = 3, users: PoolUserSizes = []): FieldIssue[] {
    // The owner's pool, and one more per declared user: its own size, or the default.
    const perCopy = pool.defaultPoolSize + pool.reservePoolSize + users.reduce((n, u) => n + (u.poolSize ?? pool.defaultPoolSize) + pool.reservePoolSize, 0);
    const need = perCopy * pairs;
    const room = maxConnections - reserved;
    return need > room
        ? [{ field: "defaultPoolSize", message: `pool needs up to ${need} server connections but the cluster allows ${room} (max_connections ${maxConnections} - ${reserved} reserved)` }]
        : [];
}

/** The pool sizes of a PgBouncerPool's declared `users`, in order (undefined: `defaultPoolSize`). */
export type PoolUserSizes = ReadonlyArray<{ poolSize?: number }>;

/**
 * A PgBouncerPool's `users`: a list whose entries each name a role with a name and a SCRAM
 * verifier (a Role of @pgscale/postgres fits) and, when given, a `poolSize` of 1 to 10000 server
 * connections.
 */
export function poolUserIssues(users: unknown): FieldIssue[] {
    if (!Array.isArray(users)) return [{ field: "users", message: "must be a list of { role, poolSize? }" }];
    return users.flatMap((u: unknown, i): FieldIssue[] => {
        const entry = (u && typeof u === "object" ? u : {}) as { role?: unknown; poolSize?: unknown };
        const role = entry.role;
        const out: FieldIssue[] = [];
        if (!role || typeof role !== "object" || !("name" in role) || !("scramVerifier" in role))
            out.push({ field: `users[${i}].role`, message: "must be a login Role of @pgscale/postgres (or { name, scramVerifier })" });
        const size = entry.poolSize;
        if (size !== undefined && !(typeof size === "number" && Number.isInteger(size) && size >= 1 && size <= 10000))
            out.push({ field: `users[${i}].poolSize`, message: "must be a whole number of server connections from 1 to 10000" });
        return out;
    });
}

/**
 * Every PgBouncer server connection is one HAProxy session; beyond HAProxy's maxconn the pool's
 * logins wait in the kernel's accept queue instead of failing, so a pool must fit the frontend.
 */
export function frontendFitIssues(pool: PgBouncerPoolSpec, frontendMaxConnections: number, pods = 1, users: PoolUserSizes = []): FieldIssue[] {
    const perCopy = pool.defaultPoolSize + pool.reservePoolSize + users.reduce((n, u) => n + (u.poolSize ?? pool.defaultPoolSize) + pool.reservePoolSize, 0);
    const need = perCopy * pods;
    return need > frontendMaxConnections
        ? [{ field: "defaultPoolSize", message: `pool needs up to ${need} server connections but its HAProxyFrontend accepts ${frontendMaxConnections} (maxConnections)` }]
        : [];
}

export interface ResolvedStreamingReplica {
    spec: StreamingReplicaSpec;
    slotName: string;
    replicationUser: string;
}

/** Validates StreamingReplica's options and derives the slot and role names from the construct's name. */
export function resolveStreamingReplica(name: string, input: unknown, subject: string): ResolvedStreamingReplica {
    const issues: FieldIssue[] = [];
    const spec = parseOrCollect(streamingReplicaSpec, input, issues);
    if (!spec) throw new PgscaleValidationError(subject, issues);
    const slotName = spec.slotName ?? name.toLowerCase().replace(/[^a-z0-9_]/g, "_").replace(/^(?=[0-9])/, "s_").slice(0, 63);
    const replicationUser = spec.replicationUser ?? `replicator_${slotName}`.slice(0, 63);
    return { spec, slotName, replicationUser };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
