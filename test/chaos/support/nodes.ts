import { execFile } from "child_process";
import { configApplied, HAPROXY_SHOW_SERVERS_STATE, HAProxyServerState, parseServerState, patroniHttp, patroniRequest, sleep } from "@pgscale/core";
import { ChaosCluster } from "./cluster";

/** Runs the docker CLI without blocking the event loop (the writers keep going meanwhile). */
export function dockerAsync(args: string[], timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("docker", args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`docker ${args.join(" ")}: ${(stderr || err.message).trim()}`));
            else resolve(stdout.trim());
        });
    });
}

/** A container's log since `since` (Patroni logs to stderr, which `docker logs` replays on stderr). */
export function dockerLogsSince(container: string, since: number): Promise<string> {
    return new Promise((resolve) => {
        execFile("docker", ["logs", "--since", new Date(since).toISOString(), container], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
            (err, stdout, stderr) => resolve(err ? err.message : `${stdout}${stderr}`));
    });
}

/** HAProxy's live server states, from its runtime API inside the container (loopback only). */
export async function haproxyServerStates(container: string): Promise<HAProxyServerState[]> {
    return parseServerState(await dockerAsync(["exec", container, "bash", "-c", HAPROXY_SHOW_SERVERS_STATE], 10_000));
}

/** One statement as the superuser on a member's local socket: works whatever the network does. */
export function psqlOn(container: string, sql: string, database = "appdb"): Promise<string> {
    return dockerAsync(["exec", container, "psql", "-XAtq", "-h", "/var/run/postgresql", "-d", database, "-c", sql], 30_000);
}

/** Patroni's REST API of a member at its current host port (Docker moves it when a container restarts or reconnects). */
async function restUrl(c: ChaosCluster, container: string): Promise<string> {
    const out = await dockerAsync(["port", container, "8008/tcp"]);
    const hostPort = out.split("\n").map((l) => l.trim()).find((l) => l.startsWith("127.0.0.1:"));
    if (!hostPort) throw new Error(`${container}: Patroni's port is not published`);
    return `${c.info.restApi.ca ? "https" : "http"}://${hostPort}`;
}

/**
 * PATCH /config (Patroni's dynamic configuration, kept in the DCS) through the first member that
 * accepts it, within `waitMs`. It is a DCS read and write: right after etcd regained its quorum a
 * member may still fail to read the DCS (its auth token died with the restarted etcd members), and
 * Patroni then ends the request by closing the connection, with no status; so every member is
 * tried again until the deadline (CI saw all three refuse once, a second after the previous
 * scenario's recovery).
 */
export async function patchDynamicConfig(c: ChaosCluster, body: Record<string, unknown>, waitMs = 60_000): Promise<void> {
    let last: unknown;
    for (const deadline = Date.now() + waitMs; Date.now() < deadline; await sleep(1000)) {
        for (const container of Object.values(c.containers.members)) {
            try {
                const { ca, ...auth } = c.info.restApi;
                const res = await patroniRequest(patroniHttp, await restUrl(c, container), "/config", { method: "PATCH", body, auth, timeoutMs: 10_000, ...(ca ? { ca } : {}) });
                if (res.ok) return;
                last = new Error(`PATCH /config: HTTP ${res.status} ${res.text}`);
            } catch (e) {
                last = e;
            }
        }
    }
    throw last;
}

/** The DCS document (GET /config) as the first member that answers has it. */
export async function dynamicConfig(c: ChaosCluster): Promise<Record<string, unknown>> {
    let last: unknown;
    for (const container of Object.values(c.containers.members)) {
        try {
            const { ca } = c.info.restApi;
            const res = await patroniRequest(patroniHttp, await restUrl(c, container), "/config", { timeoutMs: 10_000, ...(ca ? { ca } : {}) });
            if (res.ok && typeof res.body === "object") return res.body as Record<string, unknown>;
            last = new Error(`GET /config: HTTP ${res.status} ${res.text}`);
        } catch (e) {
            last = e;
        }
    }
    throw last;
}

/**
 * After failsafe_mode is switched on, the leader writes the /failsafe key on a later loop and each
 * member loads it on its own; until every member lists the whole topology, the leader's POST
 * /failsafe is refused somewhere and losing the DCS would demote it anyway.
 */
export async function untilFailsafeTopology(c: ChaosCluster, timeoutMs = 30_000): Promise<void> {
    const names = Object.keys(c.containers.members).sort();
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
        const views = await Promise.all(Object.values(c.containers.members).map(async (container) => {
            const { ca } = c.info.restApi;
            const res = await patroniRequest(patroniHttp, await restUrl(c, container), "/failsafe", { timeoutMs: 5_000, ...(ca ? { ca } : {}) }).catch(() => undefined);
            return res?.ok ? Object.keys(res.body as Record<string, unknown>).sort().join(",") : `HTTP ${res?.status ?? "no answer"}`;
        }));
        if (views.every((v) => v === names.join(","))) return;
        last = views.join("; ");
        await sleep(250);
    }
    throw new Error(`the failsafe topology did not reach every member in ${timeoutMs} ms: ${last}`);
}

/**
 * Resolves once every member has run two HA cycles that read the DCS since this was called
 * (configApplied over GET /patroni's dcs_last_seen, which that request does not refresh itself).
 * Switching failsafe_mode off before then demotes the leader: members that already loaded the new
 * document answer its POST /failsafe with an error, and a leader whose own etcd client has not
 * reconnected yet takes that as the topology lost (seen in CI: the primary shut down 2 s after
 * etcd's restart). Patroni's failsafe_mode_is_active is no signal here: it stays true for ttl
 * after the leader's last POST /failsafe.
 */
export async function untilMembersOnDcs(c: ChaosCluster, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const samples = new Map<string, Array<number | undefined>>(Object.keys(c.containers.members).map((n) => [n, []]));
    let waiting: string[] = [];
    while (Date.now() < deadline) {
        await Promise.all(Object.entries(c.containers.members).map(async ([name, container]) => {
            const { ca } = c.info.restApi;
            const res = await patroniRequest(patroniHttp, await restUrl(c, container), "/patroni", { timeoutMs: 5_000, ...(ca ? { ca } : {}) }).catch(() => undefined);
            samples.get(name)!.push((res?.body as { dcs_last_seen?: number } | undefined)?.dcs_last_seen);
        }));
        waiting = [...samples].map(([name, s]) => ({ name, ...configApplied(s) })).filter((a) => !a.done).map((a) => `${a.name} ${a.reason}`);
        if (waiting.length === 0) return;
        await sleep(250);
    }
    throw new Error(`members did not all read the DCS again within ${timeoutMs} ms: ${waiting.join("; ")}`);
}
