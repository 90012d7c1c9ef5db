// Quoting for SQL text we build ourselves. Identifiers are always quoted (so any
// name PostgreSQL accepts is safe, and case is preserved); values are rendered as
// literals only where PostgreSQL takes no bind parameters (DDL: partition bounds,
// defaults of generated statements).

/** PostgreSQL truncates identifiers to NAMEDATALEN-1 bytes; we refuse instead of truncating silently. */
export const MAX_IDENTIFIER_BYTES = 63;

/** Why `name` cannot be an identifier, or null when it can (quoted). */
export function identifierProblem(name: string): string | null {
    if (name.length === 0) return "must not be empty";
    if (name.includes("\0")) return "must not contain NUL characters";
    const bytes = Buffer.byteLength(name, "utf8");
    if (bytes > MAX_IDENTIFIER_BYTES) return `is ${bytes} bytes long; PostgreSQL identifiers are at most ${MAX_IDENTIFIER_BYTES} bytes`;
    return null;
}

export class SqlQuotingError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SqlQuotingError";
    }
}

/** `"name"` with embedded quotes doubled. Throws for names PostgreSQL would truncate or reject. */
export function quoteIdent(name: string): string {
    const problem = identifierProblem(name);
    if (problem) throw new SqlQuotingError(`identifier ${JSON.stringify(name)} ${problem}`);
    return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function quoteQualified(schema: string, name: string): string {
    return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/**
 * A string literal that means the same under any `standard_conforming_strings`:
 * like PostgreSQL's quote_literal, backslashes switch to the E'' form and are doubled.
 */
export function quoteLiteral(value: string): string {
    if (value.includes("\0")) throw new SqlQuotingError("string literals cannot contain NUL characters");
    const body = value.replace(/'/g, "''");
    return value.includes("\\") ? `E'${body.replace(/\\/g, "\\\\")}'` : `'${body}'`;
}

/** A value as SQL: strings as quoted literals, finite numbers as numeric literals. */
export function renderValue(value: string | number): string {
    if (typeof value === "number") {
        if (!Number.isFinite(value)) throw new SqlQuotingError(`${value} is not a finite number`);
        // Negative numbers go quoted so the text stays one token wherever it lands.
        return value < 0 ? `'${String(value)}'` : String(value);
    }
    return quoteLiteral(value);
}

/**
 * `body` as a dollar-quoted string (a DO block's or a function's text) under a tag the body does
 * not contain, so nothing inside can end it early.
 */
export function dollarQuote(body: string): string {
    let tag = "$pgscale$";
    for (let i = 1; body.includes(tag); i++) tag = `$pgscale${i}$`;
    return `${tag}${body}${tag}`;
}
