import { PoolSizing } from "./sizing/pool";

// The HA topology of issue 3 drawn with the plan's numbers: clients,
// PgBouncer, HAProxy, Patroni nodes, etcd. ASCII for terminals, Mermaid for docs.

export interface HaDiagram {
    clientsPeak: number;
    readShare: number;
    pool?: PoolSizing;
    readPool?: PoolSizing;
    replicas: number;
    maxConnections: number;
    etcdMembers: number;
    ttl: number;
    synchronous: boolean;
    maxReplicaLagBytes?: number;
}

const poolText = (p: PoolSizing) => `${p.poolMode}, ${p.defaultPoolSize} (+${p.reservePoolSize}) server conns, max_client_conn ${p.maxClientConn}`;
const replicaCheck = (d: HaDiagram) => (d.maxReplicaLagBytes === undefined ? "GET /replica" : `GET /replica?lag=${d.maxReplicaLagBytes}`);
const replicaNames = (n: number) => Array.from({ length: n }, (_, i) => `main-${i + 1}`);

export function haAscii(d: HaDiagram): string {
    const replicas = d.replicas ? replicaNames(d.replicas).join(", ") : "(no replicas)";
    const cluster = [
        `main-0 PRIMARY ==== WAL (${d.synchronous ? "synchronous" : "async"}) ====> ${replicas}`,
        `   Patroni on every node; max_connections ${d.maxConnections}`,
        `   |`,
        `etcd "dcs"         ${d.etcdMembers} members (quorum ${Math.floor(d.etcdMembers / 2) + 1}); the leader key expires after ttl ${d.ttl} s`,
    ];
    if (d.pool && d.readPool) {
        const reads = Math.round(d.clientsPeak * d.readShare);
        return [
            `clients: ${d.clientsPeak} at peak (~${d.clientsPeak - reads} writing, ~${reads} reading)`,
            `   |`,
            `   +-- writes, read-your-writes --> PgBouncer "pool"       ${poolText(d.pool)}`,
            `   |                                 --> HAProxy "lb" primary listener (GET /primary) --> main-0`,
            `   |`,
            `   +-- other reads --------------> PgBouncer "read-pool"  ${poolText(d.readPool)}`,
            `                                     --> HAProxy "lb" replica listener (${replicaCheck(d)}, round-robin) --> ${replicas}`,
            ``,
            ...cluster,
        ].join("\n");
    }
    return [
        `clients: ${d.clientsPeak} at peak`,
        `   |`,
        `   v`,
        ...(d.pool ? [`PgBouncer "pool"   ${poolText(d.pool)}`, `   |`, `   v`] : []),
        `HAProxy "lb"       primary listener: GET /primary | replica listener: ${replicaCheck(d)}, round-robin`,
        `   |`,
        `   v`,
        ...cluster,
    ].join("\n");
}

export function haMermaid(d: HaDiagram): string {
    const lines = ["flowchart TD", `  clients["clients<br/>peak ${d.clientsPeak}"]`];
    if (d.pool) lines.push(`  pool["PgBouncer pool<br/>${poolText(d.pool)}"]`, "  clients --> pool", "  pool --> rw");
    else lines.push("  clients --> rw");
    if (d.readPool) lines.push(`  readPool["PgBouncer read-pool<br/>${poolText(d.readPool)}"]`, "  clients --> readPool", "  readPool --> ro");
    lines.push(
        `  rw["HAProxy lb: primary<br/>GET /primary"]`,
        `  ro["HAProxy lb: replicas<br/>${replicaCheck(d)}"]`,
        `  primary[("main-0 primary<br/>max_connections ${d.maxConnections}")]`,
        "  rw --> primary",
        ...replicaNames(d.replicas).flatMap((n, i) => [
            `  r${i}[("${n} replica")]`,
            `  primary -- "WAL ${d.synchronous ? "sync" : "async"}" --> r${i}`,
            `  ro --> r${i}`,
        ]),
        `  dcs["etcd dcs x${d.etcdMembers}<br/>leader key ttl ${d.ttl} s"]`,
        "  primary -.- dcs",
    );
    return lines.join("\n");
}

/** Managed service: the provider runs HA and replicas; the plan supplies the settings. */
export function managedAscii(clientsPeak: number, replicas: number, pool?: PoolSizing): string {
    return [
        `clients: ${clientsPeak} at peak`,
        `   |`,
        `   v`,
        pool ? `provider's pooler (or a PgBouncer you run): ${poolText(pool)}` : `provider endpoint`,
        `   |`,
        `   v`,
        `managed primary (provider HA standby)  ==== WAL ====>  ${replicas} provider read replica(s)`,
    ].join("\n");
}

export function managedMermaid(clientsPeak: number, replicas: number, pool?: PoolSizing): string {
    return [
        "flowchart TD",
        `  clients["clients<br/>peak ${clientsPeak}"]`,
        pool ? `  pooler["provider pooler<br/>${poolText(pool)}"]` : `  pooler["provider endpoint"]`,
        `  primary[("managed primary<br/>+ provider HA standby")]`,
        `  replicas[("${replicas} read replica(s)")]`,
        "  clients --> pooler --> primary",
        `  primary -- WAL --> replicas`,
    ].join("\n");
}
