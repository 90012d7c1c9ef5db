// Build contexts for `Image`: .dockerignore handling, the context digest the real provider stores in
// `build.contextDigest` (so a changed file shows up as a diff), and the tar sent to the daemon.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { TarEntry } from "./tar";

export interface BuildPaths {
    context: string;
    dockerfile: string;
}

/** Relative paths resolve against the working directory, which the engine sets to the program's. */
export function resolveBuildPaths(build: { context?: unknown; dockerfile?: unknown }, cwd = process.cwd()): BuildPaths {
    const context = path.resolve(cwd, typeof build.context === "string" ? build.context : ".");
    const dockerfile =
        typeof build.dockerfile === "string" ? path.resolve(cwd, build.dockerfile) : path.join(context, "Dockerfile");
    return { context, dockerfile };
}

/** Why the build cannot start, in the real provider's words where it has some; undefined if fine. */
export function buildPathProblem(build: { context?: unknown; dockerfile?: unknown }, cwd = process.cwd()): string | undefined {
    const paths = resolveBuildPaths(build, cwd);
    if (!isDirectory(paths.context)) {
        return `build context ${paths.context} is not a directory`;
    }
    if (!fs.existsSync(paths.dockerfile)) {
        const given = typeof build.dockerfile === "string" ? build.dockerfile : "Dockerfile";
        const inContext = path.join(paths.context, given);
        if (typeof build.dockerfile === "string" && !path.isAbsolute(given) && fs.existsSync(inContext)) {
            return `could not open dockerfile at relative path ${given}. Try setting \`dockerfile\` to ${JSON.stringify(
                path.relative(cwd, inContext),
            )}`;
        }
        return `could not open dockerfile at ${paths.dockerfile}`;
    }
    return undefined;
}

function isDirectory(p: string): boolean {
    try {
        return fs.statSync(p).isDirectory();
    } catch {
        return false;
    }
}

// --- .dockerignore, with the semantics of Docker's pattern matcher ---

interface Pattern {
    regex: RegExp;
    exclusion: boolean;
}

export function readIgnorePatterns(paths: BuildPaths): Pattern[] {
    // Like the real provider: `<Dockerfile name>.dockerignore` wins over `.dockerignore`.
    const specific = path.join(paths.context, `${path.basename(paths.dockerfile)}.dockerignore`);
    const file = fs.existsSync(specific) ? specific : path.join(paths.context, ".dockerignore");
    if (!fs.existsSync(file)) {
        return [];
    }
    const patterns: Pattern[] = [];
    for (const raw of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
        if (raw.startsWith("#")) {
            continue;
        }
        let p = raw.trim();
        if (!p) {
            continue;
        }
        const exclusion = p.startsWith("!");
        if (exclusion) {
            p = p.slice(1).trim();
        }
        if (p) {
            p = path.posix.normalize(p.replace(/\\/g, "/"));
            if (p.length > 1 && p.startsWith("/")) {
                p = p.slice(1);
            }
            p = p.replace(/\/+$/, "") || p;
        }
        patterns.push({ regex: compilePattern(p), exclusion });
    }
    return patterns;
}

function compilePattern(p: string): RegExp {
    let re = "^";
    let inClass = false;
    for (let i = 0; i < p.length; i++) {
        const ch = p[i];
        if (inClass) {
            // Character classes mean the same in Go's filepath.Match and in JS ([a-z], [^x]).
            re += ch === "\\" && i + 1 < p.length ? `\\${p[++i]}` : ch;
            inClass = ch !== "]";
        } else if (ch === "[") {
            re += ch;
            inClass = true;
        } else if (ch === "*") {
            if (p[i + 1] === "*") {
                i++;
                if (p[i + 1] === "/") {
                    i++;
                }
                re += i + 1 >= p.length ? ".*" : "(.*/)?";
            } else {
                re += "[^/]*";
            }
        } else if (ch === "?") {
            re += "[^/]";
        } else if (ch === "\\" && i + 1 < p.length) {
            re += p[++i].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        } else {
            re += ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        }
    }
    try {
        return new RegExp(`${re}$`);
    } catch {
        // An unbalanced class: match the pattern literally rather than fail the whole build.
        return new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
    }
}

/** A path is excluded when the last pattern matching it (or one of its parent dirs) says so. */
function excluded(rel: string, patterns: Pattern[]): boolean {
    let result = false;
    const parts = rel.split("/");
    for (const pat of patterns) {
        let match = pat.regex.test(rel);
        for (let n = 1; !match && n < parts.length; n++) {
            match = pat.regex.test(parts.slice(0, n).join("/"));
        }
        if (match) {
            result = !pat.exclusion;
        }
    }
    return result;
}

interface WalkedEntry {
    rel: string;
    abs: string;
    stat: fs.Stats;
}

/** Files and directories of the context not excluded by .dockerignore, in lexical order. */
function walkContext(paths: BuildPaths, patterns: Pattern[]): WalkedEntry[] {
    const out: WalkedEntry[] = [];
    const canPrune = !patterns.some((p) => p.exclusion);
    const visit = (dirAbs: string, dirRel: string) => {
        for (const name of fs.readdirSync(dirAbs).sort()) {
            const abs = path.join(dirAbs, name);
            const rel = dirRel ? `${dirRel}/${name}` : name;
            const stat = fs.lstatSync(abs);
            const skip = excluded(rel, patterns);
            if (stat.isDirectory()) {
                if (!skip) {
                    out.push({ rel, abs, stat });
                }
                if (!skip || !canPrune) {
                    visit(abs, rel);
                }
            } else if (!skip) {
                out.push({ rel, abs, stat });
            }
        }
    };
    visit(paths.context, "");
    return out;
}

// --- context digest (same construction as pulumi-docker's hashContext) ---

/** Go's os.FileMode.String(), which the real digest folds in so mode changes are noticed. */
function goModeString(stat: fs.Stats | undefined): string {
    if (!stat) {
        return "----------";
    }
    let s = "";
    if (stat.isDirectory()) s += "d";
    if (stat.isSymbolicLink()) s += "L";
    if (stat.isBlockDevice() || stat.isCharacterDevice()) s += "D";
    if (stat.isFIFO()) s += "p";
    if (stat.isSocket()) s += "S";
    if (stat.mode & 0o4000) s += "u";
    if (stat.mode & 0o2000) s += "g";
    if (stat.isCharacterDevice()) s += "c";
    if (stat.mode & 0o1000) s += "t";
    if (!s) s = "-";
    const rwx = "rwxrwxrwx";
    for (let i = 0; i < 9; i++) {
        s += stat.mode & (1 << (8 - i)) ? rwx[i] : "-";
    }
    return s;
}

export function contextDigest(paths: BuildPaths): string {
    const acc: Buffer[] = [];
    const add = (file: string, rel: string, stat: fs.Stats | undefined) => {
        const h = crypto.createHash("sha256");
        if (stat?.isSymbolicLink()) {
            // The link itself, not its target's content: a changed link is a change.
            h.update(fs.realpathSync(file).split(path.sep).join("/"));
        } else {
            h.update(fs.readFileSync(file));
        }
        acc.push(Buffer.from(path.posix.normalize(rel)), Buffer.from(goModeString(stat)), h.digest(), Buffer.from([0]));
    };
    // The Dockerfile always counts under one name, wherever it lives (as in the real provider).
    add(paths.dockerfile, "Dockerfile", undefined);
    for (const e of walkContext(paths, readIgnorePatterns(paths))) {
        if (!e.stat.isDirectory()) {
            add(e.abs, e.rel, e.stat);
        }
    }
    return crypto.createHash("sha256").update(Buffer.concat(acc)).digest("hex");
}

// --- the archive sent to POST /build ---

export function contextEntries(paths: BuildPaths): { entries: TarEntry[]; dockerfileName: string } {
    const patterns = readIgnorePatterns(paths);
    const rel = path.relative(paths.context, paths.dockerfile).split(path.sep).join("/");
    const inContext = !rel.startsWith("../") && !path.isAbsolute(rel);
    // The daemon needs the Dockerfile and .dockerignore even when they are ignored.
    const forced = new Set([".dockerignore", inContext ? rel : ""]);
    const entries: TarEntry[] = [];
    const seen = new Set<string>();
    for (const e of walkContext(paths, patterns)) {
        seen.add(e.rel);
        entries.push(toEntry(e));
    }
    for (const f of forced) {
        const abs = path.join(paths.context, f);
        if (f && !seen.has(f) && fs.existsSync(abs)) {
            entries.push(toEntry({ rel: f, abs, stat: fs.lstatSync(abs) }));
        }
    }
    let dockerfileName = rel;
    if (!inContext) {
        // As the docker CLI does: ship an outside Dockerfile under a random name at the root.
        dockerfileName = `.dockerfile.${crypto.randomBytes(10).toString("hex")}`;
        entries.push({ name: dockerfileName, type: "file", mode: 0o644, data: fs.readFileSync(paths.dockerfile) });
    }
    return { entries, dockerfileName };
}

function toEntry(e: WalkedEntry): TarEntry {
    const mtime = Math.floor(e.stat.mtimeMs / 1000);
    if (e.stat.isDirectory()) {
        return { name: e.rel, type: "dir", mode: e.stat.mode & 0o7777, mtime };
    }
    if (e.stat.isSymbolicLink()) {
        return { name: e.rel, type: "symlink", mode: 0o777, linkname: fs.readlinkSync(e.abs), mtime };
    }
    return { name: e.rel, type: "file", mode: e.stat.mode & 0o7777, data: fs.readFileSync(e.abs), mtime };
}
