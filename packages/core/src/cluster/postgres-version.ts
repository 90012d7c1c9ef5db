import { FieldIssue } from "../validation";
import { ImageName } from "./images";

// The PostgreSQL major versions a PatroniCluster runs. Each has its own image, data directory and
// Patroni major. New clusters default to 17; a cluster keeps the major it was created with.

export const POSTGRES_VERSIONS = [15, 17] as const;
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];
export const DEFAULT_POSTGRES_VERSION: PostgresVersion = 17;
/**
 * The major of every cluster created before `postgresVersion` existed (its state records none).
 * Not DEFAULT_POSTGRES_VERSION: that one moved to 17, these clusters stay 15.
 */
export const POSTGRES_VERSION_BEFORE_OPTION: PostgresVersion = 15;

export interface PostgresLayout {
    version: PostgresVersion;
    /** pgscale's image with this major (built on the engine, or REGISTRY/<image>:TAG). */
    image: ImageName;
    /**
     * PGDATA inside the data volume, named after the major: an existing 15 volume keeps its
     * pg15 directory, and a 17 binary never finds (or starts on) a 15 directory by accident.
     */
    dataDir: string;
    binDir: string;
    /** Patroni's major in the image: 4 calls the leader `primary` where 3 said `master`. */
    patroniMajor: 3 | 4;
}

export const DATA_MOUNT = "/var/lib/postgresql/data";

const LAYOUTS: Record<PostgresVersion, PostgresLayout> = {
    15: { version: 15, image: "patroni", dataDir: `${DATA_MOUNT}/pg15`, binDir: "/usr/lib/postgresql/15/bin", patroniMajor: 3 },
    17: { version: 17, image: "patroni-17", dataDir: `${DATA_MOUNT}/pg17`, binDir: "/usr/lib/postgresql/17/bin", patroniMajor: 4 },
};

export function postgresLayout(version: PostgresVersion): PostgresLayout {
    return LAYOUTS[version];
}

/**
 * Settable parameters that exist in one of the supported majors and not the other: the
 * difference of `SELECT name FROM pg_settings` on the two images (PostgreSQL 15.x of bookworm,
 * 17.12 of trixie), read-only ones left out; the release notes of 16 and 17 ("Migration",
 * "Server Configuration") name the removals. PostgreSQL refuses to start on an unknown name in
 * postgresql.conf, so a parameter of the wrong major would take every member down.
 * Patroni 4 owns the same settings as Patroni 3 (PATRONI_OWNED_PARAMETERS; its CMDLINE_OPTIONS
 * are unchanged), so no list of its own here.
 */
export const PARAMETERS_ONLY_IN: Readonly<Record<PostgresVersion, readonly string[]>> = {
    15: [
        "db_user_namespace", // removed in 17
        "force_parallel_mode", // renamed debug_parallel_query in 16
        "old_snapshot_threshold", // removed in 17 ("snapshot too old")
        "promote_trigger_file", // removed in 16 (use pg_ctl promote / pg_promote())
        "trace_recovery_messages", // removed in 17
        "vacuum_defer_cleanup_age", // removed in 16
    ],
    17: [
        "allow_alter_system", "commit_timestamp_buffers", "composite_type_mismatch", "createrole_self_grant",
        "debug_io_direct", "debug_logical_replication_streaming", "debug_parallel_query", "enable_group_by_reordering",
        "enable_presorted_aggregate", "event_triggers", "file_extend_method", "gss_accept_delegation", "icu_validation_level",
        "io_combine_limit", "max_notify_queue_pages", "max_parallel_apply_workers_per_subscription", "multixact_member_buffers",
        "multixact_offset_buffers", "notify_buffers", "output_plugin_libraries", "reserved_connections", "scram_iterations",
        "send_abort_for_crash", "send_abort_for_kill", "serializable_buffers", "subtransaction_buffers", "summarize_wal",
        "sync_replication_slots", "synchronized_standby_slots", "trace_connection_negotiation", "transaction_buffers",
        "transaction_timeout", "vacuum_buffer_usage_limit", "wal_summary_keep_time",
    ],
};

/** A `parameters.<name>` issue for each name the chosen major does not have. */
export function parameterVersionIssues(version: PostgresVersion, names: string[]): FieldIssue[] {
    const issues: FieldIssue[] = [];
    for (const name of names) {
        const other = POSTGRES_VERSIONS.find((v) => v !== version && PARAMETERS_ONLY_IN[v].includes(name));
        if (other !== undefined)
            issues.push({ field: `parameters.${name}`, message: `does not exist in PostgreSQL ${version} (only in ${other}); PostgreSQL would refuse to start with it` });
    }
    return issues;
}
