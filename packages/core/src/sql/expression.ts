// Column types and default expressions are SQL text by nature, so they cannot be
// quoted. We accept only text that stays one type name / one expression once
// placed in a statement: no statement separators, comments or dollar quotes, and
// balanced brackets (defaults are also rendered inside parentheses).

const WORD = String.raw`[A-Za-z_][A-Za-z0-9_$]*`;
const MODIFIER = String.raw`\s*\(\s*\d+(?:\s*,\s*-?\d+)?\s*\)`;
const TYPE_NAME = new RegExp(
    String.raw`^${WORD}(?:\.${WORD})?(?:${MODIFIER})?(?:\s+${WORD}(?:${MODIFIER})?)*(?:\s*\[\s*\d*\s*\])*$`,
);

/** Why `text` is not an acceptable column type, or null. Accepts e.g. `bigint`, `numeric(10,2)`, `timestamp(3) with time zone`, `text[]`, `app.mood`. */
export function typeNameProblem(text: string): string | null {
    if (!TYPE_NAME.test(text.trim())) {
        return "must be a type name such as bigint, text, numeric(10,2), timestamp with time zone or text[] (letters, digits, _ and $, an optional schema, modifiers and [] only)";
    }
    return null;
}

/** Why `text` is not acceptable as a single SQL expression (e.g. a column default), or null. */
export function expressionProblem(text: string): string | null {
    if (text.trim() === "") return "must not be empty";
    if (text.includes("\0")) return "must not contain NUL characters";
    const closers: string[] = [];
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        const next = text[i + 1];
        if (c === "'" || c === '"') {
            // E'...' strings honour backslash escapes; plain ones only doubled quotes.
            const escapes = c === "'" && i > 0 && /[eE]/.test(text[i - 1]) && !/[A-Za-z0-9_$]/.test(text[i - 2] ?? "");
            const end = skipQuoted(text, i, c, escapes);
            if (end < 0) return `has an unterminated ${c === "'" ? "string literal" : "quoted identifier"}`;
            i = end;
        } else if (c === ";") {
            return "must be a single expression (no ';')";
        } else if ((c === "-" && next === "-") || (c === "/" && next === "*")) {
            return "must not contain comments";
        } else if (c === "$" && !/[A-Za-z0-9_]/.test(text[i - 1] ?? "")) {
            return "must not use dollar quoting or parameters ($)";
        } else if (c === "(" || c === "[") {
            closers.push(c === "(" ? ")" : "]");
        } else if (c === ")" || c === "]") {
            if (closers.pop() !== c) return `has an unbalanced '${c}'`;
        }
    }
    if (closers.length > 0) return `has an unclosed '${closers[closers.length - 1] === ")" ? "(" : "["}'`;
    return null;
}

/** Index of the closing quote of the quoted run starting at `start`, or -1. */
function skipQuoted(text: string, start: number, quote: string, backslashEscapes: boolean): number {
    for (let i = start + 1; i < text.length; i++) {
        const c = text[i];
        if (backslashEscapes && c === "\\") {
            i++;
        } else if (c === quote) {
            if (text[i + 1] === quote) i++;
            else return i;
        }
    }
    return -1;
}
