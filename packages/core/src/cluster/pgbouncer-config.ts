import { PgBouncerPoolSpec } from "./spec";

export interface PgBouncerDatabase {
    name: string;
    host: string;
    port: number;
    dbname?: string;
}

export interface PgBouncerConfig {
    pool: PgBouncerPoolSpec;
    databases: PgBouncerDatabase[];
    listenPort: number;
    authFile: string;
    adminUsers: string[];
    statsUsers: string[];
    /**
     * TLS required from clients, and to the servers verified against the CA and the name the pool
     * dials (`databases[].host`, which the members' certificates must carry).
     */
    tls?: { certFile: string; keyFile: string; caFile: string };
    /** Login roles with a pool size of their own (the `[users]` section); others take default_pool_size. */
    users?: PgBouncerUser[];
}

/** A login role the pool admits besides the cluster's owner, with its own pool size when given. */
export interface PgBouncerUser {
    name: string;
    poolSize?: number;
}

/** A name PgBouncer's `[users]` section takes as a key without quoting. */
const PLAIN_USER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const bool = (b: boolean) => (b ? "1" : "0");

/** pgbouncer.ini (PLAYBOOK "PgBouncer Configuration"); scram-sha-256 only. */
export function renderPgbouncerIni(c: PgBouncerConfig): string {
    const p = c.pool;
    const dbs = c.databases.map((d) => `${d.name} = host=${d.host} port=${d.port} dbname=${d.dbname ?? d.name}`);
    return [
        "[databases]",
        ...dbs,
        "",
        "[pgbouncer]",
        "listen_addr = 0.0.0.0",
        `listen_port = ${c.listenPort}`,
        "unix_socket_dir = /var/run/pgbouncer",
        "auth_type = scram-sha-256",
        `auth_file = ${c.authFile}`,
        `admin_users = ${c.adminUsers.join(",")}`,
        ...(c.tls ? [
            "client_tls_sslmode = require",
            `client_tls_cert_file = ${c.tls.certFile}`,
            `client_tls_key_file = ${c.tls.keyFile}`,
            `client_tls_ca_file = ${c.tls.caFile}`,
            "server_tls_sslmode = verify-full",
            `server_tls_ca_file = ${c.tls.caFile}`,
        ] : []),
        `stats_users = ${c.statsUsers.join(",")}`,
        "",
        `pool_mode = ${p.poolMode}`,
        `default_pool_size = ${p.defaultPoolSize}`,
        `max_client_conn = ${p.maxClientConn}`,
        `min_pool_size = ${p.minPoolSize}`,
        `reserve_pool_size = ${p.reservePoolSize}`,
        `reserve_pool_timeout = ${p.reservePoolTimeout}`,
        "",
        `server_idle_timeout = ${p.serverIdleTimeout}`,
        `server_lifetime = ${p.serverLifetime}`,
        `query_timeout = ${p.queryTimeout}`,
        `query_wait_timeout = ${p.queryWaitTimeout}`,
        // After a failover HAProxy points at a new primary; reconnect quickly instead of the 15 s default.
        "server_login_retry = 1",
        `ignore_startup_parameters = ${p.ignoreStartupParameters.join(",")}`,
        `max_prepared_statements = ${p.maxPreparedStatements}`,
        "",
        `log_connections = ${bool(p.logConnections)}`,
        `log_disconnections = ${bool(p.logDisconnections)}`,
        `log_pooler_errors = ${bool(p.logPoolerErrors)}`,
        `stats_period = ${p.statsPeriod}`,
        "",
        ...usersSection(c.users ?? []),
    ].join("\n");
}

/** `[users]`: the pool size of each user that has its own; nothing when none has. */
function usersSection(users: PgBouncerUser[]): string[] {
    const sized = users.filter((u) => u.poolSize !== undefined);
    if (!sized.length) return [];
    for (const u of sized) {
        // PgBouncer reads a [users] key up to '=' and unquoted: a name outside this set could not be given a size.
        if (!PLAIN_USER.test(u.name)) throw new Error(`users: the role ${JSON.stringify(u.name)} has a poolSize, but PgBouncer's [users] section takes only names of letters, digits and _ (not starting with a digit)`);
    }
    return ["[users]", ...sized.map((u) => `${u.name} = pool_size=${u.poolSize}`), ""];
}

/**
 * A login role a PgBouncerPool admits besides the cluster's owner (`users`): a Role of
 * @pgscale/postgres fits `role` as it is. `T` is the platform's input type.
 */
export interface PgBouncerPoolUser<T = string> {
    /** The role: its name and the SCRAM verifier the server holds (PgBouncer passes SCRAM through only with the server's own). */
    role: { name: T; scramVerifier: T };
    /** Server connections of this user's pool. Default: the pool's `defaultPoolSize`. */
    poolSize?: number;
}

/**
 * userlist.txt of a pool: its fixed users (the cluster's owner, pgscale's admin and stats users)
 * and the declared `users`, each of which must log in (have a verifier) and appear once.
 */
export function poolUserlist(fixed: Array<{ name: string; secret: string }>, users: Array<{ name: string; secret: string }>): string {
    users.forEach((u, i) => {
        if (!u.secret) throw new Error(`users[${i}].role: ${u.name} has no password verifier: a group role (login: false) cannot log in through the pool`);
        if (fixed.some((f) => f.name === u.name) || users.findIndex((x) => x.name === u.name) !== i)
            throw new Error(`users[${i}].role: ${u.name} is already admitted (the cluster's owner, pgscale's own users, or an earlier entry)`);
    });
    return renderUserlist([...fixed, ...users]);
}

/** userlist.txt lines; secrets are SCRAM verifiers so PgBouncer never holds a plaintext password. */
export function renderUserlist(users: Array<{ name: string; secret: string }>): string {
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    return users.map((u) => `${q(u.name)} ${q(u.secret)}`).join("\n") + "\n";
}
