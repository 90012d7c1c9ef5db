// The e2e suites' hard failover: SIGKILL the leader's container, write through primaryUri until
// a promoted replica takes it, start the old leader again and wait until it rejoins as a replica.
import { clusterMembers, leaderName } from "./patroni";
import { spawnSync } from "child_process";
import { docker } from "./stack";
import { eventually, query } from "./pg";
import { isSynchronousStandbyRole } from "@pgscale/core";

export interface FailoverResult {
    oldLeader: string;
    /** From the SIGKILL to the first write through primaryUri that succeeded. */
    outageSeconds: number;
    /** The leader once the old one rejoined. */
    newLeader: string;
}

/**
 * `write` is an idempotent INSERT (ON CONFLICT DO NOTHING): it is retried until it succeeds.
 * Asserts nothing about the outage itself: each suite bounds it as its timings allow.
 */
export async function killLeaderAndRejoin(
    cluster: { primaryUri: string; members: Array<{ name: string; container: string; restUrl: string }> },
    write: { sql: string; params?: unknown[] },
): Promise<FailoverResult> {
    const oldLeader = (await leaderName(cluster.members.map((m) => m.restUrl)))!;
    const victim = cluster.members.find((m) => m.name === oldLeader)!;
    const killedAt = Date.now();
    docker("kill", "--signal", "KILL", victim.container);
    await eventually(async () => {
        await query(cluster.primaryUri, write.sql, write.params);
        return true;
    }, 90000, "writes through primaryUri after failover", 500);
    const outageSeconds = (Date.now() - killedAt) / 1000;
    const survivor = cluster.members.find((m) => m.name !== oldLeader)!;
    const newLeader = (await leaderName([survivor.restUrl]))!;

    docker("start", victim.container);
    await eventually(async () => {
        const me = (await clusterMembers(survivor.restUrl)).find((m) => m.name === oldLeader);
        return me && (me.role === "replica" || isSynchronousStandbyRole(me.role)) && (me.state === "running" || me.state === "streaming");
    }, 120000, "old primary rejoined as a replica");
    return { oldLeader, outageSeconds, newLeader };
}

/**
 * What a stalled failover test prints before it fails: each reachable member's view of the
 * cluster, and on each running member what PostgreSQL is waiting on, so a stall in CI can be
 * read from its log.
 */
export async function describeCluster(members: Array<{ name: string; container: string; restUrl: string }>): Promise<string> {
    const lines: string[] = [];
    for (const m of members) {
        try {
            const view = (await clusterMembers(m.restUrl)).map((x) => `${x.name}:${x.role}/${x.state}/tl${x.timeline ?? "?"}/lag${x.lag ?? "?"}`);
            lines.push(`${m.name} sees ${view.join(" ")}`);
        } catch (err) {
            lines.push(`${m.name}: /cluster unreachable (${(err as Error).message})`);
        }
        const sql = "SELECT 'ssn=' || current_setting('synchronous_standby_names') || ' recovery=' || pg_is_in_recovery()" +
            " UNION ALL SELECT 'repl ' || application_name || ' ' || state || ' ' || sync_state FROM pg_stat_replication" +
            " UNION ALL SELECT 'backend ' || pid || ' ' || coalesce(wait_event_type, '-') || '/' || coalesce(wait_event, '-') || ' ' || state || ' ' || left(query, 60)" +
            " FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()";
        try {
            lines.push(...docker("exec", "-u", "postgres", m.container, "psql", "-h", "/var/run/postgresql", "-XAtc", sql).trim().split("\n").map((l) => `  ${m.name} ${l}`));
        } catch (err) {
            lines.push(`  ${m.name}: psql failed (${(err as Error).message.split("\n")[0]})`);
        }
        // Patroni logs to stderr.
        const log = spawnSync("docker", ["logs", "--tail", "15", m.container], { encoding: "utf8" });
        lines.push(...`${log.stdout ?? ""}${log.stderr ?? ""}`.trim().split("\n").map((l) => `  ${m.name} log: ${l}`));
    }
    return lines.join("\n");
}
