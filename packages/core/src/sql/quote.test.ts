import { dollarQuote, identifierProblem, quoteIdent, quoteLiteral, quoteQualified, renderValue, SqlQuotingError } from "./quote";

describe("quoteIdent", () => {
    it("always quotes, preserving case", () => {
        expect(quoteIdent("events")).toBe('"events"');
        expect(quoteIdent("Events")).toBe('"Events"');
    });
    it("doubles embedded quotes so a hostile name stays one identifier", () => {
        expect(quoteIdent('x"; drop table y; --')).toBe('"x""; drop table y; --"');
    });
    it("refuses names PostgreSQL would truncate or cannot store", () => {
        expect(() => quoteIdent("")).toThrow(SqlQuotingError);
        expect(() => quoteIdent("a\0b")).toThrow(/NUL/);
        expect(() => quoteIdent("x".repeat(64))).toThrow(/64 bytes/);
        expect(quoteIdent("x".repeat(63))).toHaveLength(65);
        // Bytes, not characters: 32 two-byte characters are 64 bytes.
        expect(identifierProblem("é".repeat(32))).toMatch(/64 bytes/);
    });
    it("qualifies with a schema", () => {
        expect(quoteQualified("public", "events")).toBe('"public"."events"');
    });
});

describe("quoteLiteral", () => {
    it("doubles single quotes", () => {
        expect(quoteLiteral("it's")).toBe("'it''s'");
        expect(quoteLiteral("'); drop table y; --")).toBe("'''); drop table y; --'");
    });
    it("uses the E'' form with doubled backslashes when a backslash is present", () => {
        expect(quoteLiteral("a\\'b")).toBe("E'a\\\\''b'");
    });
    it("refuses NUL", () => {
        expect(() => quoteLiteral("a\0")).toThrow(SqlQuotingError);
    });
});

describe("renderValue", () => {
    it("renders numbers bare and strings quoted", () => {
        expect(renderValue(42)).toBe("42");
        expect(renderValue(1.5)).toBe("1.5");
        expect(renderValue("42")).toBe("'42'");
    });
    it("quotes negative numbers so they stay one token", () => {
        expect(renderValue(-5)).toBe("'-5'");
    });
    it("refuses non-finite numbers", () => {
        expect(() => renderValue(Number.NaN)).toThrow(SqlQuotingError);
        expect(() => renderValue(Infinity)).toThrow(SqlQuotingError);
    });
});

describe("dollarQuote", () => {
    it("quotes under a tag the body does not contain", () => {
        expect(dollarQuote(" BEGIN NULL; END ")).toBe("$pgscale$ BEGIN NULL; END $pgscale$");
        expect(dollarQuote("x $pgscale$ y")).toBe("$pgscale1$x $pgscale$ y$pgscale1$");
        expect(dollarQuote("$pgscale$$pgscale1$")).toBe("$pgscale2$$pgscale$$pgscale1$$pgscale2$");
    });
});
