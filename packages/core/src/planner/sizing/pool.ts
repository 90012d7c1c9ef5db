import { Decision } from "../types";
import { ConnectionBudget, describeBudget } from "./connections";

/**
 * Share of connected clients inside a transaction at any instant. A
 * request/response client holds a transaction for a few ms of every ~100 ms
 * it stays connected; 5% is deliberately above the playbook's own
 * 20 : 1000 (2%) so short spikes do not queue.
 */
export const ACTIVE_SHARE = 0.05;
/** Headroom of max_client_conn over the measured peak: a failover makes every client reconnect at once. */
export const CLIENT_HEADROOM = 1.5;

export interface PoolSizing {
    poolMode: "transaction" | "session";
    defaultPoolSize: number;
    reservePoolSize: number;
    minPoolSize: number;
    maxClientConn: number;
    /** The playbook's timeouts. */
    reservePoolTimeout: number;
    serverIdleTimeout: number;
    serverLifetime: number;
    queryTimeout: number;
}

export interface PoolPlan {
    sizing: PoolSizing;
    /** Server connections the pool may open: defaultPoolSize + reservePoolSize. */
    serverConnections: number;
    /** What the pool would want if the budget allowed. */
    wanted: number;
    capped: boolean;
    decisions: Decision[];
    notes: string[];
}

const roundUp = (x: number, step: number) => Math.ceil(x / step) * step;

/** Server connections a pool wants for `clientsPeak` clients, before any budget. */
export function wantedServerConnections(clientsPeak: number, sessionState: boolean): { pool: number; reserve: number } {
    const pool = sessionState ? clientsPeak : Math.max(5, Math.ceil(clientsPeak * ACTIVE_SHARE));
    return { pool, reserve: Math.max(2, Math.ceil(pool * 0.25)) };
}

/**
 * Sizes one PgBouncer pool (one database/user pair) for `clientsPeak`
 * clients against the server connections `budget` allows (summed over the
 * nodes it reaches). `label` names the pool in decisions.
 */
export function sizePool(clientsPeak: number, budget: ConnectionBudget, opts: { sessionState: boolean; nodes?: number; label?: string }): PoolPlan {
    const nodes = opts.nodes ?? 1;
    const label = opts.label ?? "pool";
    const room = budget.budget * nodes;
    const want = wantedServerConnections(clientsPeak, opts.sessionState);
    let pool = want.pool;
    let reserve = want.reserve;
    const capped = pool + reserve > room;
    if (capped) {
        pool = Math.max(1, Math.floor(room * 0.8));
        reserve = Math.max(0, room - pool);
    }
    const maxClientConn = Math.max(pool, roundUp(clientsPeak * CLIENT_HEADROOM, 50));
    const sizing: PoolSizing = {
        poolMode: opts.sessionState ? "session" : "transaction",
        defaultPoolSize: pool,
        reservePoolSize: reserve,
        minPoolSize: Math.ceil(pool / 4),
        maxClientConn,
        reservePoolTimeout: 3,
        serverIdleTimeout: 600,
        serverLifetime: 3600,
        queryTimeout: 300,
    };

    const budgetText = nodes > 1 ? `${room} (${nodes} nodes x ${describeBudget(budget)})` : describeBudget(budget);
    const decisions: Decision[] = [
        opts.sessionState
            ? { topic: `${label}: pool_mode`, choice: "session", why: "constraint session-state: the application keeps state in the session, which transaction pooling would hand to other clients; each client holds a server connection while connected" }
            : { topic: `${label}: pool_mode`, choice: "transaction", why: "no session-state constraint: a server connection is held only while a transaction runs, so many clients share few server connections (the playbook's choice for web apps). SET, advisory locks, LISTEN and protocol-level prepared statements do not survive it (PgBouncer 1.18); if the app uses them, add the constraint session-state" },
        {
            topic: `${label}: default_pool_size`,
            choice: `${pool} (+${reserve} reserve)`,
            why: (opts.sessionState
                ? `session mode needs one server connection per connected client: ${clientsPeak} at peak`
                : `ceil(${clientsPeak} peak clients x ${ACTIVE_SHARE * 100}% inside a transaction at any instant) = ${want.pool}, at least 5`) +
                `; reserve 25% (at least 2) for bursts, opened after reserve_pool_timeout 3 s. ` +
                (capped
                    ? `Wanted ${want.pool + want.reserve} server connections but the budget is ${budgetText}: capped to ${pool + reserve}, excess clients queue in PgBouncer instead of failing with 53300`
                    : `${pool + reserve} server connections fit the budget of ${budgetText}`),
        },
        {
            topic: `${label}: max_client_conn`,
            choice: String(maxClientConn),
            why: `${clientsPeak} peak clients x ${CLIENT_HEADROOM} (after a failover every client reconnects while old sockets linger), rounded up to 50`,
        },
        { topic: `${label}: min_pool_size`, choice: String(sizing.minPoolSize), why: `a quarter of the pool kept warm so the first burst after a quiet period does not pay for new backends` },
    ];
    const notes: string[] = [];
    if (capped && opts.sessionState) {
        notes.push(`session pooling cannot multiplex: ${clientsPeak} clients need ${want.pool} server connections but ${room} are available; clients beyond that wait for another to disconnect. Raise max_connections (constraint max-connections=<n>) or remove session state and use transaction pooling.`);
    } else if (capped) {
        notes.push(`${label} is capped by max_connections ${budget.maxConnections}: at peak, clients will wait in PgBouncer for a server connection. If waiting clients (SHOW POOLS: cl_waiting) stay above 0, raise max_connections or move reads to replicas.`);
    }
    return { sizing, serverConnections: pool + reserve, wanted: want.pool + want.reserve, capped, decisions, notes };
}
