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
