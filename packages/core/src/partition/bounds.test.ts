import { BoundParseError, boundsEqual, describeCatalogBound, parseCatalogBound, rangeMicros, renderBound } from "./bounds";

describe("renderBound", () => {
    it("renders each strategy with quoted literals", () => {
        expect(renderBound({ kind: "range", from: ["2024-01-01"], to: ["2024-04-01"] })).toBe("FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')");
        expect(renderBound({ kind: "range", from: [0, "a"], to: [10, "b"] })).toBe("FOR VALUES FROM (0, 'a') TO (10, 'b')");
        expect(renderBound({ kind: "list", values: ["US", "CA"] })).toBe("FOR VALUES IN ('US', 'CA')");
        expect(renderBound({ kind: "hash", modulus: 4, remainder: 0 })).toBe("FOR VALUES WITH (MODULUS 4, REMAINDER 0)");
        expect(renderBound({ kind: "default" })).toBe("DEFAULT");
    });
    it("keeps hostile values inside their literal", () => {
        expect(renderBound({ kind: "list", values: ["'); drop table y; --"] })).toBe("FOR VALUES IN ('''); drop table y; --')");
    });
});

describe("parseCatalogBound", () => {
    it.each([
        ["DEFAULT", { kind: "default" }],
        ["FOR VALUES FROM ('2026-09-01 00:00:00+00') TO ('2026-10-01 00:00:00+00')", { kind: "range", from: ["2026-09-01 00:00:00+00"], to: ["2026-10-01 00:00:00+00"] }],
        ["FOR VALUES IN ('US', 'it''s', NULL)", { kind: "list", values: ["US", "it's", null] }],
        ["FOR VALUES WITH (modulus 4, remainder 1)", { kind: "hash", modulus: 4, remainder: 1 }],
        ["FOR VALUES FROM (1, '2024-01-01') TO (MAXVALUE, MAXVALUE)", { kind: "range", from: ["1", "2024-01-01"], to: [{ special: "MAXVALUE" }, { special: "MAXVALUE" }] }],
        ["FOR VALUES FROM (1.50) TO ('10')", { kind: "range", from: ["1.50"], to: ["10"] }],
        ["FOR VALUES FROM (-5) TO (5)", { kind: "range", from: ["-5"], to: ["5"] }],
        ["FOR VALUES IN (true)", { kind: "list", values: ["true"] }],
        ["FOR VALUES IN (E'a\\\\b')", { kind: "list", values: ["a\\b"] }],
    ])("parses %s", (text, want) => expect(parseCatalogBound(text)).toEqual(want));

    it("refuses what it does not understand", () => {
        expect(() => parseCatalogBound("FOR VALUES IN ('x'")).toThrow(BoundParseError);
        expect(() => parseCatalogBound("FOR VALUES IN (x)")).toThrow(BoundParseError);
        expect(() => parseCatalogBound("DEFAULT x")).toThrow(BoundParseError);
    });

    it("round-trips with describeCatalogBound", () => {
        const text = "FOR VALUES IN ('US', 'it''s')";
        expect(describeCatalogBound(parseCatalogBound(text))).toBe(text);
    });
});

describe("boundsEqual", () => {
    it("compares by key type: a date in the spec equals the catalog's timestamptz text", () => {
        const actual = parseCatalogBound("FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-04-01 00:00:00+00')");
        expect(boundsEqual({ kind: "range", from: ["2024-01-01"], to: ["2024-04-01"] }, actual, ["timestamptz"])).toBe(true);
        expect(boundsEqual({ kind: "range", from: ["2024-01-01"], to: ["2024-05-01"] }, actual, ["timestamptz"])).toBe(false);
    });
    it("ignores list order and compares numbers by value", () => {
        expect(boundsEqual({ kind: "list", values: ["CA", "US"] }, parseCatalogBound("FOR VALUES IN ('US', 'CA')"), ["opaque"])).toBe(true);
        expect(boundsEqual({ kind: "list", values: [1, 2] }, parseCatalogBound("FOR VALUES IN (2, 1)"), ["integer"])).toBe(true);
        expect(boundsEqual({ kind: "list", values: ["US"] }, parseCatalogBound("FOR VALUES IN ('US', 'CA')"), ["opaque"])).toBe(false);
    });
    it("compares hash bounds exactly and never matches across strategies", () => {
        expect(boundsEqual({ kind: "hash", modulus: 4, remainder: 1 }, parseCatalogBound("FOR VALUES WITH (modulus 4, remainder 1)"), ["integer"])).toBe(true);
        expect(boundsEqual({ kind: "hash", modulus: 4, remainder: 1 }, parseCatalogBound("FOR VALUES IN (1)"), ["integer"])).toBe(false);
    });
});

describe("rangeMicros", () => {
    it("reads time ranges only", () => {
        const b = parseCatalogBound("FOR VALUES FROM ('2024-01-01') TO ('2024-01-02')");
        expect(rangeMicros(b, "date")).toEqual({ from: BigInt(Date.UTC(2024, 0, 1)) * 1000n, to: BigInt(Date.UTC(2024, 0, 2)) * 1000n });
        expect(rangeMicros(b, "integer")).toBeNull();
        expect(rangeMicros(parseCatalogBound("DEFAULT"), "date")).toBeNull();
    });
});
