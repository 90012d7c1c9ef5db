import { PartitionStrategy } from "./constraints";

/**
 * The playbook's example tables, one per strategy. The plan input names no
 * table, so the plan is written for these and says so; the shape (key in the
 * primary key, indexes on the parent) carries over to the real table.
 */
export interface TableTemplate {
    schema: string;
    name: string;
    columns: { name: string; type: string; notNull?: boolean; default?: string; identity?: "always" }[];
    key: string;
    primaryKey: string[];
    indexes: { columns: string[] }[];
}

export const TABLE_TEMPLATES: Record<PartitionStrategy, TableTemplate> = {
    range: {
        schema: "public",
        name: "events",
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "event_type", type: "text", notNull: true },
            { name: "data", type: "jsonb" },
            { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
        ],
        key: "created_at",
        // A unique constraint on a partitioned table must contain the partition key.
        primaryKey: ["id", "created_at"],
        indexes: [{ columns: ["created_at"] }, { columns: ["event_type"] }],
    },
    list: {
        schema: "public",
        name: "orders",
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "region", type: "text", notNull: true },
            { name: "total", type: "numeric" },
            { name: "created_at", type: "timestamptz", default: "now()" },
        ],
        key: "region",
        primaryKey: ["id", "region"],
        indexes: [{ columns: ["created_at"] }],
    },
    hash: {
        schema: "public",
        name: "user_sessions",
        columns: [
            { name: "id", type: "bigint", notNull: true },
            { name: "user_id", type: "bigint", notNull: true },
            { name: "data", type: "jsonb" },
        ],
        key: "user_id",
        primaryKey: ["id", "user_id"],
        indexes: [],
    },
};

/** The playbook's regions; a real plan lists the application's categories. */
export const LIST_EXAMPLE = [
    { suffix: "us", values: ["US", "CA"] },
    { suffix: "eu", values: ["UK", "DE", "FR"] },
    { suffix: "asia", values: ["JP", "CN", "KR"] },
];

export function columnDdl(t: TableTemplate, quote: (s: string) => string): string {
    return t.columns
        .map((c) => [quote(c.name), c.type, c.identity ? "GENERATED ALWAYS AS IDENTITY" : "", c.notNull ? "NOT NULL" : "", c.default ? `DEFAULT ${c.default}` : ""].filter(Boolean).join(" "))
        .join(", ");
}
