import { SynchronousMode } from "./spec";
import { HealthCheckTimings } from "./timings";
import { derivedCryptSalt, sha512Crypt } from "./sha-crypt";

export interface HAProxyBackendNode {
    name: string;
    host: string;
    pgPort: number;
    apiPort: number;
}

/**
 * The runtime API and server-state file that carry health states across a configuration reload.
 * HAProxy 2.6 starts every server UP after a reload; without the saved states the primary
 * listener (balance first) would send writes to the first-listed member, leader or not, until its
 * first check fails. The API listens on the container's own loopback only.
 */
export const HAPROXY_RUNTIME = { host: "127.0.0.1", port: 9999, stateFile: "/var/lib/haproxy/server-state" } as const;

/** `show servers state` through the runtime API, for bash inside the container (the image has no socat). */
export const HAPROXY_SHOW_SERVERS_STATE =
    `exec 3<>/dev/tcp/${HAPROXY_RUNTIME.host}/${HAPROXY_RUNTIME.port} && echo "show servers state" >&3 && cat <&3`;

/** The listeners (HAProxy sections) renderHaproxyCfg writes, by what they route. */
export const HAPROXY_LISTENERS = { primary: "primary", replicas: "replicas", syncReplicas: "sync_replicas" } as const;

export interface HAProxyConfig {
    nodes: HAProxyBackendNode[];
    /**
     * `metrics`: HAProxy's built-in Prometheus exporter (listeners, servers and their states) at
     * /metrics on this port, without credentials: the port is on the stack's network only, never
     * published, and tells no more than Patroni's REST API does to the same network.
     */
    ports: { primary: number; replicas: number; syncReplicas?: number; stats: number; metrics?: number };
    /**
     * The cluster's synchronous mode, for the sync listener's check: a standby counted in a quorum
     * (Patroni 4's `synchronous_mode: quorum`) answers `/quorum`, and `/sync` fails on every member.
     */
    synchronousMode?: SynchronousMode;
    check: HealthCheckTimings;
    maxReplicaLagBytes?: number;
    maxConnections: number;
    idleTimeoutSeconds: number;
    /** DNS server for re-resolving members (Docker's embedded DNS by default); containers get new IPs when replaced. */
    nameserver?: string;
    /**
     * The stats page's one user: the page answers only with these credentials (HTTP Basic), checked
     * against a crypt(3) hash (`sha512Crypt`), so the file holds no password. `HAPROXY_STATS.healthPath`
     * answers 200 without them, for probes.
     */
    statsAuth: { user: string; passwordHash: string };
    /**
     * The members' REST API serves HTTPS: checks speak TLS to it (`check-ssl`), verify the member's
     * certificate against this CA file and require it to name the member (`check-sni` and
     * `verifyhost`, the server's name, which is the member's host name). PostgreSQL traffic itself
     * stays a TCP pass-through. Absent: plain HTTP checks (a cluster kept on `restApi.https: false`).
     */
    restApiCaFile?: string;
}

/** The stats listener's user list and the path that answers probes without credentials. */
export const HAPROXY_STATS = { user: "stats", userlist: "pgscale_stats", healthPath: "/healthz" } as const;

/** The stats user's credentials as renderHaproxyCfg takes them, from the frontend's generated password. */
export function haproxyStatsAuth(password: string): HAProxyConfig["statsAuth"] {
    return { user: HAPROXY_STATS.user, passwordHash: sha512Crypt(password, derivedCryptSalt(password, "haproxy-stats")) };
}

/**
 * haproxy.cfg routing by Patroni's REST checks (PLAYBOOK "HAProxy for Load Balancing"):
 * /primary for writes, /replica (optionally lag-bounded) round-robin for reads, /sync (or
 * /quorum) for synchronous standbys. `on-marked-down shutdown-sessions` cuts clients off a demoted
 * primary at once instead of letting them write into a node that is no longer leader.
 */
export function renderHaproxyCfg(c: HAProxyConfig): string {
    // Both land on one line of the file: a space or newline would end the directive early.
    if (!/^[a-z][a-z0-9_-]*$/.test(c.statsAuth.user) || !/^\$6\$[^\s]+$/.test(c.statsAuth.passwordHash)) {
        throw new Error("renderHaproxyCfg: statsAuth needs a user of [a-z0-9_-] and a $6$ crypt hash");
    }
    const ns = c.nameserver ?? "127.0.0.11:53";
    if (c.restApiCaFile !== undefined && !/^\/[^\s]+$/.test(c.restApiCaFile)) throw new Error("renderHaproxyCfg: restApiCaFile must be an absolute path without spaces");
    const checkTls = (n: HAProxyBackendNode) =>
        c.restApiCaFile === undefined ? "" : ` check-ssl check-sni ${n.host} verify required ca-file ${c.restApiCaFile} verifyhost ${n.host}`;
    const servers = (extra = "") =>
        c.nodes.map((n) => `    server ${n.name} ${n.host}:${n.pgPort} check port ${n.apiPort}${checkTls(n)}${extra}`).join("\n");
    const listen = (name: string, port: number, path: string, balance: string) =>
        [
            `listen ${name}`,
            `    bind *:${port}`,
            `    balance ${balance}`,
            `    option httpchk GET ${path}`,
            "    http-check expect status 200",
            servers(),
        ].join("\n");
    const lag = c.maxReplicaLagBytes !== undefined ? `?lag=${c.maxReplicaLagBytes}` : "";
    return [
        "global",
        `    maxconn ${c.maxConnections}`,
        "    log stdout format raw local0 info",
        `    stats socket ipv4@${HAPROXY_RUNTIME.host}:${HAPROXY_RUNTIME.port} level admin`,
        `    server-state-file ${HAPROXY_RUNTIME.stateFile}`,
        // After a reload the old worker keeps its client sessions, without health checks; bound
        // how long a session can outlive the configuration it was routed by.
        "    hard-stop-after 30s",
        "",
        "resolvers cluster",
        `    nameserver dns ${ns}`,
        "    resolve_retries 3",
        "    timeout resolve 1s",
        "    timeout retry 1s",
        "    hold valid 5s",
        "    hold obsolete 5s",
        "",
        "defaults",
        "    mode tcp",
        "    load-server-state-from-file global",
        "    log global",
        "    option tcplog",
        // A client that dials while its primary dies must fail fast and reconnect: HAProxy 3.0 holds
        // a stream whose server connection is being attempted, or waits to be retried, when
        // shutdown-sessions fires at the mark-down, until the client gives up (see
        // test/integration/haproxy-dying-server.test.ts). No retries (with `balance first` they
        // dial the same server anyway) and a 1 s connect timeout (a TCP handshake on the members'
        // network takes well under a millisecond) shrink that window from the whole kill-to-mark-down
        // span to the last second before it; clients still need a connect timeout of their own.
        "    retries 0",
        "    timeout connect 1s",
        `    timeout client ${c.idleTimeoutSeconds}s`,
        `    timeout server ${c.idleTimeoutSeconds}s`,
        "    timeout check 3s",
        `    default-server inter ${c.check.interMs}ms fastinter ${Math.min(c.check.interMs, 1000)}ms fall ${c.check.fall} rise ${c.check.rise} on-marked-down shutdown-sessions resolvers cluster init-addr last,libc,none`,
        "",
        `userlist ${HAPROXY_STATS.userlist}`,
        `    user ${c.statsAuth.user} password ${c.statsAuth.passwordHash}`,
        "",
        "listen stats",
        "    mode http",
        `    bind *:${c.ports.stats}`,
        `    monitor-uri ${HAPROXY_STATS.healthPath}`,
        "    stats enable",
        "    stats uri /",
        "    stats refresh 5s",
        `    stats http-request auth realm pgscale unless { http_auth(${HAPROXY_STATS.userlist}) }`,
        "",
        ...(c.ports.metrics !== undefined ? [
            "frontend metrics",
            "    mode http",
            `    bind *:${c.ports.metrics}`,
            "    http-request use-service prometheus-exporter if { path /metrics }",
            "    http-request return status 404",
            "",
        ] : []),
        listen(HAPROXY_LISTENERS.primary, c.ports.primary, "/primary", "first"),
        "",
        listen(HAPROXY_LISTENERS.replicas, c.ports.replicas, `/replica${lag}`, "roundrobin"),
        "",
        ...(c.ports.syncReplicas !== undefined ? [listen(HAPROXY_LISTENERS.syncReplicas, c.ports.syncReplicas, c.synchronousMode === "quorum" ? "/quorum" : "/sync", "roundrobin"), ""] : []),
    ].join("\n");
}

/** One server as the runtime API's `show servers state` reports it. */
export interface HAProxyServerState {
    backend: string;
    server: string;
    /** srv_op_state: 0 stopped (down), 1 starting, 2 running (up), 3 stopping. */
    opState: number;
    /** srv_admin_state: 0 ready; other values are maintenance or drain flags (no checks run then). */
    adminState: number;
    /**
     * srv_check_result: 0 unknown (no check finished yet, or one in progress: HAProxy resets it when a
     * check starts), 1 neutral, 2 failed, 3 passed, 4 conditionally passed.
     */
    checkResult: number;
    /** srv_check_health: the rise/fall counter; 0 on a server DOWN with no passed check since. */
    checkHealth: number;
}

/** Parses `show servers state` (format version 1: a version line, a `#` header, one line per server). */
export function parseServerState(text: string): HAProxyServerState[] {
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    if (lines.length === 0 || lines[0] !== "1") throw new Error(`unexpected 'show servers state' answer: ${JSON.stringify(text.slice(0, 120))}`);
    return lines.slice(1).map((l) => {
        const f = l.split(/\s+/);
        return { backend: f[1], server: f[3], opState: Number(f[5]), adminState: Number(f[6]), checkResult: Number(f[11]), checkHealth: Number(f[12]) };
    });
}

/**
 * Servers whose state does not follow Patroni's answers yet. HAProxy starts each server UP ("up,
 * but will fall down at first failure") until a check passes, so the primary listener would send
 * writes to the first-listed member, leader or not; a server with failed checks behind it stays
 * DOWN until `rise` checks passed (a member checked while Patroni bootstrapped), and the primary
 * listener then has no server and closes every session. Settled: UP with a passed last check, or
 * DOWN with no passed check since (health 0). Servers in maintenance run no checks and are left out.
 */
export function unsettledServers(states: HAProxyServerState[]): string[] {
    const passed = (s: HAProxyServerState) => s.checkResult === 3 || s.checkResult === 4;
    return states
        .filter((s) => s.adminState === 0)
        .filter((s) => !((s.opState === 2 && passed(s)) || (s.opState === 0 && s.checkHealth === 0)))
        .map((s) => `${s.backend}/${s.server}`);
}

/** True when the listener `backend` has a server UP by a passed check: where writes go once Patroni has a leader. */
export function hasRoutableServer(states: HAProxyServerState[], backend: string): boolean {
    return states.some((s) => s.backend === backend && s.adminState === 0 && s.opState === 2 && (s.checkResult === 3 || s.checkResult === 4));
}

/** Backend/server pairs a rendered haproxy.cfg declares, in order: what a reload must show live. */
export function declaredServers(cfg: string): string[] {
    const out: string[] = [];
    let section = "";
    for (const line of cfg.split("\n")) {
        const m = /^(?:listen|backend)\s+(\S+)/.exec(line);
        if (m) section = m[1];
        else if (/^\S/.test(line)) section = "";
        const s = /^\s+server\s+(\S+)\s/.exec(line);
        if (s && section) out.push(`${section}/${s[1]}`);
    }
    return out;
}
