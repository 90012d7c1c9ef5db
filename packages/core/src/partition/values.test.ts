import { compareTuples, keyKindOf, normalizeKeyValue, type KeyKind } from "./values";

const norm = (kind: KeyKind, v: string | number) => {
    const n = normalizeKeyValue(kind, v);
    if (!n.ok) throw new Error(n.problem);
    return n.value;
};

describe("keyKindOf", () => {
    it.each([
        ["bigint", "integer"],
        ["INT", "integer"],
        ["numeric(10,2)", "numeric"],
        ["double precision", "numeric"],
        ["date", "date"],
        ["timestamptz", "timestamptz"],
        ["timestamp(3) with time zone", "timestamptz"],
        ["timestamp without time zone", "timestamp"],
        ["text", "opaque"],
        ["uuid", "opaque"],
    ])("%s is %s", (type, kind) => expect(keyKindOf(type)).toBe(kind));
});

describe("normalizeKeyValue", () => {
    it("treats a spec date and the catalog's timestamptz text as the same instant (sessions run in UTC)", () => {
        expect(norm("timestamptz", "2024-01-01").key).toBe(norm("timestamptz", "2024-01-01 00:00:00+00").key);
        expect(norm("timestamptz", "2024-01-01T02:00:00+02:00").key).toBe(norm("timestamptz", "2024-01-01 00:00:00+00").key);
    });
    it("ignores offsets for timestamp without time zone, as PostgreSQL does", () => {
        expect(norm("timestamp", "2024-01-01 00:00:00+05").key).toBe(norm("timestamp", "2024-01-01").key);
    });
    it("keeps microseconds", () => {
        expect(norm("timestamp", "2024-01-01 12:30:00.5").order).toBe(norm("timestamp", "2024-01-01 12:30:00").order as bigint + 500000n);
    });
    it("compares integers exactly beyond 2^53", () => {
        expect(norm("integer", "9007199254740993").key).toBe("9007199254740993");
        expect(norm("integer", 5).key).toBe(norm("integer", "5").key);
    });
    it("normalizes numerics", () => {
        expect(norm("numeric", "1.50").key).toBe(norm("numeric", 1.5).key);
    });
    it("keeps opaque values verbatim", () => {
        expect(norm("opaque", "US")).toEqual({ key: "US", order: null });
    });
    it("explains values that do not fit the kind", () => {
        expect(normalizeKeyValue("integer", "1.5")).toEqual({ ok: false, problem: '"1.5" is not an integer' });
        expect(normalizeKeyValue("date", "2024-02-30")).toMatchObject({ ok: false });
        expect(normalizeKeyValue("date", "2024-01-01 10:00")).toMatchObject({ ok: false });
        expect(normalizeKeyValue("timestamptz", "Jan 1 2024")).toMatchObject({ ok: false, problem: expect.stringContaining("ISO 8601") });
        expect(normalizeKeyValue("numeric", "abc")).toMatchObject({ ok: false });
    });
});

describe("compareTuples", () => {
    it("orders lexicographically", () => {
        const a = [norm("integer", 1), norm("date", "2024-01-01")];
        const b = [norm("integer", 1), norm("date", "2024-02-01")];
        expect(compareTuples(a, b)).toBeLessThan(0);
        expect(compareTuples(b, a)).toBeGreaterThan(0);
        expect(compareTuples(a, a)).toBe(0);
    });
    it("cannot order opaque values", () => {
        expect(compareTuples([norm("opaque", "a")], [norm("opaque", "b")])).toBeNull();
    });
});
