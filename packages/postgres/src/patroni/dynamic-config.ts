import * as pulumi from "@pulumi/pulumi";

export interface PatroniDynamicConfigArgs {
    /** Patroni REST API base URLs reachable from where `pulumi up` runs, one per member. */
    restUrls: pulumi.Input<pulumi.Input<string>[]>;
    /** REST API credentials for the unsafe endpoints (PATCH /config, restart). */
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    /** The DCS document in Patroni's key names (see renderDcsConfig in @pgscale/core). */
    config: pulumi.Input<Record<string, unknown>>;
    /** Members expected to be running, with all replicas streaming, before the resource is ready. */
    expectMembers: pulumi.Input<number>;
    /** Give up after this many seconds. Default 300. */
    timeoutSeconds?: pulumi.Input<number>;
}

interface Inputs {
    restUrls: string[];
    username: string;
    password: string;
    config: Record<string, unknown>;
    expectMembers: number;
    timeoutSeconds: number;
}

/**
 * Everything the provider does. Kept in one object so the closure Pulumi serializes into the
 * state is this code and nothing else; credentials arrive as inputs on every call.
 */
const provider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: Inputs, news: Inputs) {
        return { inputs: news };
    },

    async diff(_id: string, olds: Inputs, news: Inputs) {
        const stable = (v: unknown): string =>
            JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
        const changed = ["config", "expectMembers", "restUrls", "username", "password"].filter(
            (k) => stable((olds as any)[k]) !== stable((news as any)[k]),
        );
        return { changes: changed.length > 0, replaces: [] };
    },

    async create(inputs: Inputs) {
        await apply(inputs);
        return { id: `patroni-config-${Date.now().toString(36)}`, outs: inputs };
    },

    async update(_id: string, _olds: Inputs, news: Inputs) {
        await apply(news);
        return { outs: news };
    },

    async read(id: string, props: Inputs) {
        // Refresh reports the live DCS values of the keys this resource manages, so drift shows.
        const live = await request(props, "GET", "/config");
        const pick = (want: any, have: any): any => {
            if (!want || typeof want !== "object" || Array.isArray(want)) return have;
            const out: Record<string, unknown> = {};
            for (const k of Object.keys(want)) out[k] = pick(want[k], have?.[k]);
            return out;
        };
        return { id, props: { ...props, config: pick(props.config, live) } };
    },

    async delete() {
        // The DCS settings go away with the cluster; nothing to undo on a live one.
    },
};

async function request(inputs: Inputs, method: string, path: string, body?: unknown, base?: string): Promise<any> {
    const urls = base ? [base] : inputs.restUrls;
    let last: unknown;
    for (const url of urls) {
        try {
            const res = await fetch(url + path, {
                method,
                headers: {
                    "content-type": "application/json",
                    authorization: "Basic " + Buffer.from(`${inputs.username}:${inputs.password}`).toString("base64"),
                },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal: AbortSignal.timeout(5000),
            });
            const text = await res.text();
            if (res.status >= 400 && !(path.startsWith("/cluster") || path.startsWith("/patroni"))) {
                throw new Error(`Patroni ${method} ${path} on ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
            }
            try { return JSON.parse(text); } catch { return text; }
        } catch (e) {
            last = e;
        }
    }
    throw last instanceof Error ? last : new Error(String(last));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a leader, every member running and every replica streaming. */
async function waitForCluster(inputs: Inputs): Promise<void> {
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    let status = "no answer from any member";
    while (Date.now() < deadline) {
        try {
            const cluster = await request(inputs, "GET", "/cluster");
            const members: any[] = cluster?.members ?? [];
            const leader = members.find((m) => m.role === "leader" || m.role === "master");
            const running = members.filter((m) => m.state === "running" || m.state === "streaming");
            status = `${members.length}/${inputs.expectMembers} members, ${running.length} running, leader ${leader ? leader.name : "none"}`;
            if (leader && members.length >= inputs.expectMembers && running.length >= inputs.expectMembers) {
                // /patroni on the leader carries pg_stat_replication; all replicas must stream.
                for (const url of inputs.restUrls) {
                    const p = await request(inputs, "GET", "/patroni", undefined, url).catch(() => undefined);
                    if (p?.role === "master" || p?.role === "primary" || p?.role === "leader") {
                        const streaming = (p.replication ?? []).filter((r: any) => r.state === "streaming").length;
                        status += `, ${streaming}/${inputs.expectMembers - 1} replicas streaming`;
                        if (streaming >= inputs.expectMembers - 1) return;
                    }
                }
            }
        } catch (e) {
            status = (e as Error).message;
        }
        await sleep(500);
    }
    throw new Error(`Patroni cluster not ready after ${inputs.timeoutSeconds}s: ${status}`);
}

function differs(want: any, have: any): boolean {
    if (want && typeof want === "object" && !Array.isArray(want)) {
        return Object.keys(want).some((k) => differs(want[k], have?.[k]));
    }
    return JSON.stringify(want) !== JSON.stringify(have) && String(want) !== String(have);
}

async function apply(inputs: Inputs): Promise<void> {
    await waitForCluster(inputs);
    const live = await request(inputs, "GET", "/config");
    if (!differs(inputs.config, live)) return;
    // PATCH merges into the DCS document; Patroni applies it on every member within one loop.
    await request(inputs, "PATCH", "/config", inputs.config);
    // Parameters that need a restart leave members in pending_restart; restart replicas first.
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    await sleep(((inputs.config.loop_wait as number) ?? 10) * 1000 + 1000);
    while (Date.now() < deadline) {
        const cluster = await request(inputs, "GET", "/cluster");
        const pending = (cluster.members ?? []).filter((m: any) => m.pending_restart);
        if (pending.length === 0) return;
        pending.sort((a: any, b: any) => (a.role === "leader" ? 1 : 0) - (b.role === "leader" ? 1 : 0));
        for (const m of pending) {
            const port = String(m.api_url).split(":").pop()?.split("/")[0];
            const url = inputs.restUrls.find((u) => u.endsWith(`:${port}`));
            await request(inputs, "POST", "/restart", { restart_pending: true }, url ?? inputs.restUrls[0]);
        }
        await waitForCluster(inputs);
    }
}

/**
 * Patroni keeps ttl, loop_wait, parameters and pg_hba in the DCS after bootstrap, so editing a
 * node's patroni.yml changes nothing. This resource brings the live DCS document to the stack's
 * values with `PATCH /config` (an update in `pulumi preview`, never a replacement of nodes),
 * restarts members whose parameters need it, and is ready only once the cluster is.
 */
export class PatroniDynamicConfig extends pulumi.dynamic.Resource {
    public readonly config!: pulumi.Output<Record<string, unknown>>;

    constructor(name: string, args: PatroniDynamicConfigArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { timeoutSeconds: 300, ...args, password: pulumi.secret(args.password) }, opts, "pgscale", "PatroniDynamicConfig");
    }
}
