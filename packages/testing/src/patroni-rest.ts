import { ClusterInfo, MemberInfo } from "./cluster-info";

/** A member as Patroni's `GET /cluster` reports it. */
export interface MemberStatus {
    name: string;
    role: string;
    state: string;
    timeline?: number;
    lag?: number | string;
}

const LEADER_ROLES = new Set(["leader", "master", "standby_leader"]);
export const isLeader = (m: MemberStatus) => LEADER_ROLES.has(m.role);
export const isRunning = (m: MemberStatus) => m.state === "running" || m.state === "streaming";

async function getJson(url: string): Promise<any> {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return res.json();
}

/**
 * The cluster as the first reachable member sees it (skipping `exclude`, e.g. an isolated or
 * stopped member whose view is stale). Health endpoints need no credentials.
 */
export async function memberStatuses(info: ClusterInfo, exclude: string[] = []): Promise<MemberStatus[]> {
    let last: unknown = new Error("no member to ask");
    for (const m of info.members.filter((x) => !exclude.includes(x.name))) {
        try {
            return ((await getJson(`${m.restUrl}/cluster`)) as { members: MemberStatus[] }).members;
        } catch (e) {
            last = e;
        }
    }
    throw last;
}

export async function leaderName(info: ClusterInfo, exclude: string[] = []): Promise<string | undefined> {
    return (await memberStatuses(info, exclude)).find(isLeader)?.name;
}

export function member(info: ClusterInfo, name: string): MemberInfo {
    const m = info.members.find((x) => x.name === name);
    if (!m) throw new Error(`${name} is not a PostgreSQL member of ${info.stackName} (members: ${info.members.map((x) => x.name).join(", ")})`);
    return m;
}

/** POST /switchover on the leader, with the REST credentials the cluster generated. */
export async function requestSwitchover(info: ClusterInfo, leader: string, candidate: string): Promise<void> {
    const auth = Buffer.from(`${info.restApi.username}:${info.restApi.password}`).toString("base64");
    const res = await fetch(`${member(info, leader).restUrl}/switchover`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Basic ${auth}` },
        body: JSON.stringify({ leader, candidate }),
        signal: AbortSignal.timeout(60_000),
    });
    if (!res.ok) throw new Error(`switchover ${leader} -> ${candidate}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
}
