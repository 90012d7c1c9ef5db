import { quoteIdent } from "../sql";
import { columnDdl, TABLE_TEMPLATES } from "./tables";

describe("table templates", () => {
    test.each(Object.entries(TABLE_TEMPLATES))("%s: the primary key contains the partition key, and every named column exists", (_, t) => {
        expect(t.primaryKey).toContain(t.key);
        const names = t.columns.map((c) => c.name);
        for (const c of [...t.primaryKey, t.key, ...t.indexes.flatMap((i) => i.columns)]) expect(names).toContain(c);
    });

    test("columnDdl", () => {
        expect(columnDdl(TABLE_TEMPLATES.range, quoteIdent)).toBe(`"id" bigint GENERATED ALWAYS AS IDENTITY, "event_type" text NOT NULL, "data" jsonb, "created_at" timestamptz NOT NULL DEFAULT now()`);
    });
});
