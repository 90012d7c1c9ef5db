import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

export interface PatroniMemberEndpoint {
    /** Patroni member name. */
    name: pulumi.Input<string>;
    /** Its REST API base URL, reachable from where `pulumi up` runs. */
    restUrl: pulumi.Input<string>;
}

export interface PatroniDynamicConfigArgs {
    members: pulumi.Input<pulumi.Input<PatroniMemberEndpoint>[]>;
    /** REST API credentials for the unsafe endpoints (PATCH /config, restart). */
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    /** The DCS document in Patroni's key names (see renderDcsConfig in @pgscale/core). */
    config: pulumi.Input<Record<string, unknown>>;
    /** The CA (PEM) the members' `https` REST certificates chain to. Default: none (plain `http` URLs). */
    caPem?: pulumi.Input<string | undefined>;
    /** Give up after this many seconds. Default 300. */
    timeoutSeconds?: pulumi.Input<number>;
}

export interface Inputs {
    members: Array<{ name: string; restUrl: string }>;
    username: string;
    password: string;
    config: Record<string, unknown>;
    caPem?: string;
    timeoutSeconds: number;
}

/** @pgscale/core as this package resolves it, wherever the provider runs (own-package.ts). */
const load = packageRequire(POSTGRES_PACKAGE);

/**
 * Everything the provider does lives in this object (called through the package's one provider,
 * providers.ts; a state written before that holds it serialized); credentials arrive as (secret)
 * inputs on every call.
 */
export const patroniDynamicConfigProvider: pulumi.dynamic.ResourceProvider = {
    async diff(_id: string, olds: Inputs, news: Inputs) {
        const { stableJson } = load("@pgscale/core") as typeof import("@pgscale/core");
        const changed = ["config", "members", "username", "password"].filter((k) => stableJson((olds as any)[k]) !== stableJson((news as any)[k]));
        return { changes: changed.length > 0, replaces: [] };
    },

    async create(inputs: Inputs) {
        await reconcile(inputs);
        return { id: `patroni-config-${Date.now().toString(36)}`, outs: inputs };
    },

    async update(_id: string, olds: Inputs, news: Inputs) {
        // Pulumi deletes removed members' containers after all updates, so moving leadership off
        // them here means a scale-down never takes the primary away.
        const removed = olds.members.filter((m) => !news.members.some((n) => n.name === m.name)).map((m) => m.name);
        if (removed.length) await leaveLeadership(news, removed);
        await reconcile(news);
        return { outs: news };
    },

    async read(id: string, props: Inputs) {
        // Refresh reports the live DCS values of the keys this resource manages, so drift shows.
        const live = await dcsConfig(props, 0);
        const pick = (want: any, have: any): any => {
            if (!want || typeof want !== "object" || Array.isArray(want)) return have;
            return Object.fromEntries(Object.keys(want).map((k) => [k, pick(want[k], have?.[k])]));
        };
        return { id, props: { ...props, config: pick(props.config, live) } };
    },

    async delete() {
        // The DCS document goes away with the cluster; nothing to undo on a live one.
    },
};

/** How often a forming cluster's leader is woken at most: each wake is one more loop of it. */
const WAKE_INTERVAL_MS = 1000;

/** POST /restart answers only once the member's PostgreSQL is back. */
const RESTART_TIMEOUT_MS = 120_000;

/** Calls the first member that answers (or `only`); 4xx/5xx from unsafe endpoints are errors. */
async function call(inputs: Inputs, method: string, path: string, body?: unknown, only?: string, timeoutMs?: number): Promise<any> {
    const { patroniHttp, patroniRequest } = load("@pgscale/core") as typeof import("@pgscale/core");
    let last: unknown = new Error("no Patroni member configured");
    for (const url of only ? [only] : inputs.members.map((m) => m.restUrl)) {
        try {
            const res = await patroniRequest(patroniHttp, url, path, {
                method, body, auth: { username: inputs.username, password: inputs.password }, ...(inputs.caPem ? { ca: inputs.caPem } : {}), ...(timeoutMs ? { timeoutMs } : {}),
            });
            // GET /patroni answers 503 on a member that is not running yet, with a useful body.
            if (res.status >= 400 && method !== "GET") throw new Error(`Patroni ${method} ${path} on ${url}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
            return res.body;
        } catch (e) {
            last = e;
        }
    }
    throw last;
}

/**
 * Each member's own GET /patroni (live; undefined when it does not answer). Hedged: Patroni holds a
 * GET /patroni that finds PostgreSQL not accepting connections for a second before it asks again, so
 * one asked as a new member's PostgreSQL starts would report its bootstrap a second late.
 */
async function memberStatuses(inputs: Inputs): Promise<import("@pgscale/core").MemberStatus[]> {
    const { hedge } = load("@pgscale/core") as typeof import("@pgscale/core");
    return Promise.all(inputs.members.map(async (m) => ({
        name: m.name,
        patroni: await hedge(() => call(inputs, "GET", "/patroni", undefined, m.restUrl), 250, 4).then((p) => (p && typeof p === "object" ? p : undefined), () => undefined),
    })));
}

/**
 * Waits until every member has run two HA cycles that read the DCS (see configApplied): after a
 * PATCH, the cycle that loaded the new document has finished. Samples only GET /patroni: GET
 * /cluster and /config would reload the member's DCS view from the API thread and stamp
 * dcs_last_seen themselves. Returns the members' live statuses after it.
 */
async function untilApplied(inputs: Inputs, what = "did not apply the configuration"): Promise<import("@pgscale/core").MemberStatus[]> {
    const { configApplied, sleep } = load("@pgscale/core") as typeof import("@pgscale/core");
    const samples = new Map<string, Array<number | undefined>>(inputs.members.map((m) => [m.name, []]));
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    for (;;) {
        const statuses = await memberStatuses(inputs);
        for (const s of statuses) if (s.patroni) samples.get(s.name)!.push(s.patroni.dcs_last_seen);
        const waiting = statuses.map((s) => ({ name: s.name, ...configApplied(samples.get(s.name)!) })).filter((a) => !a.done);
        if (waiting.length === 0) return statuses;
        if (Date.now() >= deadline) {
            throw new Error(`Patroni members ${what} in ${inputs.timeoutSeconds}s: ${waiting.map((w) => `${w.name} ${w.reason}`).join("; ")}`);
        }
        await sleep(250);
    }
}

/**
 * Waits until a leader runs, every member runs, and every replica streams from the leader, as each
 * member reports itself (GET /patroni, live) rather than as GET /cluster shows it (refreshed once per
 * loop_wait), so `pulumi up` returns when the cluster is usable, not up to a loop later. With
 * `synchronousMode` (Patroni's synchronous_mode) it also waits for a synchronous standby in /sync,
 * so a primary lost right after `up` fails over (see clusterReady).
 */
async function waitForCluster(inputs: Inputs, synchronousMode: unknown = false): Promise<void> {
    const { clusterReady, leaderToWake, PATRONI_WAKE_PATCH, sleep } = load("@pgscale/core") as typeof import("@pgscale/core");
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    let status = "no answer from any member";
    let woken = 0;
    let wokenAt = "";
    while (Date.now() < deadline) {
        const statuses = await memberStatuses(inputs);
        const ready = clusterReady(statuses, synchronousMode);
        if (ready.ok) return;
        status = ready.reason;
        // Much of what is missing is the leader's loop's to do (a replica's slot, /sync): run it now
        // rather than after loop_wait (leaderToWake), at once when a member's state moved (a replica
        // that registered and is being cloned needs its slot before it starts), else every second.
        // A wake the leader spends on a loop before it is ready for it is followed by the next.
        const leader = leaderToWake(statuses);
        const states = JSON.stringify(statuses.map((s) => [s.name, s.patroni?.state, s.patroni?.role]));
        if (leader && (states !== wokenAt || Date.now() - woken >= WAKE_INTERVAL_MS)) {
            woken = Date.now();
            wokenAt = states;
            await call(inputs, "PATCH", "/config", PATRONI_WAKE_PATCH, inputs.members.find((m) => m.name === leader)!.restUrl).catch(() => undefined);
        }
        await sleep(200);
    }
    throw new Error(`Patroni cluster not ready after ${inputs.timeoutSeconds}s: ${status}`);
}

/** Switches over away from `leaving` members, if one of them leads, to a healthy remaining member. */
async function leaveLeadership(inputs: Inputs, leaving: string[]): Promise<void> {
    const { sleep, isLeaderRole } = load("@pgscale/core") as typeof import("@pgscale/core");
    const members: any[] = (await call(inputs, "GET", "/cluster"))?.members ?? [];
    // "leader" in /cluster; isLeaderRole also takes Patroni 3's "master" and Patroni 4's "primary".
    const leader = members.find((m) => isLeaderRole(m.role));
    if (!leader || !leaving.includes(leader.name)) return;
    const candidate = members.find((m) => !leaving.includes(m.name) && !isLeaderRole(m.role) && (m.state === "running" || m.state === "streaming") && !m.tags?.nofailover);
    if (!candidate) throw new Error(`cannot remove ${leader.name}: it is the primary and no remaining member can take over`);
    await call(inputs, "POST", "/switchover", { leader: leader.name, candidate: candidate.name }, inputs.members.find((m) => m.name === leader.name)?.restUrl);
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    while (Date.now() < deadline) {
        const now: any[] = (await call(inputs, "GET", "/cluster").catch(() => undefined))?.members ?? [];
        if (now.some((m) => m.name === candidate.name && isLeaderRole(m.role) && m.state === "running")) return;
        await sleep(500);
    }
    throw new Error(`switchover from ${leader.name} to ${candidate.name} did not finish in ${inputs.timeoutSeconds}s`);
}

/** True when any managed key differs; Patroni reports numbers and booleans as it stores them. */
function differs(want: any, have: any): boolean {
    if (want && typeof want === "object" && !Array.isArray(want)) return Object.keys(want).some((k) => differs(want[k], have?.[k]));
    return JSON.stringify(want) !== JSON.stringify(have) && String(want) !== String(have);
}

/**
 * The DCS document. A member reports itself a running primary while its post-bootstrap script still
 * creates users, and writes the document only after it (GET /config answers 502, PATCH 503 until then).
 */
async function dcsConfig(inputs: Inputs, waitSeconds = inputs.timeoutSeconds): Promise<Record<string, unknown>> {
    const { sleep } = load("@pgscale/core") as typeof import("@pgscale/core");
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
        const live = await call(inputs, "GET", "/config").catch((e: Error) => e.message);
        if (live && typeof live === "object") return live;
        if (Date.now() >= deadline) throw new Error(`Patroni has no DCS configuration (waited ${waitSeconds}s): GET /config answered ${String(live).slice(0, 200)}`);
        await sleep(250);
    }
}

/** Exported for its tests only (the package index does not re-export it). */
export async function reconcile(inputs: Inputs): Promise<void> {
    await waitForCluster(inputs);
    const live = await dcsConfig(inputs);
    const { dcsPatch, switchesFailsafeOff } = load("@pgscale/core") as typeof import("@pgscale/core");
    const patch = dcsPatch(inputs.config, live);
    if (differs(patch, live)) {
        // A leader that cannot read the DCS lives on failsafe; switching it off then demotes it.
        if (switchesFailsafeOff(patch, live)) await untilApplied(inputs, "did not all read the DCS, so failsafe_mode stays on (switching it off would demote a leader that cannot reach the DCS)");
        await apply(inputs, patch);
    }
    // Last, and with the document's synchronous_mode in force: ready means a failover is possible.
    await waitForCluster(inputs, inputs.config.synchronous_mode);
}

/**
 * PATCH /config through the first member that takes it. Patroni ends the request with no answer
 * when it cannot read the DCS (etcd regaining its quorum, a token to renew), so a request no member
 * answered is tried again until the deadline; an HTTP error is final.
 */
async function patchConfig(inputs: Inputs, patch: Record<string, unknown>): Promise<void> {
    const { sleep } = load("@pgscale/core") as typeof import("@pgscale/core");
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    for (;;) {
        try {
            return await call(inputs, "PATCH", "/config", patch);
        } catch (e) {
            if (/: HTTP \d{3} /.test((e as Error).message) || Date.now() >= deadline) throw e;
            await sleep(1000);
        }
    }
}

/** PATCHes the document, waits until every member applied it, and restarts those that need it. */
async function apply(inputs: Inputs, patch: Record<string, unknown>): Promise<void> {
    // PATCH merges into the DCS document (dcsPatch names dropped entries with null); each member
    // applies it at the end of its next HA cycle.
    await patchConfig(inputs, patch);
    let statuses = await untilApplied(inputs);
    // Parameters such as shared_buffers only take effect after a restart: replicas first, leader last.
    const { pendingRestarts } = load("@pgscale/core") as typeof import("@pgscale/core");
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    while (Date.now() < deadline) {
        const pending = pendingRestarts(statuses);
        if (pending.length === 0) return;
        for (const name of pending) {
            const url = inputs.members.find((x) => x.name === name)!.restUrl; // statuses come from inputs.members
            // 503 "restart conditions are not satisfied": nothing is pending there any more.
            // Patroni answers once PostgreSQL restarted, which takes seconds (more on a loaded machine).
            await call(inputs, "POST", "/restart", { restart_pending: true }, url, RESTART_TIMEOUT_MS).catch((e: Error) => {
                if (!/HTTP 503/.test(e.message)) throw e;
            });
            await waitForCluster(inputs);
        }
        // A restart clears the member's live pending_restart; read them again.
        statuses = await memberStatuses(inputs);
    }
    throw new Error(`Patroni members still pending restart after ${inputs.timeoutSeconds}s`);
}

/**
 * Patroni keeps ttl, loop_wait, parameters and pg_hba in the DCS after bootstrap, so editing a
 * node's patroni.yml changes nothing on a running cluster. This resource brings the live DCS
 * document to the stack's values with `PATCH /config` (an update in `pulumi preview`, never a
 * replacement of nodes), restarts members whose parameters need it, and is ready only once every
 * member runs and every replica streams, so `pulumi up` returns a usable cluster.
 */
export class PatroniDynamicConfig extends PgscaleDynamicResource {
    public readonly config!: pulumi.Output<Record<string, unknown>>;

    constructor(name: string, args: PatroniDynamicConfigArgs, opts?: pulumi.CustomResourceOptions) {
        super(POSTGRES_PROVIDER, name, { timeoutSeconds: 300, ...args, password: pulumi.secret(args.password) }, opts, "pgscale", "PatroniDynamicConfig");
    }
}
