/**
 * PostgreSQL's replication workers (a subscription's apply and table-sync workers, a standby's
 * walreceiver) connect through libpq's asynchronous API, where libpq applies no connect_timeout:
 * a connection that never completes holds the worker in the wait event LibpqwalreceiverConnect
 * until something ends it. HAProxy 3.0 holds exactly such a connection when the server it is
 * dialling is marked down mid-connect, and nothing on its side can end it
 * (test/integration/haproxy-dying-server.test.ts), so after a publisher's failover a subscriber's
 * worker that dialled the publisher's HAProxy at the wrong moment would wait forever, its
 * subscription following nothing.
 *
 * So every member runs this loop beside Patroni: every `intervalSeconds` it ends the replication
 * workers that have waited to connect for more than `afterSeconds` (a connection normally
 * completes in milliseconds). PostgreSQL starts them again (a subscription's launcher after
 * wal_retrieve_retry_interval, a standby's startup process at once) and a subscription resumes
 * from its slot: nothing is lost. Each ended worker is logged on the container's stdout.
 */
export const REPLICATION_CONNECT_WATCHDOG = { afterSeconds: 20, intervalSeconds: 10, applicationName: "pgscale-replication-watchdog" } as const;

/**
 * Ends the replication workers waiting to connect for more than `afterSeconds` and returns one line
 * per worker ended: its backend type and pid, and its subscription if it has one. A worker's
 * connection is the first thing it makes, so its backend_start is when it began dialling. The wait
 * event is LibpqwalreceiverConnect on PostgreSQL 17, LibPQWalReceiverConnect on 15. The workers are
 * picked first (a materialized CTE) and only then signalled.
 */
export function stuckReplicationWorkersSql(afterSeconds: number = REPLICATION_CONNECT_WATCHDOG.afterSeconds): string {
    if (!Number.isInteger(afterSeconds) || afterSeconds < 1) throw new Error("stuckReplicationWorkersSql: afterSeconds must be a whole number of seconds, at least 1");
    return [
        "WITH stuck AS MATERIALIZED (",
        "SELECT a.pid, a.backend_type || ' ' || a.pid || coalesce(' (subscription ' || s.subname || ')', '') AS who",
        "FROM pg_stat_activity a LEFT JOIN pg_stat_subscription s ON s.pid = a.pid",
        `WHERE lower(a.wait_event) = 'libpqwalreceiverconnect' AND a.backend_start < now() - interval '${afterSeconds} seconds')`,
        "SELECT who FROM stuck WHERE pg_terminate_backend(pid)",
    ].join(" ");
}

/**
 * The loop as one step of a member's start command (`{ ... & }`, joined with `&&` before
 * `exec patroni`): psql on the member's Unix socket as the postgres superuser (peer
 * authentication), named by its application_name (a server that logs connections logs one per
 * interval). Before PostgreSQL accepts connections psql fails, quietly, and the loop goes on.
 */
export function replicationConnectWatchdogStep(binDir: string, opts: { afterSeconds?: number; intervalSeconds?: number } = {}): string {
    const { afterSeconds, intervalSeconds } = { ...REPLICATION_CONNECT_WATCHDOG, ...opts };
    if (!/^\/[A-Za-z0-9/._-]+$/.test(binDir)) throw new Error("replicationConnectWatchdogStep: binDir must be an absolute path");
    if (!(intervalSeconds > 0)) throw new Error("replicationConnectWatchdogStep: intervalSeconds must be above 0");
    const sql = stuckReplicationWorkersSql(afterSeconds);
    return [
        `{ (while sleep ${intervalSeconds}; do`,
        `PGAPPNAME=${REPLICATION_CONNECT_WATCHDOG.applicationName} ${binDir}/psql -h /var/run/postgresql -U postgres -d postgres -XAtq -c "${sql}" 2>/dev/null | while read -r w; do`,
        `echo "pgscale: ended $w: it waited more than ${afterSeconds} s to connect, and PostgreSQL gives replication workers no connect timeout"; done;`,
        "done) & }",
    ].join(" ");
}
