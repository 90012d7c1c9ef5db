import { EXIT, Io } from "./io";

/** A wrong command-line option, named so a script (or a person) can fix it. */
export interface UsageError {
    /** The command-line option, e.g. "--connections-peak". */
    option: string;
    /** The input field it fills, e.g. "current_metrics.connections_peak", where that differs from the option. */
    field?: string;
    message: string;
}

/** "-3", "-0.5", "-.5", "-1e3": what a person means as a number, not as an option. */
const NEGATIVE_NUMBER = /^-(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * `--opt -3` as `--opt=-3` when --opt takes a value. parseArgs refuses a value that starts with a
 * dash as ambiguous, which would hide the other bad options; joined, the value reaches validation,
 * which names the field like any other bad value. Anything after `--` is left alone.
 */
export function joinNegativeValues(argv: readonly string[], options: Readonly<Record<string, { type: "string" | "boolean"; short?: string }>>): string[] {
    const takesValue = (arg: string): boolean => {
        if (arg.startsWith("--")) return options[arg.slice(2)]?.type === "string";
        return /^-[^-]$/.test(arg) && Object.values(options).some((o) => o.short === arg[1] && o.type === "string");
    };
    const out: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--") return [...out, ...argv.slice(i)];
        const next = argv[i + 1];
        if (next !== undefined && NEGATIVE_NUMBER.test(next) && takesValue(arg)) {
            out.push(arg.startsWith("--") ? `${arg}=${next}` : `${arg}${next}`);
            i++;
        } else out.push(arg);
    }
    return out;
}

/** parseArgs' own errors ("Unknown option '--x'", "Option '--y <value>' argument missing") as a UsageError. */
export function usageErrorFrom(err: unknown): UsageError {
    const message = err instanceof Error ? err.message : String(err);
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? /"(-[^" ]+)"/.exec(message)?.[1] ?? "(arguments)";
    return { option, message: message.split("\n")[0] };
}

/** A required option, or a URL of one of `protocols`. The value itself is never echoed: URIs carry passwords. */
export function urlProblem(option: string, value: string | undefined, protocols: readonly string[], required: boolean): UsageError | undefined {
    if (value === undefined) {
        if (!required) return undefined;
        const envVar = (URI_ENV as Record<string, string>)[option];
        return { option, message: envVar ? `is required (or set ${envVar})` : "is required" };
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return { option, message: `is not a URL (expected ${protocols.map((p) => `${p}//...`).join(" or ")})` };
    }
    if (!protocols.includes(url.protocol)) return { option, message: `must be a ${protocols.join(" or ")} URL, not ${url.protocol}` };
    return undefined;
}

/**
 * Environment variables that stand in for URI options, so that passwords need not appear on a
 * command line (where `ps` and shell history keep them). The names match what @pgscale/testing's
 * `cluster.env()` and jest helpers export. A URI may also leave the password out: node-postgres then
 * reads PGPASSWORD or ~/.pgpass, like libpq.
 */
export const URI_ENV = {
    "--primary-uri": "PGSCALE_PRIMARY_URI",
    "--replica-uri": "PGSCALE_REPLICA_URI",
    "--pooler-admin-uri": "PGSCALE_POOLER_ADMIN_URI",
} as const;

/** The option's value, else its environment variable's (an empty variable counts as unset). */
export function uriFrom(option: keyof typeof URI_ENV, value: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
    return value ?? (env[URI_ENV[option]] || undefined);
}

/** The help text's paragraph on URI environment variables. */
export function uriEnvHelp(options: Array<keyof typeof URI_ENV>): string {
    return [
        "Each URI option may be given through the environment instead, keeping passwords off the command",
        `line: ${options.map((o) => `${o} = ${URI_ENV[o]}`).join(", ")}. A URI without a password`,
        "takes it from PGPASSWORD or ~/.pgpass.",
    ].join("\n");
}

export const PG_PROTOCOLS = ["postgresql:", "postgres:"] as const;
export const HTTP_PROTOCOLS = ["http:", "https:"] as const;

/** Exit 2 with the errors: a JSON list on stdout under --json, else one line each on stderr. */
export function reportUsageErrors(command: string, errors: UsageError[], json: boolean, io: Io): number {
    if (json) io.out(JSON.stringify({ errors }, null, 2));
    else io.err([`pgscale ${command}: invalid input`, ...errors.map((e) => `  ${e.option}${e.field ? ` (${e.field})` : ""}: ${e.message}`), "", `pgscale ${command} --help lists the options.`].join("\n"));
    return EXIT.usage;
}

/** "postgresql://app:secret@127.0.0.1:5000/appdb" -> "app@127.0.0.1:5000/appdb", for output. */
export function redactUri(uri: string): string {
    try {
        const u = new URL(uri);
        return `${u.username ? `${decodeURIComponent(u.username)}@` : ""}${u.host}${u.pathname}`;
    } catch {
        return "(unparsable URI)";
    }
}
