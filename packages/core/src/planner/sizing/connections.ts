/** PostgreSQL's default superuser_reserved_connections. */
export const SUPERUSER_RESERVED = 3;
/** The playbook's max_connections (its Patroni section), used when the plan sets the server up. */
export const PLAYBOOK_MAX_CONNECTIONS = 200;
/** Beyond this, per-connection memory and snapshot cost outweigh more connections; queue in the pooler instead. */
export const MAX_PLANNED_MAX_CONNECTIONS = 500;

export interface ConnectionBudget {
    maxConnections: number;
    reserved: number;
    /** Kept free for humans and tools: psql, monitoring, migrations, Patroni's own checks. */
    headroom: number;
    /** Server connections poolers may use on one node. */
    budget: number;
}

export function connectionBudget(maxConnections: number): ConnectionBudget {
    const headroom = Math.max(5, Math.ceil(maxConnections * 0.1));
    return { maxConnections, reserved: SUPERUSER_RESERVED, headroom, budget: Math.max(0, maxConnections - SUPERUSER_RESERVED - headroom) };
}

export function describeBudget(b: ConnectionBudget): string {
    return `${b.budget} (max_connections ${b.maxConnections} - ${b.reserved} superuser-reserved - ${b.headroom} kept for admin, monitoring and migrations)`;
}

/**
 * max_connections for a server the plan sets up: the playbook's 200 unless the
 * pool needs more, in steps of 50, never above 500. A given value always wins.
 */
export function plannedMaxConnections(serverConnectionsNeeded: number, given?: number): number {
    if (given !== undefined) return given;
    let m = PLAYBOOK_MAX_CONNECTIONS;
    while (connectionBudget(m).budget < serverConnectionsNeeded && m < MAX_PLANNED_MAX_CONNECTIONS) m += 50;
    return m;
}
