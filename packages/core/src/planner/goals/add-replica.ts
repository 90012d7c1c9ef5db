import { etcdCluster, haproxyFrontend, patroniCluster, pgBouncerPool } from "../constructs";
import { haAscii, haMermaid, managedAscii, managedMermaid } from "../diagram-ha";
import { connectionBudget, PLAYBOOK_MAX_CONNECTIONS } from "../sizing/connections";
import { planHa } from "../sizing/ha";
import { sizePool } from "../sizing/pool";
import { sizeReplicas } from "../sizing/replicas";
import { GoalContext, GoalPlan } from "./context";
import { formatIni, pgbouncerIni } from "./managed";

/** Replicas stop serving reads when they fall this far behind: 16 MiB is seconds of WAL at busy write rates. */
export const MAX_REPLICA_LAG_BYTES = 16 * 1024 * 1024;

/** Read replicas from the read share, with a pooler for the reads. */
export function planAddReplica(ctx: GoalContext): GoalPlan {
    const { metrics: m, constraints: c } = ctx;
    const peak = m.connectionsPeak;
    const rw = m.readWrite;
    const replicas = sizeReplicas(rw, { haFloor: 1, budget: c.budget, why: "the goal is a replica" });
    const n = replicas.replicas;
    if (c.maxConnections === undefined) m.assume("max_connections", `max-connections not given: assumed the playbook's max_connections = ${PLAYBOOK_MAX_CONNECTIONS} on every node`);
    const maxConnections = c.maxConnections ?? PLAYBOOK_MAX_CONNECTIONS;
    const budget = connectionBudget(maxConnections);
    const readClients = Math.max(1, Math.round(peak * rw.readShare));
    const writeClients = Math.max(1, peak - readClients);
    const writePool = sizePool(writeClients, budget, { sessionState: c.sessionState, label: "pool" });
    const readPool = sizePool(readClients, budget, { sessionState: c.sessionState, nodes: n, label: "read-pool" });
    const decisions = [
        ...replicas.decisions,
        {
            topic: "split of clients",
            choice: `${writeClients} to the primary pool, ${readClients} to the read pool`,
            why: `read_write_ratio ${rw.text} applied to ${peak} peak clients; reads that must see the caller's own writes stay on the primary pool`,
        },
        {
            topic: "replica lag limit",
            choice: `${MAX_REPLICA_LAG_BYTES} bytes`,
            why: "a replica more than 16 MiB of WAL behind leaves HAProxy's read rotation (Patroni's /replica?lag=) until it catches up, so a slow replica serves no stale reads",
        },
        ...writePool.decisions,
        ...readPool.decisions,
    ];
    const notes = [...replicas.notes, ...writePool.notes, ...readPool.notes];
    const rollback = [
        "Send reads back to the primary pool (one configuration change in the application); nothing is lost, replicas hold no unique data.",
        "Remove the read pool from the stack.",
        `Lower PatroniCluster nodes back to its previous value and \`pulumi up\`: pgscale removes replicas, never the primary, and drops their replication slots so WAL does not pile up (check: SELECT slot_name FROM pg_replication_slots on the primary lists only remaining members).`,
    ];

    if (c.managedService) {
        return {
            summary: `${n} provider read replica(s) for the ${rw.text} read/write mix, with a pooler for the reads.`,
            architecture: managedAscii(peak, n, readPool.sizing),
            architecture_mermaid: managedMermaid(peak, n, readPool.sizing),
            steps: [
                { title: `Create ${n} read replica(s)`, changes: `provider read replicas, max_connections ${maxConnections}`, verify: "replica lag below a second at steady load; SELECT pg_is_in_recovery() is true on each", online: true },
                { title: "Pool the reads", changes: formatIni(readPool.sizing), verify: "the reader endpoint answers through the pooler; pg_stat_activity on each replica stays under max_connections", online: true },
                { title: "Route lag-tolerant reads to the replicas", changes: "the application's read-only queries use the reader endpoint; read-your-writes stays on the primary", verify: "pg_stat_database.xact_commit grows on the replicas; the primary's CPU and connections drop", online: true },
            ],
            constructs: [],
            sql: [],
            managed_settings: { read_replicas: n, max_connections: maxConnections, read_pooler: pgbouncerIni(readPool.sizing) },
            rollback: [rollback[0], "Delete the read replicas in the console."],
            decisions,
            notes,
        };
    }

    const ha = planHa(c);
    const diagram = {
        clientsPeak: peak, readShare: rw.readShare, pool: writePool.sizing, readPool: readPool.sizing, replicas: n,
        maxConnections, etcdMembers: ha.etcdMembers, ttl: ha.patroni.ttl, synchronous: ha.patroni.synchronousMode, maxReplicaLagBytes: MAX_REPLICA_LAG_BYTES,
    };
    return {
        summary: `${n} streaming replica(s) for the ${rw.text} read/write mix, reads pooled through PgBouncer and routed by HAProxy to replicas within ${MAX_REPLICA_LAG_BYTES / 1048576} MiB of lag.`,
        architecture: haAscii(diagram),
        architecture_mermaid: haMermaid(diagram),
        steps: [
            {
                title: `Grow the cluster to ${n + 1} nodes`,
                changes: `PatroniCluster "main" nodes -> ${n + 1}; each new member clones from the primary (pg_basebackup) and starts streaming`,
                verify: `\`pulumi preview\` shows an update adding members, not a replacement of existing nodes; afterwards SELECT application_name, state, replay_lag FROM pg_stat_replication on the primary returns ${n} rows in state 'streaming'`,
                online: true,
            },
            {
                title: "Route reads by lag",
                changes: `HAProxyFrontend "lb" maxReplicaLagBytes ${MAX_REPLICA_LAG_BYTES}: the replica listener only uses replicas within that lag`,
                verify: "psql \"$(pulumi stack output replicaUri --show-secrets)\" -c 'SELECT pg_is_in_recovery()' returns t; the HAProxy stats page lists every replica UP in the replica backend",
                online: true,
            },
            {
                title: "Pool the reads",
                changes: `PgBouncerPool "read-pool" (target replicas): ${readPool.sizing.defaultPoolSize} (+${readPool.sizing.reservePoolSize}) server connections spread over ${n} replica(s)`,
                verify: `PgBouncer admin console of read-pool: SHOW POOLS lists appdb; on each replica SELECT count(*) FROM pg_stat_activity stays under ${maxConnections}`,
                online: true,
            },
            {
                title: "Send lag-tolerant reads to the read pool",
                changes: "the application's read-only queries use readPoolUri; reads that must see the caller's own writes keep using poolUri",
                verify: "pg_stat_database.xact_commit grows on the replicas while the primary's active connections (pg_stat_activity) drop",
                online: true,
            },
        ],
        constructs: [
            etcdCluster(ha.etcdMembers, "the DCS of the existing cluster (unchanged)"),
            patroniCluster(n + 1, ha.patroni, maxConnections, `1 primary + ${n} replicas`),
            haproxyFrontend("replica listener only routes to replicas within the lag limit", MAX_REPLICA_LAG_BYTES),
            pgBouncerPool("pool", writePool.sizing, `writes and read-your-writes, ${writeClients} peak clients`),
            pgBouncerPool("read-pool", readPool.sizing, `lag-tolerant reads, ${readClients} peak clients over ${n} replica(s)`, "replicas"),
        ],
        sql: [],
        rollback,
        decisions,
        notes,
    };
}
