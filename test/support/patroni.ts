import { isLeaderRole, patroniRequest } from "@pgscale/core";

/** Patroni REST helpers for tests: GET endpoints need no credentials. */
export interface Member {
    name: string;
    role: string;
    state: string;
    lag?: number | string;
    timeline?: number;
}

export async function clusterMembers(restUrl: string): Promise<Member[]> {
    const res = await patroniRequest(fetch, restUrl, "/cluster", { timeoutMs: 3000 });
    if (typeof res.body !== "object") throw new Error(`GET ${restUrl}/cluster: not JSON: ${res.text.slice(0, 200)}`);
    return (res.body as { members: Member[] }).members;
}

export async function leaderName(restUrls: string[]): Promise<string | undefined> {
    for (const url of restUrls) {
        try {
            const leader = (await clusterMembers(url)).find((m) => isLeaderRole(m.role));
            if (leader) return leader.name;
        } catch {
            // try the next member
        }
    }
    return undefined;
}
