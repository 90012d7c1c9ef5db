import { EXIT, Io } from "./io";

/** A wrong command-line option, named so a script (or a person) can fix it. */
export interface UsageError {
    option: string;
    message: string;
}

/** parseArgs' own errors ("Unknown option '--x'", "Option '--y <value>' argument missing") as a UsageError. */
export function usageErrorFrom(err: unknown): UsageError {
    const message = err instanceof Error ? err.message : String(err);
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? /"(-[^" ]+)"/.exec(message)?.[1] ?? "(arguments)";
    return { option, message: message.split("\n")[0] };
}

/** A required option, or a URL of one of `protocols`. The value itself is never echoed: URIs carry passwords. */
export function urlProblem(option: string, value: string | undefined, protocols: readonly string[], required: boolean): UsageError | undefined {
    if (value === undefined) return required ? { option, message: "is required" } : undefined;
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return { option, message: `is not a URL (expected ${protocols.map((p) => `${p}//...`).join(" or ")})` };
    }
    if (!protocols.includes(url.protocol)) return { option, message: `must be a ${protocols.join(" or ")} URL, not ${url.protocol}` };
    return undefined;
}

export const PG_PROTOCOLS = ["postgresql:", "postgres:"] as const;
export const HTTP_PROTOCOLS = ["http:", "https:"] as const;

/** Exit 2 with the errors: a JSON list on stdout under --json, else one line each on stderr. */
export function reportUsageErrors(command: string, errors: UsageError[], json: boolean, io: Io): number {
    if (json) io.out(JSON.stringify({ errors }, null, 2));
    else io.err([`pgscale ${command}: invalid input`, ...errors.map((e) => `  ${e.option}: ${e.message}`), "", `pgscale ${command} --help lists the options.`].join("\n"));
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
