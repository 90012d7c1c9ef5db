import { ClusterInfo } from "./cluster-info";
import { docker } from "./docker-cli";
import { isLeader, isSynchronousStandbyRole } from "@pgscale/core";
import { MemberStatus, isRunning, member, memberStatuses, memberViews, ownStatus, postmasterStartTime, requestReinitialize, requestSwitchover } from "./patroni-rest";
import { writableMember } from "./pg-probe";
import { ProgressLogger, seconds } from "./progress";
import { TEST_TIMINGS } from "./options";
import { waitFor } from "./wait";
import { RejoinWatch, followsLeader } from "./rejoin-policy";

/** How a change of primary went: who led before, who accepts writes now, and how long writes failed. */
export interface FailoverResult {
    from: string;
    to: string;
    /** From the disturbance until the first write through primaryUri succeeded on `to`. */
    ms: number;
}

export interface WaitOptions {
    /** Give up after this long. Default 120 000 ms. */
    timeoutMs?: number;
}

const DEFAULT_TIMEOUT = 120_000;

/** Resolves with the member that accepted a write through primaryUri, once it is not `not` (and is `expected`, if given). */
export async function waitForPrimary(info: ClusterInfo, opts: WaitOptions & { not?: string; expected?: string } = {}): Promise<string> {
    return waitFor("a primary accepting writes through primaryUri", opts.timeoutMs ?? DEFAULT_TIMEOUT, async () => {
        const m = await writableMember(info);
        return m !== undefined && m !== opts.not && (opts.expected === undefined || m === opts.expected) ? m : undefined;
    }, 200);
}

/** A replica on the leader's timeline: one Patroni may promote (in synchronous mode, only a synchronous standby). */
function promotable(info: ClusterInfo, statuses: MemberStatus[], leader: MemberStatus): MemberStatus[] {
    return statuses
        .filter((m) => !isLeader(m) && isRunning(m) && m.timeline === leader.timeline && (!info.synchronousMode || isSynchronousStandbyRole(m.role)))
        .sort((a, b) => Number(a.lag ?? 0) - Number(b.lag ?? 0));
}

/**
 * Waits until a leader runs and a replica could take over from it. A disturbance of a cluster that
 * is still recovering from the previous one would test nothing but the timing of the test.
 */
async function leaderWithSuccessor(info: ClusterInfo, what: string, opts: WaitOptions): Promise<{ leader: string; successors: string[] }> {
    let last = "";
    try {
        return await waitFor(`a leader and a replica that can take over (before ${what})`, opts.timeoutMs ?? 60_000, async () => {
            const statuses = await memberStatuses(info);
            const leader = statuses.find(isLeader);
            last = statuses.map((m) => `${m.name} ${m.role}/${m.state}`).join(", ");
            if (!leader || !isRunning(leader)) return undefined;
            const successors = promotable(info, statuses, leader).map((m) => m.name);
            return successors.length ? { leader: leader.name, successors } : undefined;
        });
    } catch (e) {
        throw new Error(`${(e as Error).message} (members: ${last || "none answered"})`);
    }
}

/** Resolves when the cluster is whole again: every member runs on the leader's timeline (and a synchronous standby serves, in synchronous mode). */
export async function waitForHealthy(info: ClusterInfo, opts: WaitOptions = {}): Promise<void> {
    await waitFor("every member running on the leader's timeline", opts.timeoutMs ?? DEFAULT_TIMEOUT, async () => {
        const statuses = await memberStatuses(info);
        const leader = statuses.find(isLeader);
        if (!leader || statuses.length < info.members.length) return false;
        const followers = statuses.filter((m) => m !== leader);
        if (!followers.every((m) => isRunning(m) && m.timeline === leader.timeline)) return false;
        return info.members.length === 1 || promotable(info, statuses, leader).length > 0;
    }, 500);
}

async function afterDisturbance(info: ClusterInfo, log: ProgressLogger, from: string, t0: number, opts: WaitOptions, expected?: string): Promise<FailoverResult> {
    const to = await waitForPrimary(info, { ...opts, not: from, expected });
    const ms = Date.now() - t0;
    log(`${to} accepts writes (was ${from}) after ${seconds(ms)}`);
    return { from, to, ms };
}

/** SIGKILL of the primary's container: the leader key stays in etcd until its ttl runs out. */
export async function killPrimary(info: ClusterInfo, log: ProgressLogger, opts: WaitOptions = {}): Promise<FailoverResult> {
    requireHa(info, "killPrimary");
    const { leader: from } = await leaderWithSuccessor(info, "killPrimary", opts);
    log(`killing primary ${from} (SIGKILL); waiting for a new primary (bounded below by Patroni's ttl, ${TEST_TIMINGS.ttl} s)`);
    const t0 = Date.now();
    await docker(["kill", "--signal", "KILL", member(info, from).container]);
    return afterDisturbance(info, log, from, t0, opts);
}

/** `docker stop` (SIGTERM): Patroni stops PostgreSQL cleanly and releases the leader key. */
export async function stopPrimary(info: ClusterInfo, log: ProgressLogger, opts: WaitOptions = {}): Promise<FailoverResult> {
    requireHa(info, "stopPrimary");
    const { leader: from } = await leaderWithSuccessor(info, "stopPrimary", opts);
    log(`stopping primary ${from} (SIGTERM); waiting for a new primary`);
    const t0 = Date.now();
    // docker stop returns once the container exited; the new primary may be writable before that.
    const stopped = docker(["stop", member(info, from).container]);
    try {
        return await afterDisturbance(info, log, from, t0, opts);
    } finally {
        await stopped;
    }
}

/** A planned switchover through Patroni's REST API, to `candidate` or the most caught-up replica Patroni may promote. */
export async function switchover(info: ClusterInfo, log: ProgressLogger, opts: WaitOptions & { candidate?: string } = {}): Promise<FailoverResult> {
    requireHa(info, "switchover");
    const { leader: from, successors } = await leaderWithSuccessor(info, "switchover", opts);
    const to = opts.candidate ?? successors[0];
    member(info, to);
    log(`switching over from ${from} to ${to} (Patroni REST)`);
    const t0 = Date.now();
    await requestSwitchover(info, from, to);
    return afterDisturbance(info, log, from, t0, opts, to);
}

interface Target {
    name: string;
    container: string;
    kind: "postgres" | "etcd";
}

/**
 * PostgreSQL and etcd members. Not HAProxy or PgBouncer: Docker publishes a reconnected or restarted
 * container's ports at new host ports, which would leave primaryUri or poolerUri pointing nowhere.
 */
function target(info: ClusterInfo, name: string): Target {
    const m = info.members.find((x) => x.name === name);
    if (m) return { name, container: m.container, kind: "postgres" };
    const s = info.services.find((x) => x.name === name && x.kind === "etcd");
    if (s) return { name, container: s.container, kind: "etcd" };
    const all = [...info.members, ...info.services.filter((x) => x.kind === "etcd")].map((x) => x.name).join(", ");
    const why = info.services.some((x) => x.name === name)
        ? ": HAProxy and PgBouncer would come back at new host ports, so the cluster's URIs would go stale"
        : "";
    throw new Error(`${name} cannot be isolated, stopped or restarted in ${info.stackName}${why} (members: ${all})`);
}

/** Cuts a member off the cluster network (no other member, nor the host, reaches it). */
export async function isolate(info: ClusterInfo, log: ProgressLogger, name: string): Promise<void> {
    const t = target(info, name);
    log(`isolating ${name} (docker network disconnect)`);
    await docker(["network", "disconnect", info.network, t.container]);
}

/** Reconnects an isolated member under its DNS alias and waits until it serves again. */
export async function heal(info: ClusterInfo, log: ProgressLogger, name: string, opts: WaitOptions = {}): Promise<void> {
    const t = target(info, name);
    log(`healing ${name} (docker network connect); waiting until it follows the leader`);
    const t0 = Date.now();
    await docker(["network", "connect", "--alias", name, info.network, t.container]);
    await untilServing(info, log, t, opts);
    log(`${name} is back after ${seconds(Date.now() - t0)}`);
}

export interface RejoinOptions extends WaitOptions {
    /**
     * Rebuild the PostgreSQL member from the leader as it starts (`POST /reinitialize`, a fresh base
     * backup), as an operator replacing a member's data would: asked from the moment Patroni answers,
     * and again while Patroni refuses because an action of its own (crash recovery, pg_rewind) runs.
     * Default false.
     */
    rebuild?: boolean;
}

/** Starts a member that killPrimary()/stopPrimary() took down and waits until it serves again (a PostgreSQL member as a replica). */
export async function rejoin(info: ClusterInfo, log: ProgressLogger, name: string, opts: RejoinOptions = {}): Promise<void> {
    const t = target(info, name);
    if (opts.rebuild && t.kind !== "postgres") throw new Error(`${name} is not a PostgreSQL member: only those can be rebuilt`);
    log(`starting ${name}${opts.rebuild ? " and rebuilding it from the leader" : ""}; waiting until it follows the leader`);
    const t0 = Date.now();
    await docker(["start", t.container]);
    if (opts.rebuild) await reinitializeWhenAccepted(info, log, name, opts.timeoutMs ?? DEFAULT_TIMEOUT);
    await untilServing(info, log, t, opts);
    log(`${name} is back after ${seconds(Date.now() - t0)}`);
}

/**
 * Asks for a rebuild until Patroni accepts it (it refuses while it does not answer yet or runs an
 * action of its own), then waits until PostgreSQL runs again from the rebuilt data directory: the
 * member's status in the DCS says "running" until Patroni's next loop, which untilServing would take
 * for the member being back.
 */
async function reinitializeWhenAccepted(info: ClusterInfo, log: ProgressLogger, name: string, timeoutMs: number): Promise<void> {
    let refused = "";
    let before: string | undefined;
    await waitFor(`Patroni on ${name} accepting a reinitialize`, timeoutMs, async () => {
        try {
            before = await postmasterStartTime(info, name);
            await requestReinitialize(info, name);
            return true;
        } catch (e) {
            const why = (e as Error).message;
            if (why !== refused) log(`${name}: ${why}; asking again`);
            refused = why;
            return false;
        }
    }, 500);
    log(`${name}: reinitialize started`);
    await waitFor(`${name} running from its rebuilt data directory`, timeoutMs, async () => {
        const now = await postmasterStartTime(info, name);
        return now !== undefined && now !== before;
    }, 500);
}

async function untilServing(info: ClusterInfo, log: ProgressLogger, t: Target, opts: WaitOptions): Promise<void> {
    const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT;
    if (t.kind === "etcd") {
        await waitFor(`${t.name} healthy`, timeout, async () =>
            (await docker(["inspect", "-f", "{{.State.Health.Status}}", t.container])) === "healthy");
        return;
    }
    const watch = new RejoinWatch();
    let reinitialized = false;
    await waitFor(`${t.name} following the leader`, timeout, async () => {
        const views = await memberViews(info);
        // Every answering member's view: members() reads the first that answers. One stopped on purpose does not answer.
        if (followsLeader(t.name, views, await ownStatus(info, t.name))) return true;
        // The others' view: the member's own may be stale right after it comes back.
        const statuses = info.members.length > 1 ? await memberStatuses(info, [t.name]) : views[0] ?? [];
        const me = statuses.find((m) => m.name === t.name);
        const leader = statuses.find(isLeader);
        if (!me || !leader) return false;
        if (!reinitialized && watch.reinitializeDue(me, leader, Date.now())) {
            log(`${t.name} has stayed on timeline ${me.timeline} (leader: ${leader.timeline}); reinitializing it from the leader`);
            // Not forced: Patroni refuses (HTTP 503) while another action of its own runs, and the next poll asks again.
            reinitialized = await requestReinitialize(info, t.name).then(() => true, (e: Error) => (log(`${t.name}: ${e.message}`), false));
        }
        return false;
    }, 500);
    // Patroni records a new synchronous standby in the DCS a loop or two later; until then nothing
    // could take over, and the next disturbance would leave the cluster without a primary.
    if (info.members.length > 1) await leaderWithSuccessor(info, `${t.name} is back`, opts);
}

function requireHa(info: ClusterInfo, what: string): void {
    if (info.members.length < 2) throw new Error(`${what} needs a cluster with at least 2 nodes; ${info.stackName} has ${info.members.length}`);
}
