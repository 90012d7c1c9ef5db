/** A plan node of EXPLAIN (FORMAT JSON, VERBOSE); only the keys doctor reads. */
interface PlanNode {
    "Relation Name"?: string;
    Schema?: string;
    "Subplans Removed"?: number;
    Plans?: PlanNode[];
}

function rootNodes(explain: unknown): PlanNode[] {
    // EXPLAIN (FORMAT JSON) returns [{ "Plan": {...} }]; node-postgres may hand it over as text.
    const parsed = typeof explain === "string" ? JSON.parse(explain) : explain;
    const entries = Array.isArray(parsed) ? parsed : [parsed];
    return entries.map((e) => (e as { Plan?: PlanNode })?.Plan).filter((p): p is PlanNode => typeof p === "object" && p !== null);
}

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
    visit(node);
    for (const child of node.Plans ?? []) walk(child, visit);
}

/**
 * The relations a plan scans, as "schema.name". VERBOSE is what puts the schema in each scan
 * node. Partitions removed at executor startup (runtime pruning) are absent from the plan.
 */
export function scannedRelations(explain: unknown): string[] {
    const out = new Set<string>();
    for (const root of rootNodes(explain)) {
        walk(root, (n) => {
            if (n["Relation Name"]) out.add(n.Schema ? `${n.Schema}.${n["Relation Name"]}` : n["Relation Name"]);
        });
    }
    return [...out];
}
