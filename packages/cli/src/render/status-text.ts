import { formatBytes, PatroniMember, PoolerPool } from "@pgscale/core";
import { renderTable } from "./table";

function lag(m: PatroniMember): string {
    if (m.lag === undefined) return "";
    return typeof m.lag === "number" ? formatBytes(m.lag) : String(m.lag);
}

/** Members as a table, like `patronictl list`, then any REST URL that did not answer. */
export function renderStatusText(members: PatroniMember[], unreachable: Array<{ url: string; error?: string }>): string {
    const header = ["Member", "Host", "Role", "State", "TL", "Lag"];
    const rows = members.map((m) => [m.name, m.host ?? "", m.role, m.state, m.timeline === undefined ? "" : String(m.timeline), lag(m)]);
    const out = renderTable(header, rows);
    for (const u of unreachable) out.push(`note: ${u.url} did not answer (${u.error ?? "no response"})`);
    return out.join("\n");
}

/** Each PgBouncer's pools (its own `pgbouncer` console left out): clients active and waiting, the longest wait, servers. */
export function renderPoolsText(poolers: Array<{ where: string; pools?: PoolerPool[]; error?: string }>): string {
    const header = ["Pooler", "Database", "User", "Active", "Waiting", "Max wait", "Servers (active/idle)"];
    const rows: string[][] = [];
    const notes: string[] = [];
    for (const p of poolers) {
        if (p.error !== undefined) notes.push(`note: pooler ${p.where} did not answer (${p.error})`);
        for (const pool of (p.pools ?? []).filter((x) => x.database !== "pgbouncer"))
            rows.push([p.where, pool.database, pool.user, String(pool.clientsActive), String(pool.clientsWaiting), `${pool.maxWaitSeconds.toFixed(1)} s`, `${pool.serversActive}/${pool.serversIdle}`]);
    }
    return [...renderTable(header, rows), ...notes].join("\n");
}
