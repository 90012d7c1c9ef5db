// Partition layouts drawn as trees: the parent, its partitions with their
// bounds and expected sizes; for shards, which server holds which remainders.

export interface TreePartition {
    name: string;
    bound: string;
    note?: string;
}

export interface TreeDiagram {
    parent: string;
    header: string;
    partitions: TreePartition[];
}

/** Shows the first and last partitions of long lists: the pattern is what matters. */
function elide<T>(items: T[], keep = 6): (T | number)[] {
    if (items.length <= keep) return items;
    return [...items.slice(0, keep - 2), items.length - keep + 1, items[items.length - 1]];
}

export function treeAscii(d: TreeDiagram): string {
    const width = Math.max(...d.partitions.map((p) => p.name.length));
    const boundWidth = Math.max(...d.partitions.map((p) => p.bound.length));
    const rows = elide(d.partitions).map((p, i, all) => {
        const branch = i === all.length - 1 ? "`--" : "|--";
        if (typeof p === "number") return `  ${branch} ... ${p} more`;
        return `  ${branch} ${p.name.padEnd(width)}  ${p.bound.padEnd(boundWidth)}${p.note ? `  ${p.note}` : ""}`.trimEnd();
    });
    return [`${d.parent}  ${d.header}`, ...rows].join("\n");
}

const mermaidText = (s: string) => s.replace(/"/g, "'");

export function treeMermaid(d: TreeDiagram): string {
    const lines = ["flowchart LR", `  parent["${mermaidText(d.parent)}<br/>${mermaidText(d.header)}"]`];
    elide(d.partitions).forEach((p, i) => {
        const label = typeof p === "number" ? `... ${p} more` : `${p.name}<br/>${p.bound}${p.note ? `<br/>${p.note}` : ""}`;
        lines.push(`  p${i}["${mermaidText(label)}"]`, `  parent --> p${i}`);
    });
    return lines.join("\n");
}

export interface ShardDiagram {
    coordinator: string;
    shards: { server: string; remainders: number[]; gb: number }[];
}

/** "0,4,8" or, for many, "0,4,8,...,252 (64 partitions)". */
function remainders(rs: number[]): string {
    return rs.length <= 6 ? rs.join(",") : `${rs.slice(0, 3).join(",")},...,${rs[rs.length - 1]} (${rs.length} partitions)`;
}

export function shardAscii(d: ShardDiagram): string {
    return [
        `application`,
        `   |`,
        `   v`,
        `coordinator: ${d.coordinator}`,
        ...d.shards.map((s, i) => `  ${i === d.shards.length - 1 ? "`--" : "|--"} remainders ${remainders(s.remainders)}  --postgres_fdw-->  ${s.server}  (~${s.gb} GB)`),
    ].join("\n");
}

export function shardMermaid(d: ShardDiagram): string {
    return [
        "flowchart TD",
        `  app["application"] --> coord["coordinator<br/>${mermaidText(d.coordinator)}"]`,
        ...d.shards.map((s, i) => `  coord -- "remainders ${remainders(s.remainders)}" --> s${i}[("${s.server}<br/>~${s.gb} GB")]`),
    ].join("\n");
}
