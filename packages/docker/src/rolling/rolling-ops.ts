import type * as PG from "pg";
import { ClusterView, HealthOptions, PatroniAnswer, PatroniCall, RollingMember, clusterSettled, gateStep, isLeaderRole, memberDeparted, patroniHttp, patroniRequest, sleep, verifiedTls } from "@pgscale/core";

/** A live member as reachable from where `pulumi up` runs. */
export interface LiveMember {
    name: string;
    restUrl: string;
    /** PostgreSQL on the host, for the replication-slot check. */
    pg?: { host: string; port: number };
}

export interface RollingContext {
    /** The members that exist right now (containers come and go during a roll, and so do their ports). */
    discover: () => Promise<LiveMember[]>;
    /** REST API credentials for POST /switchover and PATCH /config. */
    auth: { username: string; password: string };
    /** The CA (PEM) the members' REST certificates chain to, when they serve HTTPS. */
    ca?: string;
    superuserPassword?: string;
    /** The members' PostgreSQL CA when they require TLS: the superuser's session verifies them (verify-full on 127.0.0.1). */
    pgCaPem?: string;
    timeoutSeconds: number;
    health?: HealthOptions;
    log?: (message: string) => void;
}

/** One call to a live member's REST API, its certificate verified against the cluster's CA. */
export function memberRequest(ctx: Pick<RollingContext, "ca">, url: string, path: string, call: PatroniCall = {}): Promise<PatroniAnswer> {
    return patroniRequest(patroniHttp, url, path, { ...call, ...(ctx.ca !== undefined ? { ca: ctx.ca } : {}) });
}

/** GET /cluster from the first member that answers, plus the leader's streaming walsenders. */
export async function readClusterView(ctx: RollingContext): Promise<{ view: ClusterView; live: LiveMember[] } | undefined> {
    const live = await ctx.discover();
    for (const m of live) {
        try {
            const { body } = await memberRequest(ctx, m.restUrl, "/cluster");
            if (!body || !Array.isArray(body.members)) continue;
            const members: RollingMember[] = body.members.map((x: any) => ({ name: String(x.name), role: String(x.role), state: String(x.state), lag: x.lag, tags: x.tags }));
            const leader = members.find((x) => isLeaderRole(x.role));
            const leaderUrl = live.find((x) => x.name === leader?.name)?.restUrl;
            let streaming: string[] | undefined;
            if (leaderUrl) {
                // /patroni on the leader carries its pg_stat_replication.
                const p = await memberRequest(ctx, leaderUrl, "/patroni").catch(() => undefined);
                if (p && Array.isArray(p.body?.replication)) streaming = p.body.replication.filter((r: any) => r.state === "streaming").map((r: any) => String(r.application_name));
            }
            return { view: { members, paused: body.pause === true, streaming }, live };
        } catch {
            // next member
        }
    }
    return undefined;
}

export async function currentLeader(ctx: RollingContext): Promise<string | null> {
    const found = await readClusterView(ctx);
    return found?.view.members.find((m) => isLeaderRole(m.role))?.name ?? null;
}

/**
 * Runs `step` until it is done. Every 200 ms: a step is a few requests to loopback, and a new
 * member's REST API comes up within a second of its start, which a coarser poll would round up.
 */
async function poll(ctx: RollingContext, what: string, step: () => Promise<{ done: boolean; reason: string }>): Promise<void> {
    const deadline = Date.now() + ctx.timeoutSeconds * 1000;
    let reason = "no Patroni member answered";
    let said = "";
    while (Date.now() < deadline) {
        try {
            const r = await step();
            if (r.done) return;
            reason = r.reason;
        } catch (e) {
            reason = (e as Error).message;
        }
        if (reason !== said) ctx.log?.(`${what}: ${reason}`);
        said = reason;
        await sleep(200);
    }
    throw new Error(`${what}: not done after ${ctx.timeoutSeconds}s (${reason})`);
}

/**
 * Before `member`'s container is replaced: waits until every other expected member runs and
 * streams (so the member replaced before it is back), and if `member` leads, switches over to a
 * replica (members in `prefer` first) and waits until the new leader runs.
 */
export async function prepareMemberReplacement(ctx: RollingContext, member: string, expected: string[], prefer: string[]): Promise<void> {
    await poll(ctx, `before replacing ${member}`, async () => {
        const found = await readClusterView(ctx);
        if (!found) return { done: false, reason: "no Patroni member answered" };
        const step = gateStep(found.view, member, expected, prefer, ctx.health);
        if (step.kind === "proceed") return { done: true, reason: "ready" };
        if (step.kind === "wait") return { done: false, reason: step.reason };
        ctx.log?.(`switchover ${step.from} -> ${step.to} before replacing ${step.from}`);
        // Any member accepts the request; it answers once the switchover is done or failed.
        let answer: PatroniAnswer | undefined;
        for (const m of found.live) {
            answer = await memberRequest(ctx, m.restUrl, "/switchover", { method: "POST", auth: ctx.auth, body: { leader: step.from, candidate: step.to }, timeoutMs: 60_000 }).catch(() => undefined);
            if (answer) break;
        }
        if (!answer) return { done: false, reason: "no member accepted POST /switchover" };
        if (answer.status === 401) throw new Error(`POST /switchover: HTTP 401 (REST API credentials rejected)`);
        return { done: false, reason: `switchover ${step.from} -> ${step.to}: HTTP ${answer.status} ${String(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body)).slice(0, 200)}` };
    });
}

/** Every expected member runs and every replica streams from the one leader. */
export async function waitSettled(ctx: RollingContext, expected: string[]): Promise<void> {
    await poll(ctx, "waiting for the cluster to settle", async () => {
        const found = await readClusterView(ctx);
        if (!found) return { done: false, reason: "no Patroni member answered" };
        const s = clusterSettled(found.view, expected, undefined, ctx.health);
        return { done: s.ok, reason: s.reason };
    });
}

async function leaderSlots(ctx: RollingContext, leader: LiveMember | undefined): Promise<string[] | undefined> {
    if (!leader?.pg || ctx.superuserPassword === undefined) return undefined;
    // Loaded on first use, as in partitioned-table/session.ts: programs that only declare resources never load the driver.
    const { Client } = require("pg") as typeof PG;
    const c = new Client({ host: leader.pg.host, port: leader.pg.port, user: "postgres", password: ctx.superuserPassword, database: "postgres", connectionTimeoutMillis: 5000, ssl: verifiedTls(ctx.pgCaPem) });
    c.on("error", () => undefined);
    try {
        await c.connect();
        return (await c.query("SELECT slot_name FROM pg_replication_slots")).rows.map((r) => String(r.slot_name));
    } finally {
        await c.end().catch(() => undefined);
    }
}

/**
 * After a member's container was removed: waits until Patroni no longer lists it (its member key
 * expired) and the leader dropped its replication slot, so nothing keeps WAL for a gone replica.
 * Returns at once when the cluster is paused (torn down) or no other member is left.
 */
export async function awaitDeparture(ctx: RollingContext, member: string): Promise<void> {
    const first = await readClusterView(ctx).catch(() => undefined);
    if (!first || first.view.paused || first.live.filter((m) => m.name !== member).length === 0) return;
    await poll(ctx, `waiting for ${member} to leave the cluster`, async () => {
        const found = await readClusterView(ctx);
        if (!found) return { done: false, reason: "no Patroni member answered" };
        if (found.view.paused) return { done: true, reason: "paused" };
        const leader = found.view.members.find((m) => isLeaderRole(m.role));
        const slots = await leaderSlots(ctx, found.live.find((m) => m.name === leader?.name));
        const d = memberDeparted(found.view, member, slots);
        return { done: d.done, reason: d.reason };
    });
}

/**
 * Maintenance mode before a teardown: Patroni stops reacting to members going away, so deleting
 * them one by one causes no failovers and the departure waits are skipped.
 */
export async function pauseForTeardown(ctx: RollingContext): Promise<void> {
    for (const m of await ctx.discover().catch(() => [] as LiveMember[])) {
        const r = await memberRequest(ctx, m.restUrl, "/config", { method: "PATCH", auth: ctx.auth, body: { pause: true } }).catch(() => undefined);
        if (r && r.status < 300) return;
    }
}

/** Leaves maintenance mode (after a teardown that failed half way, the cluster is used again). */
export async function resumeIfPaused(ctx: RollingContext, waitMs = 30_000): Promise<void> {
    // The members were just started: ask until one answers (Patroni's REST API listens about a
    // second after its container starts), so a pause is not missed for want of an answer. A cluster
    // none of whose members answers within waitMs is left to PatroniDynamicConfig, which reports it.
    const deadline = Date.now() + waitMs;
    let found = await readClusterView(ctx).catch(() => undefined);
    while (!found && Date.now() < deadline) {
        await sleep(250);
        found = await readClusterView(ctx).catch(() => undefined);
    }
    if (!found?.view.paused) return;
    for (const m of found.live) {
        const r = await memberRequest(ctx, m.restUrl, "/config", { method: "PATCH", auth: ctx.auth, body: { pause: false } }).catch(() => undefined);
        if (r && r.status < 300) return;
    }
}
