// The command lines README.md and docs/*.md tell a reader to run, found where a reader finds them:
// shell code blocks, indented code blocks and inline code. test/e2e/docs-commands.test.ts runs them.
import * as fs from "fs";
import * as path from "path";

/**
 * - `run`: a command line to run as written (placeholders like `<rest-port>` aside);
 * - `synopsis`: a usage form (`[--json]`, `a|b`), checked against the command's --help;
 * - `name`: a command named in prose (`pgscale doctor`), which must exist;
 * - `context`: `export ...` / `source ...` lines of a code block, run before its commands.
 */
export type DocLineKind = "run" | "synopsis" | "name" | "context";

export interface DocLine {
    /** Relative to the repository root. */
    file: string;
    /** 1-based. */
    line: number;
    kind: DocLineKind;
    /** As written, without a trailing `# comment`; a synopsis continued on the next lines is joined. */
    text: string;
    /** Run lines in a code block: the context lines above them in the same block. */
    context: string[];
}

/** Code blocks in these languages hold shell; others (ts, json, ...) are never run. */
const SHELL_LANGUAGES = ["", "sh", "bash", "shell", "console"];

/** `source scripts/env.sh && ` and `VAR=value ` in front of the command itself. */
const PREFIX = /^(?:source \S+ && |[A-Z_][A-Z0-9_]*=\S* )*/;

/** What the command is: the tool after the prefix. */
export function commandOf(text: string): string {
    return text.replace(PREFIX, "");
}

/** A line that runs pgscale's bins or anything through npx, alone or in a `&&` chain. */
function isCommand(text: string): boolean {
    if (/^pgscale(-testing)?( [a-z-]+)?:/.test(commandOf(text))) return false; // the CLI's own output ("pgscale doctor: CRITICAL ...")
    return text.split(" && ").some((part) => {
        const cmd = commandOf(part);
        return /^npx \S/.test(cmd) || /^pgscale(-testing)?( |$)/.test(cmd);
    });
}

function classify(text: string): Exclude<DocLineKind, "context"> {
    const cmd = commandOf(text);
    if (/\[-|\]\.\.\.|\w\|\w/.test(cmd)) return "synopsis";
    // No options: the command's name (`pgscale doctor`, `npx pgscale`), checked through its --help.
    if (/^(npx )?pgscale(-testing)?( [a-z][a-z-]*)*$/.test(cmd)) return "name";
    return "run";
}

/** `cmd   # why` -> `cmd`; a `#` inside quotes or without the spaces before it is kept. */
function withoutComment(text: string): string {
    return text.replace(/\s{2,}#\s.*$/, "").trimEnd();
}

/** Every command line of one markdown text. */
export function extractFrom(file: string, markdown: string): DocLine[] {
    const found: DocLine[] = [];
    const lines = markdown.split("\n");
    let fence: string | undefined; // language of the open fenced block
    let context: string[] = [];
    let previousBlank = true;
    let inIndented = false;
    let synopsisUntil = -1; // last line of the synopsis above, for one wrapped onto the next line
    const add = (line: number, raw: string, inBlock: boolean) => {
        const text = withoutComment(raw.trim());
        if (inBlock && text.startsWith("[") && synopsisUntil === line - 1) {
            found[found.length - 1].text += `\n${text}`;
            synopsisUntil = line;
            return;
        }
        if (inBlock && /^(export \w+=|source \S+$)/.test(text)) {
            context.push(text);
            found.push({ file, line, kind: "context", text, context: [] });
            return;
        }
        if (!isCommand(text)) return;
        const kind = classify(text);
        if (kind === "synopsis" && inBlock) synopsisUntil = line;
        found.push({ file, line, kind, text, context: kind === "run" && inBlock ? [...context] : [] });
    };
    lines.forEach((raw, i) => {
        const n = i + 1;
        const opening = /^\s*```\s*([\w-]*)/.exec(raw);
        if (opening) {
            if (fence === undefined) {
                fence = opening[1];
                context = [];
            } else fence = undefined;
            return;
        }
        if (fence !== undefined) {
            if (SHELL_LANGUAGES.includes(fence)) add(n, raw, true);
            return;
        }
        // An indented code block: 4 spaces after a blank line (or continuing one), not a list item's text.
        const indented = /^ {4}\S/.test(raw) && (previousBlank || inIndented);
        if (indented && !inIndented) context = [];
        inIndented = indented || (inIndented && raw.trim() === "");
        previousBlank = raw.trim() === "";
        if (indented) {
            add(n, raw, true);
            return;
        }
        for (const m of raw.matchAll(/`([^`]+)`/g)) add(n, m[1], false);
    });
    return found;
}

/** README.md and every docs/*.md of the checkout at `root`. */
export function extractDocCommands(root: string): DocLine[] {
    const files = ["README.md", ...fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];
    return files.flatMap((f) => extractFrom(f, fs.readFileSync(path.join(root, f), "utf8")));
}

/** `<rest-port>`-style placeholders in a line. */
export function placeholdersOf(text: string): string[] {
    return [...new Set([...text.matchAll(/<[a-z][a-z-]*>/g)].map((m) => m[0]))];
}
