import { shellQuote } from "../util/shell-quote";
import type { PatroniEtcd3 } from "./patroni-config";

// etcd as a locked DCS: TLS on client and peer URLs, and authentication with a root user and one
// user per Patroni scope whose role reaches only that scope's keys. Pure: the command lines and the
// shell scripts that run inside an etcd member; the platforms upload the files and run the scripts.
//
// Secrets never travel in arguments or the environment of a container: the scripts read passwords
// from standard input, and etcdctl takes the admin's from ETCDCTL_PASSWORD inside the script's own
// process (never `--user root:pw`, which `docker top` / `ps` would show).

/** Where an etcd member finds its certificate, key and the cluster's CA. */
export const ETCD_TLS_DIR = "/etc/pgscale/etcd-tls";
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export interface EtcdSecurity {
    tls: boolean;
    auth: boolean;
}

/** `https://host:port` or `http://host:port`. */
export function etcdUrl(host: string, port: number, tls: boolean): string {
    return `${tls ? "https" : "http"}://${host}:${port}`;
}

export interface EtcdMemberCommand {
    /** The member's name (`--name`). */
    name: string;
    /** The name peers and clients dial (its DNS alias / stable pod name). */
    advertiseHost: string;
    /** Every member's name and peer host, `--initial-cluster`. */
    initialCluster: Array<{ name: string; host: string }>;
    /** `--initial-cluster-token`, unique per cluster. */
    token: string;
    tls: boolean;
    /**
     * Where the member's certificate, key and the CA are. Default: member.crt, member.key and ca.crt
     * under ETCD_TLS_DIR (Docker uploads one set per container; Kubernetes members share one pod
     * template and pick their own files by pod name).
     */
    tlsFiles?: EtcdTlsFiles;
}

export interface EtcdTlsFiles {
    cert: string;
    key: string;
    ca: string;
}

const DEFAULT_TLS_FILES: EtcdTlsFiles = { cert: `${ETCD_TLS_DIR}/member.crt`, key: `${ETCD_TLS_DIR}/member.key`, ca: `${ETCD_TLS_DIR}/ca.crt` };

/** The etcd command line of one member. */
export function etcdMemberCommand(c: EtcdMemberCommand): string[] {
    const f = c.tlsFiles ?? DEFAULT_TLS_FILES;
    const tlsFlags = c.tls ? [
        "--cert-file", f.cert, "--key-file", f.key,
        // Peers present their own member certificate and must be signed by the cluster's CA.
        "--peer-cert-file", f.cert, "--peer-key-file", f.key,
        "--peer-trusted-ca-file", f.ca, "--peer-client-cert-auth",
    ] : [];
    return [
        "etcd", "--name", c.name, "--data-dir", "/var/lib/etcd/data",
        "--listen-client-urls", etcdUrl("0.0.0.0", ETCD_CLIENT_PORT, c.tls), "--advertise-client-urls", etcdUrl(c.advertiseHost, ETCD_CLIENT_PORT, c.tls),
        "--listen-peer-urls", etcdUrl("0.0.0.0", ETCD_PEER_PORT, c.tls), "--initial-advertise-peer-urls", etcdUrl(c.advertiseHost, ETCD_PEER_PORT, c.tls),
        "--initial-cluster", c.initialCluster.map((m) => `${m.name}=${etcdUrl(m.host, ETCD_PEER_PORT, c.tls)}`).join(","),
        "--initial-cluster-state", "new", "--initial-cluster-token", c.token,
        ...tlsFlags,
    ];
}

/**
 * Where the scripts' etcdctl connects: by default the member it runs in (Docker execs into one);
 * Kubernetes runs them in a Job beside the members, which dials their endpoints and verifies them
 * with the CA mounted in the Job.
 */
export interface EtcdctlTarget {
    /** `host:port` client endpoints. */
    endpoints: string[];
    /** The cluster's CA file as the Job sees it (with TLS). */
    caFile: string;
}

/** etcdctl against `target`, by default the member it runs in (scripts and health probes inside the container). */
export function localEtcdctl(tls: boolean, target?: EtcdctlTarget): string {
    const endpoints = (target?.endpoints ?? [`127.0.0.1:${ETCD_CLIENT_PORT}`]).map((e) => `${tls ? "https" : "http"}://${e}`).join(",");
    const ca = target?.caFile ?? DEFAULT_TLS_FILES.ca;
    return tls
        ? `etcdctl --endpoints=${endpoints} --cacert=${ca} --command-timeout=10s`
        : `etcdctl --endpoints=${endpoints} --command-timeout=10s`;
}

/**
 * Docker's health probe of a member: it serves and knows a leader. `endpoint status` needs no
 * credentials (`endpoint health` fails once auth is on: it writes a key as nobody).
 */
export function etcdHealthProbe(tls: boolean): string[] {
    return ["CMD", "sh", "-c", `${localEtcdctl(tls)} endpoint status -w fields | grep -Eq '^"Leader" : [1-9]'`];
}

/** The etcd user (and role) of a Patroni scope. */
export function patroniEtcdUser(scope: string): string {
    return `patroni-${scope}`;
}

/** The keys a Patroni scope owns: Patroni's `namespace` (`/service/`) and the scope. */
export function patroniEtcdPrefix(scope: string): string {
    return `/service/${scope}/`;
}


/**
 * A shell line that runs `cmd` and, when etcd answers "already exists", runs `ifExists` instead of
 * failing: etcd has no create-if-missing, and asking first costs one more authenticated call (a
 * bcrypt check, the slowest step of each etcdctl run once auth is on). Any other error ends the
 * script with it.
 */
const unlessExists = (cmd: string, ifExists = ":") =>
    `if ! out=$(${cmd} 2>&1); then case "$out" in *"already exists"*) ${ifExists} ;; *) echo "$out" >&2; exit 1 ;; esac; fi`;

/** Creates `user` with the password in shell variable `pwVar`, or sets it on an existing one. */
const addUserOrSetPassword = (e: string, user: string, pwVar: string) => {
    const pw = `printf '%s\\n' "$${pwVar}"`;
    return unlessExists(`${pw} | ${e} user add ${user} --interactive=false`, `${pw} | ${e} user passwd ${user} --interactive=false >/dev/null || exit 1`);
};

/**
 * Turns authentication on, once: creates `root` (or resets its password while auth is still off)
 * with the `root` role, then `auth enable`. With auth already on, checks that the password is the
 * one given. Standard input: the root password on one line. Exit 3: auth is on with another password.
 */
export function etcdEnableAuthScript(tls: boolean, target?: EtcdctlTarget): string {
    const e = localEtcdctl(tls, target);
    return [
        "set -u",
        "IFS= read -r pw",
        `if out=$(ETCDCTL_USER=root ETCDCTL_PASSWORD="$pw" ${e} user get root 2>&1); then exit 0; fi`,
        `case "$out" in *"authentication is not enabled"*) ;; *"invalid user ID or password"*) echo "$out" >&2; exit 3 ;; *) echo "$out" >&2; exit 1 ;; esac`,
        // Exists from an earlier, interrupted run: its password becomes this one.
        addUserOrSetPassword(e, "root", "pw"),
        unlessExists(`${e} role add root`),
        // Granting a role the user holds is a no-op in etcd.
        `${e} user grant-role root root >/dev/null || exit 1`,
        `${e} auth enable >/dev/null`,
    ].join("\n");
}

/**
 * Creates (or brings back in line) a Patroni scope's user and role: readwrite on its prefix and
 * nothing else; the password is set on every run. Standard input: the root password, then the
 * user's, one per line.
 *
 * It may run while the cluster's authentication is still being turned on (Docker runs it beside
 * EtcdAuth, so a new cluster's first member does not wait for both in turn): while auth is off,
 * etcd takes the same requests from anyone, without the bcrypt check of root's password that
 * every authenticated etcdctl run costs. Auth turned on halfway fails the unauthenticated attempt,
 * and the steps run again as root (each is idempotent). Patroni logs in only after both.
 */
export function etcdScopeUserScript(tls: boolean, scope: string, target?: EtcdctlTarget): string {
    const e = localEtcdctl(tls, target);
    const user = shellQuote(patroniEtcdUser(scope));
    const prefix = shellQuote(patroniEtcdPrefix(scope));
    return [
        "set -u",
        "IFS= read -r root; IFS= read -r pw",
        // A subshell: a step's `exit 1` ends this attempt, not the script.
        "steps() (",
        unlessExists(`${e} role add ${user}`),
        `${e} role grant-permission ${user} readwrite ${prefix} --prefix >/dev/null || exit 1`,
        addUserOrSetPassword(e, user, "pw"),
        `${e} user grant-role ${user} ${user} >/dev/null || exit 1`,
        ")",
        // Without credentials first: etcd refuses the first step while auth is on (no probe: it
        // would cost a call on the path a new cluster takes).
        "if steps 2>/dev/null; then exit 0; fi",
        'export ETCDCTL_USER=root ETCDCTL_PASSWORD="$root"',
        "steps",
    ].join("\n");
}

/**
 * Succeeds once etcd takes its root user (authentication on, the password right): what a major
 * upgrade checks before it touches anything, since it resets the scope's keys as root and may run
 * in the update that turns authentication on. Standard input: the root password.
 */
export function etcdRootCheckScript(tls: boolean): string {
    return [
        "set -u",
        "IFS= read -r root",
        // While auth is off etcd takes any credentials, so an anonymous read refused is what tells
        // (etcd 3.4 has no `auth status`).
        `if ${localEtcdctl(tls)} get --keys-only --limit 1 / >/dev/null 2>&1; then exit 1; fi`,
        `ETCDCTL_USER=root ETCDCTL_PASSWORD="$root" ${localEtcdctl(tls)} get --keys-only --limit 1 / >/dev/null`,
    ].join("\n");
}

/**
 * After a major upgrade, while every member is stopped: the scope's keys start again from the
 * upgraded data directory. Patroni's leader, member, status and history keys describe the old
 * system (its LSNs and timelines, which the new one does not share), so they go; `initialize`
 * names the new system identifier, so the member holding the upgraded directory takes the lead
 * and the others clone it instead of bootstrapping an empty cluster; `config` is the stack's
 * dynamic configuration. Standard input: the root password (with auth), the system identifier,
 * the configuration as one line of JSON.
 */
export function patroniDcsResetScript(tls: boolean, auth: boolean, scope: string): string {
    const e = localEtcdctl(tls);
    const prefix = shellQuote(patroniEtcdPrefix(scope));
    return [
        "set -u",
        ...(auth ? ["IFS= read -r root", 'export ETCDCTL_USER=root ETCDCTL_PASSWORD="$root"'] : []),
        "IFS= read -r sysid; IFS= read -r config",
        `${e} del --prefix ${prefix} >/dev/null || exit 1`,
        `printf '%s' "$config" | ${e} put ${shellQuote(`${patroniEtcdPrefix(scope)}config`)} >/dev/null || exit 1`,
        `printf '%s' "$sysid" | ${e} put ${shellQuote(`${patroniEtcdPrefix(scope)}initialize`)} >/dev/null || exit 1`,
    ].join("\n");
}

/** Removes a scope's user and role (the keys under its prefix stay). Standard input: the root password. */
export function etcdDropScopeUserScript(tls: boolean, scope: string): string {
    const e = localEtcdctl(tls);
    const user = shellQuote(patroniEtcdUser(scope));
    return [
        "set -u",
        "IFS= read -r root",
        'export ETCDCTL_USER=root ETCDCTL_PASSWORD="$root"',
        `if ${e} user get ${user} >/dev/null 2>&1; then ${e} user delete ${user} >/dev/null || exit 1; fi`,
        `if ${e} role get ${user} >/dev/null 2>&1; then ${e} role delete ${user} >/dev/null || exit 1; fi`,
    ].join("\n");
}

/** Patroni's `etcd3` section for a scope: TLS against the cluster's CA, and the scope's user when auth is on. */
export function patroniEtcdStore(hosts: string[], security: EtcdSecurity, o: { scope: string; caFile: string; password?: string }): { etcd3: PatroniEtcd3 } {
    if (security.auth && o.password === undefined) throw new Error("etcd auth is on: the scope's password is required");
    return {
        etcd3: {
            hosts,
            ...(security.tls ? { protocol: "https" as const, cacert: o.caFile } : {}),
            ...(security.auth ? { username: patroniEtcdUser(o.scope), password: o.password } : {}),
        },
    };
}
