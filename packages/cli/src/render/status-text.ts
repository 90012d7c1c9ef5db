import { formatBytes, PatroniMember } from "@pgscale/core";
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
