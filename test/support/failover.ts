// The e2e suites' hard failover: SIGKILL the leader's container, write through primaryUri until
// a promoted replica takes it, start the old leader again and wait until it rejoins as a replica.
import { clusterMembers, leaderName } from "./patroni";
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
