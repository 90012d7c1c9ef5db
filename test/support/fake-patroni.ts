import * as http from "http";
import { AddressInfo } from "net";
import { PATRONI_WAKE_PATCH } from "@pgscale/core";

// A stand-in for Patroni's REST API with the endpoints and fields Patroni 3.0.2 serves, for the
// two implementations of the DCS reconcile (PatroniDynamicConfig's provider and the Kubernetes
// Job's script). Each member's URL is `${base}/${name}`; basic auth patroni:api-pw.

export interface FakeMember { name: string; role: string; state: string; pending_restart?: boolean }

/** A request the stand-in received. */
export interface FakeCall { method: string; member: string; path: string; body?: any; authorized: boolean }

/** A PATCH /config to `member` that changes nothing (@pgscale/core PATRONI_WAKE_PATCH; the reconcile script's WAKE_PATCH). */
export const isWake = (c: FakeCall, member: string): boolean =>
    c.method === "PATCH" && c.path === "/config" && c.member === member && JSON.stringify(c.body) === JSON.stringify(PATRONI_WAKE_PATCH);

/**
 * Each member's HA loop stamps dcs_last_seen once per cycle. A PATCH takes effect as Patroni
 * applies it: at the end of the cycle that loads it, so a member shows pending_restart (live, on
 * /patroni) only two stamps later; a member in `frozen` never runs a cycle (or, with
 * `frozenForMs`, none until that long after the start: a member cut off the DCS that comes back). Cycles are counted
 * from the clock, not from timer ticks: a loaded machine that delays timers (and the requests
 * alike) must not make a running member look stalled.
 */
/**
 * In synchronous mode (the document's synchronous_mode true or "quorum") the first streaming replica
 * is the one /sync names, in /cluster's role and its own /patroni: from `syncAfterMs` after the
 * start (Patroni writes /sync a cycle after synchronous_standby_names), never if `namesSyncStandby`
 * is false.
 *
 * With `streamsOnceWoken`, the replicas stream only after the leader took a PATCH /config (whose
 * handler wakes Patroni's HA loop): a leader whose loop sleeps before it has made their slots.
 */
function fakePatroni(members: FakeMember[], config: Record<string, any>, o: { streaming?: number; cycleMs?: number; frozen?: string[]; frozenForMs?: number; namesSyncStandby?: boolean; syncAfterMs?: number; dropPatches?: number; streamsOnceWoken?: boolean } = {}) {
    // The first `dropPatches` PATCH requests end with no answer, as Patroni's do while it cannot read the DCS.
    let dropPatches = o.dropPatches ?? 0;
    let woken = !o.streamsOnceWoken;
    const streamingNow = () => (woken ? o.streaming ?? members.length - 1 : 0);
    const calls: FakeCall[] = [];
    /** When each call arrived, in ms after the start (calls[i] at callTimes[i]). */
    const callTimes: number[] = [];
    const startedAt = Date.now();
    const cycleMs = o.cycleMs ?? 300;
    const frozen = (name: string) => !!o.frozen?.includes(name) && (o.frozenForMs === undefined || Date.now() - startedAt < o.frozenForMs);
    const stamp = (name: string) => 1_700_000_000 + (frozen(name) ? 0 : Math.floor((Date.now() - startedAt) / cycleMs));
    const appliedAt = new Map<string, number>();
    const pending = (m: FakeMember) => !!m.pending_restart && stamp(m.name) >= (appliedAt.get(m.name) ?? 0);
    const quorum = () => String(config.synchronous_mode) === "quorum";
    const isSync = (m: FakeMember) => (o.namesSyncStandby ?? true) && Date.now() - startedAt >= (o.syncAfterMs ?? 0)
        && ["true", "quorum"].includes(String(config.synchronous_mode))
        && streamingNow() > 0 && m === members.filter((x) => x.role !== "leader")[0];
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (c) => (raw += c));
        req.on("end", () => {
            const [, member, ...rest] = (req.url ?? "").split("/");
            const route = "/" + rest.join("/");
            const body = raw ? JSON.parse(raw) : undefined;
            const authorized = req.headers.authorization === "Basic " + Buffer.from("patroni:api-pw").toString("base64");
            calls.push({ method: req.method!, member, path: route, body, authorized });
            callTimes.push(Date.now() - startedAt);
            const json = (status: number, doc: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(doc));
            const m = members.find((x) => x.name === member)!;
            if (req.method === "GET" && route === "/cluster") {
                return json(200, { members: members.map((x) => ({ ...x, ...(isSync(x) ? { role: quorum() ? "quorum_standby" : "sync_standby" } : {}), pending_restart: pending(x) })) });
            }
            if (req.method === "GET" && route === "/patroni") {
                const leads = m.role === "leader";
                return json(200, {
                    state: "running", role: leads ? "master" : "replica", dcs_last_seen: stamp(m.name),
                    ...(pending(m) ? { pending_restart: true } : {}),
                    ...(isSync(m) ? { [quorum() ? "quorum_standby" : "sync_standby"]: true } : {}),
                    ...(leads ? { replication: members.filter((x) => x !== m).slice(0, streamingNow()).map((x) => ({ application_name: x.name, state: "streaming" })) } : {}),
                });
            }
            if (req.method === "GET" && route === "/config") return json(200, config);
            if (!authorized) return json(401, { error: "no auth" });
            if (req.method === "PATCH" && route === "/config") {
                if (dropPatches > 0) {
                    dropPatches--;
                    return req.socket.destroy();
                }
                if (m.role === "leader") woken = true;
                const before = JSON.stringify(config);
                patchConfig(config, body);
                // As Patroni: a patch that changes nothing is not written.
                if (JSON.stringify(config) === before) return json(200, config);
                // A changed max_connections needs a restart on every member, once each has applied it.
                members.forEach((x) => {
                    x.pending_restart = true;
                    appliedAt.set(x.name, stamp(x.name) + 2);
                });
                return json(200, config);
            }
            if (req.method === "POST" && route === "/restart") {
                if (!pending(m)) return json(503, "restart conditions are not satisfied");
                m.pending_restart = false;
                return json(200, { ok: true });
            }
            return json(404, {});
        });
    });
    return { server, calls, callTimes };
}

/** Patroni's patch_config: objects merge key by key, a null removes the key, anything else replaces it. */
function patchConfig(config: Record<string, any>, patch: Record<string, any>): void {
    for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete config[k];
        else if (v && typeof v === "object" && !Array.isArray(v) && config[k] && typeof config[k] === "object") patchConfig(config[k], v);
        else config[k] = v;
    }
}

export async function startFakePatroni(members: FakeMember[], config: Record<string, any>, o?: Parameters<typeof fakePatroni>[2]) {
    const fake = fakePatroni(members, config, o);
    await new Promise<void>((r) => fake.server.listen(0, "127.0.0.1", () => r()));
    return { ...fake, base: `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}` };
}
