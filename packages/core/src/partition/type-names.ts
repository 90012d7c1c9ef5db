/** Spellings PostgreSQL accepts for the same type, folded to format_type()'s. */
const TYPE_ALIASES: Record<string, string> = {
    int: "integer", int4: "integer", int2: "smallint", int8: "bigint", bool: "boolean",
    float8: "double precision", float4: "real", float: "double precision", decimal: "numeric",
    varchar: "character varying", char: "character", timestamptz: "timestamp with time zone",
    timestamp: "timestamp without time zone", timetz: "time with time zone", time: "time without time zone",
};

export function normalizeType(t: string): string {
    let s = t.trim().toLowerCase().replace(/\s+/g, " ").replace(/\s*\(\s*/g, "(").replace(/\s*,\s*/g, ",").replace(/\s*\)/g, ")");
    const m = /^([a-z0-9_ ]+?)(\(\d+(?:,-?\d+)?\))?((?:\[\d*\])*)$/.exec(s);
    if (!m) return s;
    let [, base, mod = "", arr] = m;
    base = TYPE_ALIASES[base] ?? base;
    // format_type puts the precision of time types before "with/without time zone".
    const tz = /^(timestamp|time) (with|without) time zone$/.exec(base);
    s = tz && mod ? `${tz[1]}${mod} ${tz[2]} time zone` : `${base}${mod}`;
    return s + arr.replace(/\[\d*\]/g, "[]");
}
