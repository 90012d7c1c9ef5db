import { MAX_IDENTIFIER_BYTES } from "../sql/quote";
import type { CalendarInterval } from "./interval";

// Names pgscale derives. Partition names are part of the contract (users query
// them, pg_partman uses the same style), so a derived partition name that does
// not fit is a validation error; index names are internal and shortened with a
// hash so they stay unique and stable.

export function defaultPartitionName(table: string): string {
    return `${table}_default`;
}

export function hashPartitionName(table: string, remainder: number): string {
    return `${table}_${remainder}`;
}

/** pg_partman's suffixes: p2024, p2024_01, p2024_01_15, p2024_01_15_1300. */
export function rollingPartitionName(table: string, from: Date, iv: CalendarInterval): string {
    const y = String(from.getUTCFullYear()).padStart(4, "0");
    const mo = pad(from.getUTCMonth() + 1);
    const d = pad(from.getUTCDate());
    switch (iv.unit) {
        case "year":
            return `${table}_p${y}`;
        case "month":
            return `${table}_p${y}_${mo}`;
        case "week":
        case "day":
            return `${table}_p${y}_${mo}_${d}`;
        case "hour":
            return `${table}_p${y}_${mo}_${d}_${pad(from.getUTCHours())}${pad(from.getUTCMinutes())}`;
    }
}

/** Default index name, as PostgreSQL would choose it: table_col1_col2_idx. */
export function indexName(table: string, columns: readonly string[]): string {
    return fitIdentifier(`${table}_${columns.join("_")}`, "_idx");
}

/**
 * Name of the per-partition index pgscale builds CONCURRENTLY for a parent index:
 * events_created_at_idx on events_2024_q1 becomes events_2024_q1_created_at_idx.
 */
export function partitionIndexName(table: string, partition: string, parentIndex: string): string {
    const rest = parentIndex.startsWith(`${table}_`) ? parentIndex.slice(table.length + 1) : parentIndex;
    return fitIdentifier(`${partition}_${rest}`, "");
}

/** `base + suffix`, shortened with a stable hash of the full name when longer than PostgreSQL allows. */
export function fitIdentifier(base: string, suffix: string): string {
    const full = base + suffix;
    if (Buffer.byteLength(full, "utf8") <= MAX_IDENTIFIER_BYTES) return full;
    const tag = `_${fnv1a(full)}`;
    let head = base;
    while (Buffer.byteLength(head + tag + suffix, "utf8") > MAX_IDENTIFIER_BYTES) head = head.slice(0, -1);
    return head + tag + suffix;
}

function pad(n: number): string {
    return String(n).padStart(2, "0");
}

/** 32-bit FNV-1a as 8 hex digits: enough to keep shortened names apart. */
function fnv1a(text: string): string {
    let h = 0x811c9dc5;
    for (const byte of Buffer.from(text, "utf8")) {
        h ^= byte;
        h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
}
