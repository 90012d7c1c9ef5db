import { Client } from "pg";
import { libpqCompatible } from "@pgscale/core";
import { ClusterInfo } from "./cluster-info";
import { docker } from "./docker-cli";

/**
 * One statement on a fresh, short-lived connection; the probes must never hang on a dead server.
 * The timeout is client-side: PgBouncer refuses statement_timeout as a startup parameter.
 */
export async function queryOnce<T = any>(uri: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: libpqCompatible(uri), connectionTimeoutMillis: 3000, query_timeout: 6000 });
    // A server that goes away mid-probe emits "error"; the rejected query reports it.
    c.on("error", () => undefined);
    await c.connect();
    try {
        return (await c.query(sql, params)).rows as T[];
    } finally {
        await c.end().catch(() => undefined);
    }
}

/** Container IP on the cluster network -> member name. */
async function memberAddresses(info: ClusterInfo): Promise<Map<string, string>> {
    const fmt = `{{.Name}}{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}`;
    const lines = (await docker(["inspect", "-f", fmt, ...info.members.map((m) => m.container)])).split("\n");
    const byIp = new Map<string, string>();
    for (const line of lines) {
        const [name, ...ips] = line.trim().split(/\s+/);
        const m = info.members.find((x) => `/${x.container}` === name);
        if (m) ips.filter(Boolean).forEach((ip) => byIp.set(ip, m.name));
    }
    return byIp;
}

/**
 * Which member accepted a write through `uri`, or undefined if none did. txid_current() assigns a
 * transaction id, which a server in recovery refuses: a real write without touching user tables.
 */
export async function writableMember(info: ClusterInfo, uri = info.primaryUri): Promise<string | undefined> {
    const [row] = await queryOnce<{ addr: string | null }>(uri, "SELECT txid_current(), host(inet_server_addr()) AS addr");
    if (info.kind === "postgres") return info.members[0].name;
    return row.addr ? (await memberAddresses(info)).get(row.addr) : undefined;
}
