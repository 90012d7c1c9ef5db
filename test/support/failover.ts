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

/**
 * The lines of a container's log (stdout and stderr: Patroni logs to stderr) that match `pattern`,
 * the last `last` of them, each prefixed with `label`: what a failed failover test prints to say
 * what Patroni, HAProxy or PostgreSQL did meanwhile.
 */
export function notableLogLines(container: string, pattern: RegExp, opts: { last?: number; tail?: number; label?: string; timestamps?: boolean } = {}): string {
    const args = ["logs", ...(opts.timestamps ? ["--timestamps"] : []), ...(opts.tail ? ["--tail", String(opts.tail)] : []), container];
    const r = spawnSync("docker", args, { encoding: "utf8" });
    if (r.error || r.status !== 0) return `${opts.label ?? container}: (docker logs failed: ${r.error?.message ?? r.stderr.trim()})`;
    const prefix = opts.label !== undefined ? `${opts.label}: ` : "";
    return `${r.stdout}${r.stderr}`.split("\n").filter((l) => pattern.test(l)).slice(-(opts.last ?? 15)).map((l) => prefix + l).join("\n");
}

/** The last `n` of withRetry's retries, one line: attempt, condition, elapsed time and error. */
export function describeRetries(retries: Array<{ attempt: number; elapsedMs: number; classification: { condition: string }; error: unknown }>, n = 8): string {
    return retries.slice(-n).map((r) => `#${r.attempt} ${r.classification.condition} after ${r.elapsedMs}ms: ${String((r.error as Error)?.message ?? r.error)}`).join("; ");
}
