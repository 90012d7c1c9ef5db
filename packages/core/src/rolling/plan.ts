// Planning of rolling changes to a Patroni cluster: in which order members are replaced, when
// leadership moves, and when the cluster is healthy enough to take the next member down.
// Pure: the Pulumi resources that act on these decisions live in @pgscale/docker.

/** One member as Patroni's GET /cluster reports it. */
export interface RollingMember {
    name: string;
    role: string;
    state: string;
    /** Bytes behind the leader; Patroni reports "unknown" when it cannot tell. */
    lag?: number | string;
    tags?: { nofailover?: boolean };
}

/** The cluster as the REST API sees it, plus the members streaming from the leader (its pg_stat_replication). */
export interface ClusterView {
    members: RollingMember[];
    /** Maintenance mode (Patroni `pause`). */
    paused?: boolean;
    /** application_name of each walsender on the leader in state "streaming"; undefined when unknown. */
    streaming?: string[];
}

export interface RolloutPlan {
    /** Every member, in the order their containers are (re)registered: replicas first, the leader last. */
    order: string[];
    /** Members whose containers are replaced by this change, in order. */
    replace: string[];
    /** The leader when the plan was made (null: no change, or the cluster could not be reached). */
    leader: string | null;
    /** The plan in words, for `pulumi preview --diff`. */
    steps: string[];
}

export interface RolloutState {
    members: string[];
    /** Member name to the fingerprint of its container's replacing inputs; not an object when unknown. */
    revisions: unknown;
}

// /cluster says "leader" (Patroni 3 and 4); a member's own /patroni says "master" (Patroni 3.0) or
// "primary" (Patroni 4, which pgscale runs with PostgreSQL 17). Every leader test goes through here.
const LEADER_ROLES = new Set(["leader", "master", "primary", "standby_leader"]);
const RUNNING_STATES = new Set(["running", "streaming"]);

/** Roles of a standby a commit waits for: `sync_standby` (synchronous mode), `quorum_standby` (Patroni 4's quorum mode). */
const SYNCHRONOUS_STANDBY_ROLES = new Set(["sync_standby", "quorum_standby"]);

export function isSynchronousStandbyRole(role: string): boolean {
    return SYNCHRONOUS_STANDBY_ROLES.has(role);
}

export function isLeaderRole(role: string): boolean {
    return LEADER_ROLES.has(role);
}

function revisionOf(revisions: unknown, member: string): unknown {
    return revisions && typeof revisions === "object" && !Array.isArray(revisions) ? (revisions as Record<string, unknown>)[member] : undefined;
}

/**
 * Existing members (present before and after) whose container fingerprint changed. An unknown
 * fingerprint (a preview where an input is not known yet) counts as a change.
 */
export function changedMembers(olds: RolloutState | undefined, news: RolloutState): string[] {
    if (!olds) return [];
    return news.members.filter((m) => olds.members.includes(m)).filter((m) => {
        const before = revisionOf(olds.revisions, m);
        const after = revisionOf(news.revisions, m);
        return after === undefined || before !== after;
    });
}

/**
 * Order for a change that replaces `changed` members: members left alone first, then replaced
 * replicas, then the leader, so leadership moves at most once and only after every replica
 * already runs the new revision. Within each group the declared order is kept.
 */
export function planRollout(members: string[], changed: string[], leader: string | null): RolloutPlan {
    const replaced = (m: string) => changed.includes(m);
    const untouched = members.filter((m) => !replaced(m));
    const replicas = members.filter((m) => replaced(m) && m !== leader);
    const last = leader !== null && replaced(leader) ? [leader] : [];
    const replace = [...replicas, ...last];
    const steps: string[] = [];
    for (const m of replicas) steps.push(`replace ${m}${leader === null ? "" : " (replica)"}, then wait until it streams`);
    for (const m of last) steps.push(`switch over from ${m} to a replaced replica`, `replace ${m} (old primary), then wait until it streams`);
    if (replace.length > 0 && leader === null) steps.push("leader unknown: a member that leads when its turn comes is switched over first");
    return { order: [...untouched, ...replace], replace, leader: replace.length ? leader : null, steps };
}

/**
 * The plan for a new program run. With no member replaced and the same members, the stored plan
 * stays (the order only matters while containers are replaced), so a no-op `up` shows no change.
 */
export function nextPlan(olds: (RolloutState & { plan?: RolloutPlan }) | undefined, news: RolloutState, leader: () => string | null): RolloutPlan {
    const changed = changedMembers(olds, news);
    if (changed.length === 0) {
        const same = olds?.plan && olds.plan.order.length === news.members.length && news.members.every((m) => olds.plan!.order.includes(m));
        if (same) return { ...olds!.plan!, replace: [], leader: null, steps: [] };
        return planRollout(news.members, [], null);
    }
    return planRollout(news.members, changed, leader());
}

/** Members of `order` that come before `member`: the containers its gate waits for. */
export function predecessor(order: string[], member: string): string | undefined {
    const i = order.indexOf(member);
    return i > 0 ? order[i - 1] : undefined;
}

function lagBytes(m: RollingMember): number | undefined {
    return typeof m.lag === "number" ? m.lag : /^\d+$/.test(String(m.lag ?? "")) ? Number(m.lag) : undefined;
}

export interface HealthOptions {
    /** A replica further behind than this is not ready. Default 16 MiB. */
    maxLagBytes?: number;
}

/**
 * Whether every expected member except `except` runs, exactly one leads, and every replica
 * streams from it within the lag bound: the condition to take the next member down.
 */
export function clusterSettled(view: ClusterView, expected: string[], except?: string, o: HealthOptions = {}): { ok: boolean; reason: string } {
    const maxLag = o.maxLagBytes ?? 16 * 1024 * 1024;
    const leaders = view.members.filter((m) => isLeaderRole(m.role));
    if (leaders.length !== 1) return { ok: false, reason: `${leaders.length} leaders` };
    const leader = leaders[0];
    if (!RUNNING_STATES.has(leader.state)) return { ok: false, reason: `leader ${leader.name} is ${leader.state}` };
    for (const name of expected.filter((n) => n !== except && n !== leader.name)) {
        const m = view.members.find((x) => x.name === name);
        if (!m) return { ok: false, reason: `${name} is not in the cluster` };
        if (!RUNNING_STATES.has(m.state)) return { ok: false, reason: `${name} is ${m.state}` };
        if (view.streaming && !view.streaming.includes(name)) return { ok: false, reason: `${name} does not stream from ${leader.name}` };
        const lag = lagBytes(m);
        if (lag === undefined || lag > maxLag) return { ok: false, reason: `${name} lags ${m.lag ?? "unknown"}` };
    }
    return { ok: true, reason: "settled" };
}

/**
 * The replica to promote when `leaving` must stop leading: running, allowed to fail over, not
 * leaving itself; members already on the new revision (`prefer`) first, then the least lag.
 */
export function switchoverCandidate(view: ClusterView, leaving: string[], prefer: string[] = []): string | undefined {
    const eligible = view.members.filter((m) =>
        !isLeaderRole(m.role) && !leaving.includes(m.name) && RUNNING_STATES.has(m.state) && !m.tags?.nofailover &&
        (view.streaming === undefined || view.streaming.includes(m.name)) && lagBytes(m) !== undefined);
    eligible.sort((a, b) => Number(prefer.includes(b.name)) - Number(prefer.includes(a.name)) || lagBytes(a)! - lagBytes(b)!);
    return eligible[0]?.name;
}

export type GateStep =
    | { kind: "wait"; reason: string }
    | { kind: "switchover"; from: string; to: string }
    | { kind: "proceed" };

/**
 * What the gate before `member`'s replacement does next: wait until the rest of the cluster is
 * settled (the previous member's replacement streams again), move leadership away if `member`
 * leads, then let the replacement go ahead.
 */
export function gateStep(view: ClusterView, member: string, expected: string[], prefer: string[] = [], o: HealthOptions = {}): GateStep {
    const health = clusterSettled(view, expected, member, o);
    if (!health.ok) return { kind: "wait", reason: health.reason };
    const leader = view.members.find((m) => isLeaderRole(m.role))!;
    if (leader.name !== member) return { kind: "proceed" };
    const to = switchoverCandidate(view, [member], prefer);
    if (!to) return { kind: "wait", reason: `${member} leads and no replica can take over` };
    return { kind: "switchover", from: member, to };
}

/** Patroni's slot name for a member (patroni.dcs.slot_name_from_member_name). */
export function patroniSlotName(member: string): string {
    return member.toLowerCase().replace(/[^a-z0-9_]/g, (c) => (c === "-" || c === "." ? "_" : `u${String(c.codePointAt(0)).padStart(4, "0")}`)).slice(0, 64);
}

/** A removed member has left cleanly once Patroni no longer lists it and the leader dropped its slot. */
export function memberDeparted(view: ClusterView, member: string, leaderSlots: string[] | undefined): { done: boolean; reason: string } {
    if (view.members.some((m) => m.name === member)) return { done: false, reason: `${member} is still listed by Patroni` };
    if (leaderSlots === undefined) return { done: false, reason: "the leader's replication slots are not known" };
    const slot = patroniSlotName(member);
    if (leaderSlots.includes(slot)) return { done: false, reason: `the leader still has slot ${slot}` };
    return { done: true, reason: "departed" };
}

/** One member's own GET /patroni answer (live from that member, unlike /cluster's DCS view). */
export interface MemberStatus {
    name: string;
    /** Undefined when the member did not answer. */
    patroni?: {
        state?: string;
        role?: string;
        replication?: Array<{ application_name?: string; state?: string }>;
        /** Live: a parameter changed that takes effect only after a restart. */
        pending_restart?: boolean;
        /** When the member's HA loop last loaded the cluster from the DCS, in whole seconds. */
        dcs_last_seen?: number;
        /** A replica the /sync key names (synchronous mode): it may be promoted without loss. */
        sync_standby?: boolean;
        /** The same in Patroni 4's quorum mode: a voter in /sync. */
        quorum_standby?: boolean;
    };
}

/**
 * Whether a new or changed cluster is ready: one running leader, every member running, and every
 * replica streaming from the leader. Decided from each member's own /patroni, which is live, rather
 * than from GET /cluster, whose member entries are refreshed once per loop_wait: a replica that
 * streams can still read "starting" there for up to 10 s at the default timings.
 *
 * In synchronous mode (`synchronousMode` as Patroni's `synchronous_mode`: true or "quorum") a cluster
 * of two or more is ready only once Patroni has named a synchronous standby in its /sync key. Until
 * then only the old leader may take the lock: Patroni sets synchronous_standby_names first and writes
 * /sync a cycle later, after the standby caught up, and a primary lost in between is not replaced
 * until it comes back. A replica streaming with sync_state 'sync' is not yet that standby.
 */
export function clusterReady(statuses: MemberStatus[], synchronousMode: unknown = false): { ok: boolean; reason: string } {
    const missing = statuses.filter((s) => !s.patroni).map((s) => s.name);
    if (missing.length) return { ok: false, reason: `no answer from ${missing.join(", ")}` };
    const leaders = statuses.filter((s) => isLeaderRole(s.patroni!.role ?? ""));
    if (leaders.length !== 1) return { ok: false, reason: `${leaders.length} leaders` };
    const notRunning = statuses.filter((s) => s.patroni!.state !== "running");
    if (notRunning.length) return { ok: false, reason: notRunning.map((s) => `${s.name} is ${s.patroni!.state ?? "unknown"}`).join(", ") };
    const streaming = new Set((leaders[0].patroni!.replication ?? []).filter((r) => r.state === "streaming").map((r) => r.application_name));
    const behind = statuses.filter((s) => s !== leaders[0] && !streaming.has(s.name)).map((s) => s.name);
    if (behind.length) return { ok: false, reason: `${behind.join(", ")} not streaming from ${leaders[0].name}` };
    const synchronous = synchronousMode === true || synchronousMode === "quorum";
    if (synchronous && statuses.length > 1 && !statuses.some((s) => s.patroni!.sync_standby || s.patroni!.quorum_standby)) {
        return { ok: false, reason: `${leaders[0].name} has no synchronous standby in /sync yet, so no replica could take over without loss` };
    }
    return { ok: true, reason: `${leaders[0].name} leads, ${statuses.length - 1} streaming` };
}

/**
 * The body of a PATCH /config that changes nothing: a null for a key the DCS document never has.
 * Patroni writes nothing for it and wakes the HA loop of the member that took it (api.py
 * do_PATCH_config), the one way to run a member's loop now from outside.
 */
export const PATRONI_WAKE_PATCH: Readonly<Record<string, null>> = Object.freeze({ pgscale_wake: null });

/**
 * The member to wake (PATRONI_WAKE_PATCH) while a cluster is not ready yet (clusterReady): its one
 * running leader. Much of what a forming cluster waits for is the leader's loop's work: a replica's
 * slot, which Patroni creates in the leader's first loop after the replica registered, and the /sync
 * key. The leader sleeps loop_wait between loops (10 s by default) unless something wakes it, and a
 * new leader can miss the wake of its own first write (its write and its watch race to update its
 * cache). A replica that asks for its slot before it exists tries again only after
 * wal_retrieve_retry_interval (5 s by default), so the wake is worth most before the replicas start:
 * while they are still being cloned, their members already registered.
 */
export function leaderToWake(statuses: MemberStatus[]): string | undefined {
    const leaders = statuses.filter((s) => s.patroni?.state === "running" && isLeaderRole(s.patroni.role ?? ""));
    return leaders.length === 1 ? leaders[0].name : undefined;
}

/**
 * Whether a member has applied a DCS change, from its dcs_last_seen sampled after the PATCH returned.
 * Patroni applies the document (and reloads PostgreSQL, setting pending_restart) at the end of the HA
 * cycle that loaded it, and stamps dcs_last_seen at each load. The first change seen after the PATCH
 * is a load that saw the new document; a second change proves that cycle, reload included, finished.
 * Waiting for this instead of a fixed sleep matters on a loaded machine, where a cycle can outlast
 * loop_wait and a member that has not reloaded yet does not show pending_restart at all.
 */
export function configApplied(samples: Array<number | undefined>): { done: boolean; reason: string } {
    const stamps = samples.filter((n): n is number => typeof n === "number");
    if (stamps.length === 0) {
        return { done: false, reason: samples.length ? "reports no dcs_last_seen (Patroni 2.1 or later is needed)" : "has not answered" };
    }
    let changes = 0;
    for (let i = 1; i < stamps.length; i++) if (stamps[i] > stamps[i - 1]) changes++;
    return changes >= 2 ? { done: true, reason: "applied" } : { done: false, reason: `has run ${changes} of 2 HA cycles since the change` };
}

/** Members whose live status says pending_restart, replicas first and the leader last (one outage, at the end). */
export function pendingRestarts(statuses: MemberStatus[]): string[] {
    return statuses
        .filter((s) => s.patroni?.pending_restart)
        .sort((a, b) => Number(isLeaderRole(a.patroni?.role ?? "")) - Number(isLeaderRole(b.patroni?.role ?? "")))
        .map((s) => s.name);
}
