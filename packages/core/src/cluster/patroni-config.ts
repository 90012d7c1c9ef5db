import { stringify } from "yaml";
import { NodeTags, SynchronousMode } from "./spec";
import { PatroniTimings } from "./timings";

export interface Credentials {
    username: string;
    password: string;
}

/** What every member shares and what the DCS keeps (`bootstrap.dcs`, later `PATCH /config`). */
export interface PatroniDcsSettings {
    timings: PatroniTimings;
    usePgRewind: boolean;
    synchronousMode: SynchronousMode;
    synchronousModeStrict: boolean;
    synchronousNodeCount?: number;
    failsafeMode: boolean;
    checkTimeline: boolean;
    parameters: Record<string, string>;
    pgHba: string[];
    /** Patroni's major in the image (PostgresLayout.patroniMajor): 4 takes keys 3 does not know. */
    patroniMajor: 3 | 4;
    /** Permanent logical slots (PatroniCluster `logicalSlots`, database resolved). */
    logicalSlots?: Array<{ name: string; database: string; plugin: string }>;
}

/** The DCS document in Patroni's own key names: bootstrap.dcs at first start, the PATCH /config body after. */
export function renderDcsConfig(s: PatroniDcsSettings): Record<string, unknown> {
    return {
        ttl: s.timings.ttl,
        loop_wait: s.timings.loopWait,
        retry_timeout: s.timings.retryTimeout,
        maximum_lag_on_failover: s.timings.maximumLagOnFailover,
        synchronous_mode: s.synchronousMode,
        synchronous_mode_strict: s.synchronousModeStrict,
        ...(s.synchronousNodeCount !== undefined ? { synchronous_node_count: s.synchronousNodeCount } : {}),
        failsafe_mode: s.failsafeMode,
        check_timeline: s.checkTimeline,
        // Patroni 4 keeps a departed member's replication slot for 30 minutes by default, pinning WAL
        // on the primary for a member that may never return (a scale-down would wait that long for
        // its slot to go). 0 is Patroni 3's behaviour: the slot goes with the member key; a replica
        // down longer than wal_keep_size covers is cloned again.
        ...(s.patroniMajor >= 4 ? { member_slots_ttl: 0 } : {}),
        // Always present, so removing the last entry reaches the DCS (PATCH /config merges: a
        // missing key would leave the old slots in place).
        slots: Object.fromEntries((s.logicalSlots ?? []).map((l) => [l.name, { type: "logical", database: l.database, plugin: l.plugin }])),
        postgresql: {
            use_pg_rewind: s.usePgRewind,
            use_slots: true,
            parameters: s.parameters,
            pg_hba: s.pgHba,
        },
    };
}

/** initdb's locale at bootstrap (and for a major upgrade's new data directory, which must match the old). */
export const BOOTSTRAP_LOCALE = "C.UTF-8";

/**
 * pg_hba rules: peer on the Unix socket (Patroni's own superuser connection), scram-sha-256 for
 * every TCP connection; the user's extra rules come after pgscale's replication rule but before
 * the catch-all so they can narrow access. With `tlsRequired`, every TCP rule is `hostssl` and a
 * `hostnossl ... reject` comes before the user's rules, so none of them can admit plaintext.
 */
export function renderPgHba(replicationUser: string, extra: string[], tlsRequired = false): string[] {
    const host = tlsRequired ? "hostssl" : "host";
    return [
        "local all all peer",
        ...(tlsRequired ? ["hostnossl all all all reject"] : []),
        `${host} replication ${replicationUser} all scram-sha-256`,
        ...extra,
        `${host} all all all scram-sha-256`,
    ];
}

/** Patroni's DCS section: etcd v3 (Docker, or an EtcdCluster anywhere) or Kubernetes objects. */
export type PatroniStore = { etcd3: PatroniEtcd3 } | { kubernetes: Record<string, unknown> };

/** Patroni's `etcd3` section: the members, and with a locked etcd its CA and the scope's user. */
export interface PatroniEtcd3 {
    hosts: string[];
    /** `https` with the etcd cluster's TLS. */
    protocol?: "https";
    /** The etcd cluster's CA file, as the member sees it. */
    cacert?: string;
    username?: string;
    password?: string;
}

export type PatroniCallbackEvent = "on_start" | "on_stop" | "on_restart" | "on_role_change";

export interface PatroniNodeConfig {
    scope: string;
    /** Member name; also its DNS alias on the cluster network. */
    name: string;
    /** Address other members and HAProxy use to reach this node. */
    host: string;
    store: PatroniStore;
    dcs: Record<string, unknown>;
    superuser: Credentials;
    replication: Credentials;
    rewind: Credentials;
    restApi: Credentials;
    tags: NodeTags;
    dataDir: string;
    binDir: string;
    /** Script run once on the primary after initdb (creates the application role and database). */
    postBootstrap?: string;
    /**
     * A custom bootstrap (Patroni's `bootstrap.method`): `command` creates the data directory (e.g. a
     * pgBackRest restore) and leaves the recovery settings it wrote for Patroni to recover with.
     */
    bootstrapMethod?: { name: string; command: string };
    /** A replica-creation command tried before pg_basebackup (Patroni's `create_replica_methods`). */
    replicaMethod?: { name: string; command: string };
    pgPort?: number;
    apiPort?: number;
    /** Scripts Patroni runs on role-affecting events (`postgresql.callbacks`). */
    callbacks?: Partial<Record<PatroniCallbackEvent, string>>;
    /**
     * Server certificate and key files: turns on `ssl` for this node. With `caFile`, the member's
     * own replication and rewind connections to the others verify them (`sslmode=verify-full`
     * against the CA, on the names `connect_address` uses).
     */
    tls?: { certFile: string; keyFile: string; caFile?: string };
    /**
     * The REST API's certificate, key and CA files: it then serves HTTPS only, and Patroni's own
     * calls to the other members (the leader race's health checks) verify them against `caFile`.
     * Clients are not asked for certificates (`verify_client` unset): unsafe endpoints take Basic
     * credentials, now only inside TLS.
     */
    restApiTls?: { certFile: string; keyFile: string; caFile: string };
}

/** patroni.yml for one member (PLAYBOOK "Patroni Architecture"). */
export function renderPatroniYaml(c: PatroniNodeConfig): string {
    const pgPort = c.pgPort ?? 5432;
    const apiPort = c.apiPort ?? 8008;
    const verified = c.tls?.caFile ? { sslmode: "verify-full", sslrootcert: c.tls.caFile } : {};
    const doc = {
        scope: c.scope,
        // The key prefix in etcd. Patroni copies a top-level `namespace` over its Kubernetes section's,
        // where it names the Kubernetes namespace: there it must stay unset.
        ...("kubernetes" in c.store ? {} : { namespace: "/service/" }),
        name: c.name,
        restapi: {
            listen: `0.0.0.0:${apiPort}`,
            connect_address: `${c.host}:${apiPort}`,
            // Unsafe endpoints (PATCH /config, switchover, restart) need credentials; health checks do not.
            authentication: { username: c.restApi.username, password: c.restApi.password },
            ...(c.restApiTls ? { certfile: c.restApiTls.certFile, keyfile: c.restApiTls.keyFile, cafile: c.restApiTls.caFile } : {}),
        },
        ...c.store,
        bootstrap: {
            dcs: c.dcs,
            // Checksums catch storage corruption and let pg_rewind work without wal_log_hints.
            initdb: [{ encoding: "UTF8" }, { locale: BOOTSTRAP_LOCALE }, "data-checksums"],
            ...(c.postBootstrap ? { post_bootstrap: c.postBootstrap } : {}),
            ...(c.bootstrapMethod ? {
                method: c.bootstrapMethod.name,
                [c.bootstrapMethod.name]: { command: c.bootstrapMethod.command, keep_existing_recovery_conf: true, no_params: true },
            } : {}),
        },
        postgresql: {
            listen: `0.0.0.0:${pgPort}`,
            connect_address: `${c.host}:${pgPort}`,
            data_dir: c.dataDir,
            bin_dir: c.binDir,
            pgpass: "/tmp/pgpass0",
            use_unix_socket: true,
            authentication: {
                superuser: { username: c.superuser.username, password: c.superuser.password },
                replication: { username: c.replication.username, password: c.replication.password, ...verified },
                rewind: { username: c.rewind.username, password: c.rewind.password, ...verified },
            },
            parameters: {
                unix_socket_directories: "/var/run/postgresql",
                // Node-local: each node has its own certificate, so these stay out of the DCS.
                ...(c.tls ? { ssl: "on", ssl_cert_file: c.tls.certFile, ssl_key_file: c.tls.keyFile, ssl_min_protocol_version: "TLSv1.2" } : {}),
            },
            // A spread checkpoint makes pg_basebackup wait up to checkpoint_timeout before a new
            // replica can even start copying; an immediate one costs a short I/O burst instead.
            basebackup: [{ checkpoint: "fast" }],
            ...(c.replicaMethod ? {
                create_replica_methods: [c.replicaMethod.name, "basebackup"],
                [c.replicaMethod.name]: { command: c.replicaMethod.command, keep_data: true, no_params: true },
            } : {}),
            ...(c.callbacks ? { callbacks: c.callbacks } : {}),
        },
        tags: c.tags,
    };
    // Patroni reads YAML 1.1 (PyYAML), where a bare `on` is the boolean true: `hot_standby: on` would
    // reach the DCS as `true`, differ from the stack's "on", and make every new cluster's first
    // `pulumi up` PATCH its config and wait two loops. Rendering as 1.1 quotes such strings.
    return stringify(doc, { lineWidth: 0, version: "1.1" });
}

/**
 * Shell run by Patroni on the new primary after bootstrap: creates the application owner with a
 * SCRAM verifier (no plaintext password reaches the server) and its database, and lets it read
 * monitoring views (pg_monitor).
 * Identifiers were validated as plain lower-case names; the verifier has no quote characters.
 */
export function renderPostBootstrap(owner: string, ownerVerifier: string, database: string): string {
    return [
        "#!/bin/sh",
        "# Run once by Patroni after initdb, with a superuser connection string as $1.",
        "set -eu",
        `psql "$1" -v ON_ERROR_STOP=1 <<'SQL'`,
        `CREATE ROLE ${owner} LOGIN PASSWORD '${ownerVerifier}';`,
        `CREATE DATABASE ${database} OWNER ${owner};`,
        `REVOKE ALL ON DATABASE ${database} FROM PUBLIC;`,
        `GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${owner};`,
        // Read-only statistics (pg_stat_replication lag, pg_stat_activity) for the playbook's
        // monitoring queries and `pgscale doctor`, without superuser.
        `GRANT pg_monitor TO ${owner};`,
        "SQL",
        "",
    ].join("\n");
}
