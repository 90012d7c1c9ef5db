import { isLeader } from "@pgscale/core";
import { MemberStatus, isRunning } from "./patroni-rest";

/**
 * A replica that missed a promotion follows the new timeline after pg_rewind; without it (profile
 * "fast" turns full_page_writes off, which pg_rewind needs) it stays on its old timeline for good.
 * Such a member is rebuilt from the leader, as an operator would, once it has stayed behind this long.
 */
export const REINITIALIZE_AFTER_MS = 15_000;

/**
 * When a member that rejoins may be rebuilt: only once Patroni is done with it. A member that runs
 * and reports a timeline behind the leader's is settled on the wrong history; a member that reports
 * no timeline (or does not run) is still being brought back by Patroni (crash recovery, pg_rewind,
 * a restart): Patroni publishes a member's timeline only while no such action runs. Rebuilding it
 * then raced that action in Patroni 4.0.7 (docs/reliability.md), so the clock starts only at the
 * first observation of a known timeline behind the leader's and restarts whenever that is not so.
 */
export class RejoinWatch {
    private behindSince: number | undefined;

    /** Feeds one observation; true once the member has been settled behind the leader for REINITIALIZE_AFTER_MS. */
    reinitializeDue(me: MemberStatus, leader: MemberStatus, now: number): boolean {
        const settledBehind = isRunning(me) && typeof me.timeline === "number" && typeof leader.timeline === "number" && me.timeline < leader.timeline;
        if (!settledBehind) {
            this.behindSince = undefined;
            return false;
        }
        this.behindSince ??= now;
        return now - this.behindSince >= REINITIALIZE_AFTER_MS;
    }
}

/** A member as its own `GET /patroni` reports it: live, not the DCS copy the others read. */
export interface OwnStatus {
    state?: string;
    role?: string;
    timeline?: number;
    /** The WAL receiver's state (`replication_state`), reported from Patroni 3.0.4 on. */
    replicationState?: string;
    /** `patroni.version`. */
    patroniVersion?: string;
}

/** Whether this Patroni reports a replica's WAL receiver (`replication_state`): 3.0.4 and later. */
export function reportsReplicationState(version: string | undefined): boolean {
    const [major, minor, patch] = (version ?? "").split(".").map((x) => Number.parseInt(x, 10));
    if (![major, minor, patch].every(Number.isFinite)) return false;
    return major > 3 || (major === 3 && (minor > 0 || patch >= 4));
}

/**
 * When a member that rejoined follows the leader, so that nothing Patroni still has to do to it
 * (pg_rewind, the restart after it) can follow: every member's view of it (GET /cluster reads each
 * member's copy of the DCS, and a view lags its member's writes by up to a loop) says it runs on the
 * leader's timeline, and its own live status agrees and, where Patroni reports it, its WAL receiver
 * streams. Waiting on one other member's copy alone, a test once read the member as "starting"
 * through members() right after heal() returned.
 */
export function followsLeader(name: string, views: MemberStatus[][], own: OwnStatus | undefined): boolean {
    if (!views.length || !own) return false;
    for (const statuses of views) {
        const me = statuses.find((m) => m.name === name);
        const leader = statuses.find((m) => isLeader(m));
        if (!me || !leader || !isRunning(me)) return false;
        if (me !== leader && me.timeline !== leader.timeline) return false;
    }
    const leaders = new Set(views.map((s) => s.find((m) => isLeader(m))!.name));
    if (leaders.size !== 1) return false;
    if (leaders.has(name)) return own.state === "running";
    const leaderTimeline = views[0].find((m) => isLeader(m))!.timeline;
    if (own.state !== "running" || own.timeline !== leaderTimeline) return false;
    return !reportsReplicationState(own.patroniVersion) || own.replicationState === "streaming";
}
