import { etcdCluster, haproxyFrontend, patroniCluster, pgBouncerPool } from "../constructs";
import { haAscii, haMermaid, managedAscii, managedMermaid } from "../diagram-ha";
import { connectionBudget, plannedMaxConnections, PLAYBOOK_MAX_CONNECTIONS } from "../sizing/connections";
import { planHa } from "../sizing/ha";
import { sizePool, wantedServerConnections } from "../sizing/pool";
import { sizeReplicas } from "../sizing/replicas";
import { Decision } from "../types";
import { GoalContext, GoalPlan } from "./context";
import { formatIni, pgbouncerIni } from "./managed";

/** etcd + Patroni + HAProxy + PgBouncer (issue 3's topology), sized from the metrics. */
export function planConfigureHa(ctx: GoalContext): GoalPlan {
    const { metrics: m, constraints: c } = ctx;
    const peak = m.connectionsPeak;
    const rw = m.readWrite;
    const ha = planHa(c);
    const haFloor = c.budget ? 1 : 2;
    const replicas = sizeReplicas(rw, {
        haFloor,
        budget: c.budget,
        why: c.budget
            ? "one replica to fail over to (constraint budget: after a failover there is no spare until the old primary rejoins)"
            : "after a failover one replica must still be left to take over, and to serve as synchronous standby",
    });
    const want = wantedServerConnections(peak, c.sessionState);
    const maxConnections = plannedMaxConnections(want.pool + want.reserve, c.maxConnections);
    const pool = sizePool(peak, connectionBudget(maxConnections), { sessionState: c.sessionState });
    const s = pool.sizing;
    const nodes = 1 + replicas.replicas;
    const maxConnDecision: Decision = {
        topic: "max_connections",
        choice: String(maxConnections),
        why:
            c.maxConnections !== undefined
                ? "constraint max-connections"
                : maxConnections === PLAYBOOK_MAX_CONNECTIONS
                  ? `the playbook's value; the pool needs ${want.pool + want.reserve} server connections and clients queue in PgBouncer, so more backends would only cost memory`
                  : `raised from ${PLAYBOOK_MAX_CONNECTIONS} so the pool's ${want.pool + want.reserve} server connections fit next to the reserved and admin connections`,
    };
    const decisions = [...ha.decisions, ...replicas.decisions, maxConnDecision, ...pool.decisions];
    const notes = [...replicas.notes, ...pool.notes];
    if (c.zeroDataLoss && replicas.replicas < 2) {
        notes.push("synchronous mode with one replica: when that replica is down, Patroni (non-strict) lets the primary commit without a standby, so zero data loss holds only while both nodes are up.");
    }
    const rollback = [
        "Point the clients back at the old server (it stays untouched until you decommission it). Writes made on the new cluster after the cutover exist only there: with logical replication, reverse it before switching back; otherwise export them first.",
        "Keep the new cluster for diagnosis, or `pulumi destroy` it once clients are back (its volumes and data are deleted).",
        "A bad Patroni setting (ttl, parameters) is rolled back by reverting it in the stack: `pulumi up` patches the DCS in place, no node is replaced.",
    ];

    if (c.managedService) {
        return {
            summary: `Use the managed service's HA: a standby in another zone, ${replicas.replicas} read replica(s), and a pooler for ${peak} peak clients.`,
            architecture: managedAscii(peak, replicas.replicas, s),
            architecture_mermaid: managedMermaid(peak, replicas.replicas, s),
            steps: [
                { title: "Enable the provider's high availability", changes: "a synchronous standby in another zone with automatic failover (Multi-AZ, HA configuration)", verify: "the console shows HA enabled; a test failover completes and the endpoint accepts writes again", online: true },
                { title: `Add ${replicas.replicas} read replica(s)`, changes: `provider read replicas, max_connections ${maxConnections} on each`, verify: "each replica reports replication lag below a second at steady load; SELECT pg_is_in_recovery() is true on it", online: true },
                { title: "Enable the provider's pooler", changes: formatIni(s), verify: "the pooler endpoint answers SELECT 1; pg_stat_activity on the primary stays under max_connections at peak", online: true },
                { title: "Make the client failover-aware", changes: "wrap transactions in withRetry from @pgscale/core: reconnects on 57P01/08xxx/25006 with backoff, re-runs on 40001/40P01", verify: "during a provider test failover the application logs retries (onRetry) but no failed requests", online: true },
            ],
            constructs: [],
            sql: [],
            managed_settings: { high_availability: true, synchronous_standby: true, read_replicas: replicas.replicas, max_connections: maxConnections, pooler: pgbouncerIni(s) },
            rollback: ["Disable the pooler and remove the read replicas in the console; keep provider HA on (it costs a standby, not availability)."],
            decisions,
            notes,
        };
    }

    const moveData = c.noDowntime
        ? {
              title: "Copy the data in with logical replication",
              changes: "CREATE PUBLICATION on the old server, CREATE SUBSCRIPTION on the new primary; the old server keeps serving until the cutover",
              verify: "pg_stat_subscription on the new primary shows the subscription streaming and received_lsn close to pg_current_wal_lsn() on the old server; row counts match per table",
              online: true,
          }
        : {
              title: "Copy the data in during a maintenance window",
              changes: "stop writes, pg_dump -Fd -j 4 from the old server, pg_restore -j 4 into the new primary through primaryUri",
              verify: "row counts per table match; the application's smoke tests pass against primaryUri",
              online: false,
          };
    const diagram = { clientsPeak: peak, readShare: rw.readShare, pool: s, replicas: replicas.replicas, maxConnections, etcdMembers: ha.etcdMembers, ttl: ha.patroni.ttl, synchronous: ha.patroni.synchronousMode };
    return {
        summary: `Highly available PostgreSQL: ${nodes} Patroni nodes (1 primary + ${replicas.replicas} replicas) on a ${ha.etcdMembers}-member etcd, HAProxy routing by role, PgBouncer for ${peak} peak clients.`,
        architecture: haAscii(diagram),
        architecture_mermaid: haMermaid(diagram),
        steps: [
            {
                title: "Create the DCS",
                changes: `EtcdCluster "dcs" with ${ha.etcdMembers} members`,
                verify: "`pulumi up` completes; `etcdctl endpoint health --cluster` inside a member reports every member healthy",
                online: true,
            },
            {
                title: "Create the Patroni cluster",
                changes: `PatroniCluster "main": ${nodes} nodes, ttl ${ha.patroni.ttl}/loop_wait ${ha.patroni.loopWait}/retry_timeout ${ha.patroni.retryTimeout}, synchronous_mode ${ha.patroni.synchronousMode}, max_connections ${maxConnections}`,
                verify: `on the primary: SELECT application_name, state, sync_state FROM pg_stat_replication returns ${replicas.replicas} rows in state 'streaming'`,
                online: true,
            },
            {
                title: "Route by role with HAProxy",
                changes: `HAProxyFrontend "lb": the primary listener checks GET /primary, the replica listener GET /replica on Patroni's REST port`,
                verify: "psql \"$(pulumi stack output primaryUri --show-secrets)\" -c 'SELECT pg_is_in_recovery()' returns f; the same through replicaUri returns t",
                online: true,
            },
            {
                title: "Put PgBouncer in front",
                changes: `PgBouncerPool "pool": ${s.poolMode} mode, ${s.defaultPoolSize} (+${s.reservePoolSize}) server connections, max_client_conn ${s.maxClientConn}`,
                verify: `PgBouncer admin console SHOW POOLS lists appdb with sv_active + sv_idle <= ${pool.serverConnections}`,
                online: true,
            },
            moveData,
            {
                title: "Cut clients over to the pooler",
                changes: `clients use poolUri for writes${rw.readShare > 0 ? " and replicaUri for reads that tolerate replication lag" : ""}, with withRetry from @pgscale/core around each transaction`,
                verify: "SHOW POOLS: cl_waiting stays 0 outside bursts; the old server sees no more application connections (pg_stat_activity)",
                online: c.noDowntime,
            },
            {
                title: "Rehearse a failover",
                changes: "a planned switchover through Patroni's REST API (POST /switchover), then a hard failure of the primary in a test window",
                verify: `writes through poolUri resume within a few seconds after the switchover and within ~ttl ${ha.patroni.ttl} s + loop_wait after the hard failure; the old primary rejoins as a replica (pg_stat_replication back to ${replicas.replicas} rows)`,
                online: true,
            },
        ],
        constructs: [
            etcdCluster(ha.etcdMembers, "the DCS holding Patroni's leader key"),
            patroniCluster(nodes, ha.patroni, maxConnections, `1 primary + ${replicas.replicas} replicas`),
            haproxyFrontend("routes the primary listener to the leader and the replica listener to healthy replicas"),
            pgBouncerPool("pool", s, `PgBouncer sized for ${peak} peak clients`),
        ],
        sql: [],
        rollback,
        decisions,
        notes,
    };
}
