import { execFileSync } from "child_process";
import { isLeaderRole, patroniHttp, patroniRequest } from "@pgscale/core";
import { tempFile } from "./temp-file";

/** Patroni REST helpers for tests: GET endpoints need no credentials. */
export interface Member {
    name: string;
    role: string;
    state: string;
    lag?: number | string;
    timeline?: number;
}

/** Where a member keeps its cluster's CA (PatroniCluster on Docker). */
const MEMBER_CA = "/var/run/postgresql/tls/ca.crt";
const cas = new Map<string, string>();

/**
 * The CA an `https` member URL (127.0.0.1:<published port>) is verified against: read through the
 * engine from the container that publishes the port, never from the TLS handshake, so a member
 * whose certificate that CA did not sign still fails verification. Tests get it without threading
 * each stack's restApiCaPem through every helper.
 */
export function memberCa(restUrl: string): string | undefined {
    const url = new URL(restUrl);
    if (url.protocol !== "https:") return undefined;
    const known = cas.get(url.host);
    if (known) return known;
    const rows = execFileSync("docker", ["ps", "--format", "{{.ID}} {{.Ports}}"], { encoding: "utf8" }).split("\n");
    const row = rows.find((r) => r.includes(`${url.hostname}:${url.port}->8008/tcp`));
    if (!row) throw new Error(`no running container publishes ${url.host} as Patroni's port 8008`);
    const ca = execFileSync("docker", ["exec", row.split(" ")[0], "cat", MEMBER_CA], { encoding: "utf8" });
    cas.set(url.host, ca);
    return ca;
}

/** `--patroni-url` for each member, and `--patroni-ca` with their CA in a file when they serve HTTPS: the CLI's arguments. */
export function patroniCliArgs(restUrls: string[]): string[] {
    // From the first member whose container runs (a test may have stopped some); members share one CA.
    let ca: string | undefined;
    let last: unknown;
    for (const u of restUrls) {
        try {
            ca = memberCa(u);
            last = undefined;
            break;
        } catch (e) {
            last = e;
        }
    }
    if (last) throw last;
    const urls = restUrls.flatMap((u) => ["--patroni-url", u]);
    if (!ca) return urls;
    return [...urls, "--patroni-ca", tempFile("pgscale-rest-ca-", "ca.pem", ca)];
}

/** One call to a member, its certificate verified against its cluster's CA (memberCa). */
export function restCall(restUrl: string, path: string, call: Parameters<typeof patroniRequest>[3] = {}): ReturnType<typeof patroniRequest> {
    const ca = memberCa(restUrl);
    return patroniRequest(patroniHttp, restUrl, path, { ...call, ...(ca ? { ca } : {}) });
}

export async function clusterMembers(restUrl: string): Promise<Member[]> {
    const res = await restCall(restUrl, "/cluster", { timeoutMs: 3000 });
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
