import { expressionProblem, typeNameProblem } from "./expression";

describe("typeNameProblem", () => {
    it.each([
        "bigint",
        "text",
        "jsonb",
        "timestamptz",
        "timestamp with time zone",
        "timestamp(3) with time zone",
        "numeric(10,2)",
        "numeric(10, 2)",
        "character varying(255)",
        "double precision",
        "text[]",
        "int[][]",
        "app.mood",
    ])("accepts %s", (t) => expect(typeNameProblem(t)).toBeNull());

    it.each(["text; drop table y", "text -- x", "int default 1)", "text, other int", "", "'text'", "numeric(a)"])(
        "rejects %j",
        (t) => expect(typeNameProblem(t)).toMatch(/type name/),
    );
});

describe("expressionProblem", () => {
    it.each(["now()", "0", "'none'", "'it''s'", "E'a\\'b'", "gen_random_uuid()", "ARRAY[1, 2]", "(1 + 2) * 3", "'{}'::jsonb", "'a;b'", '"col"'])(
        "accepts %s",
        (e) => expect(expressionProblem(e)).toBeNull(),
    );

    it.each([
        ["now()); drop table y; --", /unbalanced|';'/],
        ["1; drop table y", /';'/],
        ["1 -- comment", /comments/],
        ["1 /* c */", /comments/],
        ["$$x$$", /dollar/],
        ["$1", /dollar/],
        ["'open", /unterminated/],
        ["(1", /unclosed/],
        ["1)", /unbalanced/],
        ["", /empty/],
    ])("rejects %j", (e, why) => expect(expressionProblem(e as string)).toMatch(why as RegExp));
});
