// Partition key values, compared the way PostgreSQL orders them for the types we
// can order without a server: integers, numerics, dates and timestamps. Other
// types (text, uuid, ...) are compared for equality only; their order depends on
// collations we cannot see, so PostgreSQL itself checks them at CREATE time.

export type KeyValue = string | number;

export type KeyKind = "integer" | "numeric" | "date" | "timestamp" | "timestamptz" | "opaque";

const INTEGER_TYPES = new Set(["smallint", "integer", "int", "int2", "int4", "int8", "bigint", "smallserial", "serial", "bigserial", "serial2", "serial4", "serial8"]);
const NUMERIC_TYPES = new Set(["numeric", "decimal", "real", "float4", "float8", "double precision", "float"]);

/** The comparison family of a column type as written in a spec or by format_type(). */
export function keyKindOf(type: string): KeyKind {
    const t = type.trim().toLowerCase().replace(/\s+/g, " ").replace(/\s*\(.*?\)/g, "");
    if (INTEGER_TYPES.has(t)) return "integer";
    if (NUMERIC_TYPES.has(t)) return "numeric";
    if (t === "date") return "date";
    if (t === "timestamptz" || t === "timestamp with time zone") return "timestamptz";
    if (t === "timestamp" || t === "timestamp without time zone") return "timestamp";
    return "opaque";
}

export interface NormalizedValue {
    /** Equal for values PostgreSQL considers equal (within the kind). */
    key: string;
    /** Total order within the kind; null for opaque kinds. */
    order: bigint | number | null;
}

export type Normalized = { ok: true; value: NormalizedValue } | { ok: false; problem: string };

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Normalizes a spec value or a catalog datum (text) of a key column. */
export function normalizeKeyValue(kind: KeyKind, value: KeyValue): Normalized {
    const text = typeof value === "number" ? String(value) : value.trim();
    switch (kind) {
        case "integer": {
            if (typeof value === "number" ? !Number.isSafeInteger(value) : !/^[+-]?\d+$/.test(text)) {
                return { ok: false, problem: `${JSON.stringify(value)} is not an integer` };
            }
            const n = BigInt(text);
            return { ok: true, value: { key: n.toString(), order: n } };
        }
        case "numeric": {
            const n = Number(text);
            if (text === "" || !Number.isFinite(n)) return { ok: false, problem: `${JSON.stringify(value)} is not a number` };
            return { ok: true, value: { key: String(n), order: n } };
        }
        case "date":
        case "timestamp":
        case "timestamptz": {
            const micros = typeof value === "string" ? parseTimestampMicros(text, kind) : null;
            if (micros === null) {
                const form = kind === "date" ? "YYYY-MM-DD" : "ISO 8601 (YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|+HH:MM])";
                return { ok: false, problem: `${JSON.stringify(value)} is not a ${kind} in ${form} form` };
            }
            return { ok: true, value: { key: micros.toString(), order: micros } };
        }
        case "opaque":
            return { ok: true, value: { key: text, order: null } };
    }
}

/** Microseconds since the epoch; offsets count only for timestamptz (PostgreSQL ignores them for timestamp). */
function parseTimestampMicros(text: string, kind: "date" | "timestamp" | "timestamptz"): bigint | null {
    const m = TIMESTAMP.exec(text);
    if (!m) return null;
    const [, y, mo, d, h = "0", mi = "0", s = "0", frac = "", zone] = m;
    if (kind === "date" && (m[4] !== undefined || zone !== undefined)) return null;
    const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
    if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
    if (hour > 24 || minute > 59 || second > 60 || (hour === 24 && (minute > 0 || second > 0 || frac !== ""))) return null;
    let ms = Date.UTC(year, month - 1, day, hour, minute, second);
    if (kind === "timestamptz" && zone && zone.toUpperCase() !== "Z") {
        const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
        const offsetMin = Number(z[2]) * 60 + Number(z[3] ?? "0");
        ms -= (z[1] === "-" ? -1 : 1) * offsetMin * 60_000;
    }
    return BigInt(ms) * 1000n + BigInt(frac.padEnd(6, "0") || "0");
}

/** Lexicographic comparison of two tuples of normalized values; null when some element has no order. */
export function compareTuples(a: NormalizedValue[], b: NormalizedValue[]): number | null {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
        const x = a[i].order, y = b[i].order;
        if (x === null || y === null) return null;
        if (x < y) return -1;
        if (x > y) return 1;
    }
    return a.length - b.length;
}
