import { etcdCluster, haproxyFrontend, patroniCluster, pgBouncerPool } from "../constructs";
import { haAscii, haMermaid, managedAscii, managedMermaid } from "../diagram-ha";
import { connectionBudget, PLAYBOOK_MAX_CONNECTIONS } from "../sizing/connections";
import { planHa } from "../sizing/ha";
import { sizePool } from "../sizing/pool";
import { GoalContext, GoalPlan } from "./context";
import { formatIni, pgbouncerIni } from "./managed";

/** A pooler in front of an existing primary. */
export function planSetupPooling(ctx: GoalContext): GoalPlan {
    const { metrics: m, constraints: c } = ctx;
    const peak = m.connectionsPeak;
    if (c.maxConnections === undefined) m.assume("max_connections", `max-connections not given: assumed the server runs the playbook's max_connections = ${PLAYBOOK_MAX_CONNECTIONS}`);
    const maxConnections = c.maxConnections ?? PLAYBOOK_MAX_CONNECTIONS;
    const budget = connectionBudget(maxConnections);
    const pool = sizePool(peak, budget, { sessionState: c.sessionState });
    const s = pool.sizing;
    const decisions = [...pool.decisions];
    decisions.unshift({
        topic: "why a pooler",
        choice: peak > budget.budget ? "required" : "recommended",
        why:
            peak > budget.budget
                ? `${peak} peak connections exceed the ${budget.budget} the server can give the application: without a pooler the excess fails with SQLSTATE 53300`
                : `${peak} peak connections fit today, but every connection is a backend process (memory, snapshot cost); a pooler caps them at ${pool.serverConnections} and absorbs reconnect storms after a failover`,
    });

    const clientsMove = c.noDowntime
        ? "one service (or instance) at a time: change its connection string to the pooler, watch it for a peak period, then the next"
        : "all services in one deploy: change the connection string to the pooler";
    const steps: GoalPlan["steps"] = [
        {
            title: "Add PgBouncer in front of the primary",
            changes: c.managedService
                ? `the provider's pooler (or a PgBouncer you run next to the app) with ${formatIni(s)}`
                : `PgBouncerPool "pool" (${s.poolMode} mode, default_pool_size ${s.defaultPoolSize}, reserve ${s.reservePoolSize}, max_client_conn ${s.maxClientConn}) behind HAProxy's primary listener; nothing else changes`,
            verify: c.managedService
                ? `connect through the pooler and run SELECT 1; the pooler's admin console SHOW POOLS lists the pool`
                : "`pulumi preview` creates only the PgBouncerPool's resources; after `pulumi up`: psql \"$(pulumi stack output poolUri --show-secrets)\" -c 'SELECT 1'",
            online: true,
        },
        {
            title: "Lower the application's own pools",
            changes: `each application instance keeps at most a few connections to PgBouncer (the sum of all instances' pools <= max_client_conn ${s.maxClientConn}); PgBouncer, not the app, now limits server connections`,
            verify: `the configured pool sizes across all instances add up to <= ${s.maxClientConn}`,
            online: true,
        },
        {
            title: "Move clients to the pooler",
            changes: clientsMove,
            verify:
                `PgBouncer admin console: SHOW POOLS shows cl_waiting = 0 outside bursts and sv_active + sv_idle <= ${pool.serverConnections}; SHOW STATS avg_wait_time stays near 0. ` +
                `On the server: SELECT count(*) FROM pg_stat_activity stays well under ${maxConnections}.` +
                (s.poolMode === "transaction" ? " Errors such as 'prepared statement \"...\" does not exist' mean the app relies on session state: move that service back and re-plan with constraint session-state." : ""),
            online: true,
        },
    ];
    const rollback = [
        "Point the clients back at the server directly (primaryUri); PgBouncer holds no data, so this is safe at any moment" +
            (peak > budget.budget ? `, but only off-peak: ${peak} direct connections exceed max_connections ${maxConnections} and would fail with 53300` : ""),
        "Restore the application's previous pool sizes.",
        c.managedService ? "Disable the provider's pooler." : "Remove the PgBouncerPool from the stack and run `pulumi up`; `pulumi preview` shows only its resources being deleted.",
    ];

    if (c.managedService) {
        return {
            summary: `Pool ${peak} peak client connections into ${pool.serverConnections} server connections with the managed service's pooler (${s.poolMode} mode).`,
            architecture: managedAscii(peak, 0, s),
            architecture_mermaid: managedMermaid(peak, 0, s),
            steps,
            constructs: [],
            sql: [],
            managed_settings: { pooler: pgbouncerIni(s), max_connections: maxConnections },
            rollback,
            decisions,
            notes: pool.notes,
        };
    }

    const ha = planHa(c);
    const context = "the HA stack the pool sits in front of; if your stack already declares it, keep your arguments and add only `pool`";
    const diagram = { clientsPeak: peak, readShare: 0, pool: s, replicas: 2, maxConnections, etcdMembers: ha.etcdMembers, ttl: ha.patroni.ttl, synchronous: ha.patroni.synchronousMode };
    return {
        summary: `Pool ${peak} peak client connections into ${pool.serverConnections} server connections with PgBouncer in ${s.poolMode} mode.`,
        architecture: haAscii(diagram),
        architecture_mermaid: haMermaid(diagram),
        steps,
        constructs: [
            etcdCluster(ha.etcdMembers, context),
            patroniCluster(3, ha.patroni, maxConnections, context),
            haproxyFrontend(context),
            pgBouncerPool("pool", s, `PgBouncer sized for ${peak} peak clients against max_connections ${maxConnections}`),
        ],
        sql: [],
        rollback,
        decisions,
        notes: pool.notes,
    };
}
