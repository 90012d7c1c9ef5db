import { renderValue } from "../sql/quote";
import type { DesiredBound } from "./resolve";
import { normalizeKeyValue, type KeyKind, type KeyValue } from "./values";

// Partition bounds both ways: rendered into FOR VALUES clauses, and parsed back
// from pg_get_expr(relpartbound) so refresh and import can compare them.

/** A datum as pg_get_expr prints it: the literal's text, NULL, or MINVALUE/MAXVALUE. */
export type CatalogDatum = string | null | { special: "MINVALUE" | "MAXVALUE" };

export type CatalogBound =
    | { kind: "default" }
    | { kind: "range"; from: CatalogDatum[]; to: CatalogDatum[] }
    | { kind: "list"; values: CatalogDatum[] }
    | { kind: "hash"; modulus: number; remainder: number };

/** `FOR VALUES ...` (or `DEFAULT`) for a desired bound; every value is a quoted literal or a number. */
export function renderBound(b: DesiredBound | { kind: "default" }): string {
    switch (b.kind) {
        case "default":
            return "DEFAULT";
        case "range":
            return `FOR VALUES FROM (${b.from.map(renderValue).join(", ")}) TO (${b.to.map(renderValue).join(", ")})`;
        case "list":
            return `FOR VALUES IN (${b.values.map(renderValue).join(", ")})`;
        case "hash":
            return `FOR VALUES WITH (MODULUS ${int(b.modulus)}, REMAINDER ${int(b.remainder)})`;
    }
}

function int(n: number): string {
    if (!Number.isSafeInteger(n)) throw new Error(`${n} is not an integer`);
    return String(n);
}

/** Renders a catalog bound the way PostgreSQL prints it; used for display of observed state. */
export function describeCatalogBound(b: CatalogBound): string {
    const datum = (d: CatalogDatum) => (d === null ? "NULL" : typeof d === "object" ? d.special : renderValue(d));
    switch (b.kind) {
        case "default":
            return "DEFAULT";
        case "range":
            return `FOR VALUES FROM (${b.from.map(datum).join(", ")}) TO (${b.to.map(datum).join(", ")})`;
        case "list":
            return `FOR VALUES IN (${b.values.map(datum).join(", ")})`;
        case "hash":
            return `FOR VALUES WITH (modulus ${b.modulus}, remainder ${b.remainder})`;
    }
}

export class BoundParseError extends Error {
    constructor(text: string, why: string) {
        super(`cannot read partition bound ${JSON.stringify(text)}: ${why}`);
        this.name = "BoundParseError";
    }
}

/** Parses pg_get_expr(relpartbound, oid) output. */
export function parseCatalogBound(text: string): CatalogBound {
    const t = new Tokens(text);
    if (t.keyword("DEFAULT")) {
        t.end();
        return { kind: "default" };
    }
    t.expect("FOR");
    t.expect("VALUES");
    if (t.keyword("FROM")) {
        const from = t.datumList();
        t.expect("TO");
        const to = t.datumList();
        t.end();
        return { kind: "range", from, to };
    }
    if (t.keyword("IN")) {
        const values = t.datumList();
        t.end();
        return { kind: "list", values };
    }
    t.expect("WITH");
    t.punct("(");
    t.expect("MODULUS");
    const modulus = t.integer();
    t.punct(",");
    t.expect("REMAINDER");
    const remainder = t.integer();
    t.punct(")");
    t.end();
    return { kind: "hash", modulus, remainder };
}

class Tokens {
    private pos = 0;
    constructor(private readonly text: string) {}

    private skipSpace(): void {
        while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
    }

    keyword(word: string): boolean {
        this.skipSpace();
        const m = /^[A-Za-z_]+/.exec(this.text.slice(this.pos));
        if (m && m[0].toUpperCase() === word) {
            this.pos += m[0].length;
            return true;
        }
        return false;
    }

    expect(word: string): void {
        if (!this.keyword(word)) this.fail(`expected ${word}`);
    }

    punct(p: string): void {
        this.skipSpace();
        if (this.text[this.pos] !== p) this.fail(`expected '${p}'`);
        this.pos++;
    }

    integer(): number {
        this.skipSpace();
        const m = /^\d+/.exec(this.text.slice(this.pos));
        if (!m) this.fail("expected an integer");
        this.pos += m![0].length;
        return Number(m![0]);
    }

    datumList(): CatalogDatum[] {
        this.punct("(");
        const out: CatalogDatum[] = [this.datum()];
        for (;;) {
            this.skipSpace();
            if (this.text[this.pos] === ")") {
                this.pos++;
                return out;
            }
            this.punct(",");
            out.push(this.datum());
        }
    }

    private datum(): CatalogDatum {
        this.skipSpace();
        const rest = this.text.slice(this.pos);
        if (/^[eE]'/.test(rest)) {
            this.pos++;
            return this.quoted(true);
        }
        if (rest.startsWith("'")) return this.quoted(false);
        const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
        if (num) {
            this.pos += num[0].length;
            return num[0];
        }
        for (const w of ["MINVALUE", "MAXVALUE", "NULL", "TRUE", "FALSE"]) {
            if (this.keyword(w)) {
                if (w === "NULL") return null;
                if (w === "MINVALUE" || w === "MAXVALUE") return { special: w };
                return w.toLowerCase();
            }
        }
        return this.fail("expected a literal");
    }

    private quoted(backslashEscapes: boolean): string {
        let out = "";
        for (let i = this.pos + 1; i < this.text.length; i++) {
            const c = this.text[i];
            if (backslashEscapes && c === "\\") {
                out += this.text[++i];
            } else if (c === "'") {
                if (this.text[i + 1] === "'") {
                    out += "'";
                    i++;
                } else {
                    this.pos = i + 1;
                    return out;
                }
            } else {
                out += c;
            }
        }
        return this.fail("unterminated literal");
    }

    end(): void {
        this.skipSpace();
        if (this.pos !== this.text.length) this.fail("unexpected trailing text");
    }

    private fail(why: string): never {
        throw new BoundParseError(this.text, `${why} at offset ${this.pos}`);
    }
}

/** True when a catalog bound is the bound the spec asks for, comparing values as the key types do. */
export function boundsEqual(desired: DesiredBound, actual: CatalogBound, kinds: readonly KeyKind[]): boolean {
    switch (desired.kind) {
        case "range":
            return actual.kind === "range" && tupleEqual(desired.from, actual.from, kinds) && tupleEqual(desired.to, actual.to, kinds);
        case "list": {
            if (actual.kind !== "list" || actual.values.length !== desired.values.length) return false;
            const want = new Set(desired.values.map((v) => datumKey(v, kinds[0])));
            return actual.values.every((v) => typeof v === "string" && want.has(datumKey(v, kinds[0])));
        }
        case "hash":
            return actual.kind === "hash" && actual.modulus === desired.modulus && actual.remainder === desired.remainder;
    }
}

function tupleEqual(want: KeyValue[], got: CatalogDatum[], kinds: readonly KeyKind[]): boolean {
    return want.length === got.length && want.every((v, i) => typeof got[i] === "string" && datumKey(v, kinds[i]) === datumKey(got[i] as string, kinds[i]));
}

function datumKey(v: KeyValue, kind: KeyKind | undefined): string {
    const n = normalizeKeyValue(kind ?? "opaque", v);
    return n.ok ? n.value.key : `raw:${String(v)}`;
}

/** The lower and upper bound of a single-column range as epoch microseconds, for time keys; null otherwise. */
export function rangeMicros(b: CatalogBound, kind: KeyKind): { from: bigint; to: bigint } | null {
    if (kind !== "date" && kind !== "timestamp" && kind !== "timestamptz") return null;
    if (b.kind !== "range" || b.from.length !== 1 || typeof b.from[0] !== "string" || typeof b.to[0] !== "string") return null;
    const from = normalizeKeyValue(kind, b.from[0]);
    const to = normalizeKeyValue(kind, b.to[0]);
    if (!from.ok || !to.ok || typeof from.value.order !== "bigint" || typeof to.value.order !== "bigint") return null;
    return { from: from.value.order, to: to.value.order };
}
