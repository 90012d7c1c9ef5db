import { isLeader, patroniHttp, patroniRequest } from "@pgscale/core";
import { ClusterInfo, MemberInfo } from "./cluster-info";
import { docker } from "./docker-cli";
import type { OwnStatus } from "./rejoin-policy";

const PATRONI_API_PORT = 8008;

/** A member as Patroni's `GET /cluster` reports it. */
export interface MemberStatus {
    name: string;
    role: string;
    state: string;
    timeline?: number;
    lag?: number | string;
}

export const isRunning = (m: MemberStatus) => m.state === "running" || m.state === "streaming";

async function getJson(restUrl: string, path: string, ca?: string): Promise<any> {
    const res = await patroniRequest(patroniHttp, restUrl, path, { timeoutMs: 2000, ...(ca ? { ca } : {}) });
    if (!res.ok) throw new Error(`GET ${restUrl}${path}: HTTP ${res.status}`);
    if (typeof res.body !== "object") throw new Error(`GET ${restUrl}${path}: not JSON: ${res.text.slice(0, 200)}`);
    return res.body;
}

/**
 * Docker publishes a container's ports anew (at new host ports) when it is restarted or reconnected
 * to its network, so after rejoin() or heal() the recorded REST URL is stale: ask the engine.
 */
async function refreshRestUrl(m: MemberInfo): Promise<boolean> {
    const port = await docker(["port", m.container, `${PATRONI_API_PORT}/tcp`]).catch(() => "");
    const hostPort = port.split("\n").map((l) => l.trim()).find((l) => l.startsWith("127.0.0.1:"));
    const url = `${new URL(m.restUrl).protocol}//${hostPort}`;
    if (!hostPort || url === m.restUrl) return false;
    m.restUrl = url;
    return true;
}

/** GET on a member's REST API, following its host port if Docker moved it. */
async function getFromMember(m: MemberInfo, path: string, ca?: string): Promise<any> {
    try {
        return await getJson(m.restUrl, path, ca);
    } catch (e) {
        if (await refreshRestUrl(m)) return getJson(m.restUrl, path, ca);
        throw e;
    }
}

/**
 * The cluster as the first reachable member sees it (skipping `exclude`, e.g. an isolated or
 * stopped member whose view is stale). Health endpoints need no credentials.
 */
export async function memberStatuses(info: ClusterInfo, exclude: string[] = []): Promise<MemberStatus[]> {
    let last: unknown = new Error("no member to ask");
    for (const m of info.members.filter((x) => !exclude.includes(x.name))) {
        try {
            return ((await getFromMember(m, "/cluster", info.restApi.ca)) as { members: MemberStatus[] }).members;
        } catch (e) {
            last = e;
        }
    }
    throw last;
}

/** Each answering member's own view of the cluster (its copy of the DCS), members that do not answer left out. */
export async function memberViews(info: ClusterInfo): Promise<MemberStatus[][]> {
    const views = await Promise.all(info.members.map((m) =>
        getFromMember(m, "/cluster", info.restApi.ca).then((b) => (b as { members: MemberStatus[] }).members, () => undefined)));
    return views.filter((v): v is MemberStatus[] => v !== undefined);
}

/** A member's live status from its own `GET /patroni` (undefined while Patroni does not answer). */
export async function ownStatus(info: ClusterInfo, name: string): Promise<OwnStatus | undefined> {
    const b = await getFromMember(member(info, name), "/patroni", info.restApi.ca).catch(() => undefined);
    if (!b || typeof b !== "object") return undefined;
    return {
        state: b.state, role: b.role, timeline: b.timeline, replicationState: b.replication_state,
        patroniVersion: b.patroni?.version,
    };
}

/** When the member's PostgreSQL started, from its own `GET /patroni` (undefined while it does not run or Patroni does not answer). */
export async function postmasterStartTime(info: ClusterInfo, name: string): Promise<string | undefined> {
    const body = await getFromMember(member(info, name), "/patroni", info.restApi.ca).catch(() => undefined);
    const t = (body as { postmaster_start_time?: unknown } | undefined)?.postmaster_start_time;
    return typeof t === "string" ? t : undefined;
}

export async function leaderName(info: ClusterInfo, exclude: string[] = []): Promise<string | undefined> {
    return (await memberStatuses(info, exclude)).find(isLeader)?.name;
}

export function member(info: ClusterInfo, name: string): MemberInfo {
    const m = info.members.find((x) => x.name === name);
    if (!m) throw new Error(`${name} is not a PostgreSQL member of ${info.stackName} (members: ${info.members.map((x) => x.name).join(", ")})`);
    return m;
}

/** An unsafe REST call on one member, with the REST credentials the cluster generated. */
async function postToMember(info: ClusterInfo, name: string, path: string, body: unknown): Promise<void> {
    const m = member(info, name);
    await getFromMember(m, "/health", info.restApi.ca).catch(() => undefined);
    const { ca, ...auth } = info.restApi;
    const res = await patroniRequest(patroniHttp, m.restUrl, path, { method: "POST", body, auth, timeoutMs: 60_000, ...(ca ? { ca } : {}) });
    if (!res.ok) throw new Error(`POST ${path} on ${name}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
}

export function requestSwitchover(info: ClusterInfo, leader: string, candidate: string): Promise<void> {
    return postToMember(info, leader, "/switchover", { leader, candidate });
}

/**
 * Rebuilds a replica from the leader (a fresh base backup). Never forced: a forced reinitialize
 * cancels the action Patroni is running on the member, and in Patroni 4.0.7 a task cancelled before
 * its thread started runs anyway, beside the rebuild (docs/reliability.md). Unforced, Patroni
 * answers HTTP 503 while an action of its own runs; the caller asks again later.
 */
export function requestReinitialize(info: ClusterInfo, name: string): Promise<void> {
    return postToMember(info, name, "/reinitialize", { force: false });
}
