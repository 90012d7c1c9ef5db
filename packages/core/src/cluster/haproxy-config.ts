import { HealthCheckTimings } from "./timings";

export interface HAProxyBackendNode {
    name: string;
    host: string;
    pgPort: number;
    apiPort: number;
}

export interface HAProxyConfig {
    nodes: HAProxyBackendNode[];
    ports: { primary: number; replicas: number; syncReplicas?: number; stats: number };
    check: HealthCheckTimings;
    maxReplicaLagBytes?: number;
    maxConnections: number;
    idleTimeoutSeconds: number;
    /** DNS server for re-resolving members (Docker's embedded DNS by default); containers get new IPs when replaced. */
    nameserver?: string;
}

/**
 * haproxy.cfg routing by Patroni's REST checks (PLAYBOOK "HAProxy for Load Balancing"):
 * /primary for writes, /replica (optionally lag-bounded) round-robin for reads, /sync for
 * synchronous standbys. `on-marked-down shutdown-sessions` cuts clients off a demoted
 * primary at once instead of letting them write into a node that is no longer leader.
 */
export function renderHaproxyCfg(c: HAProxyConfig): string {
    const ns = c.nameserver ?? "127.0.0.11:53";
    const servers = (extra = "") =>
        c.nodes.map((n) => `    server ${n.name} ${n.host}:${n.pgPort} check port ${n.apiPort}${extra}`).join("\n");
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
        "    log global",
        "    option tcplog",
        "    retries 2",
        "    timeout connect 4s",
        `    timeout client ${c.idleTimeoutSeconds}s`,
        `    timeout server ${c.idleTimeoutSeconds}s`,
        "    timeout check 3s",
        `    default-server inter ${c.check.interMs}ms fastinter ${Math.min(c.check.interMs, 1000)}ms fall ${c.check.fall} rise ${c.check.rise} on-marked-down shutdown-sessions resolvers cluster init-addr last,libc,none`,
        "",
        "listen stats",
        "    mode http",
        `    bind *:${c.ports.stats}`,
        "    stats enable",
        "    stats uri /",
        "    stats refresh 5s",
        "",
        listen("primary", c.ports.primary, "/primary", "first"),
        "",
        listen("replicas", c.ports.replicas, `/replica${lag}`, "roundrobin"),
        "",
        ...(c.ports.syncReplicas !== undefined ? [listen("sync_replicas", c.ports.syncReplicas, "/sync", "roundrobin"), ""] : []),
    ].join("\n");
}
