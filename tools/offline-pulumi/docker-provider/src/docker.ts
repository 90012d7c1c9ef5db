// Docker Engine API access: the client for the configured host, and the few error/stream helpers
// every resource needs.
import Docker from "dockerode";

export const DEFAULT_HOST = "unix:///var/run/docker.sock";

/** Hosts the stand-in can reach without extra tooling (no ssh://, no TLS material). */
export const HOST_PATTERN = /^(unix:\/\/\/.+|tcp:\/\/[^/:]+(:[0-9]+)?\/?)$/;

/** Same precedence as the real provider: `docker:host`, then DOCKER_HOST, then the local socket. */
export function resolveHost(configured?: string): string {
    return configured || process.env.DOCKER_HOST || DEFAULT_HOST;
}

export function dockerClient(host: string): Docker {
    if (host.startsWith("unix://")) {
        return new Docker({ socketPath: host.slice("unix://".length) });
    }
    const m = /^tcp:\/\/([^/:]+)(?::([0-9]+))?\/?$/.exec(host);
    if (m) {
        return new Docker({ host: m[1], port: Number(m[2] ?? 2375), protocol: "http" });
    }
    throw new Error(`docker host ${JSON.stringify(host)} is not supported by the offline stand-in (use unix:///path or tcp://host:port)`);
}

interface DockerError {
    statusCode?: number;
    json?: { message?: string } | string | null;
    reason?: string;
    message?: string;
}

export function statusCode(err: unknown): number | undefined {
    return (err as DockerError | undefined)?.statusCode;
}

export function isNotFound(err: unknown): boolean {
    return statusCode(err) === 404;
}

/** The daemon's own message (e.g. "No such container: x") rather than dockerode's HTTP wrapper. */
export function dockerMessage(err: unknown): string {
    const e = err as DockerError | undefined;
    if (e?.json && typeof e.json === "object" && e.json.message) {
        return e.json.message;
    }
    if (typeof e?.json === "string" && e.json.trim()) {
        return e.json.trim();
    }
    return e?.message ?? String(err);
}

/** Reads a JSON-lines progress stream (pull, build) to the end; a message with `error` fails it. */
export async function consumeJsonStream(stream: NodeJS.ReadableStream): Promise<Array<Record<string, unknown>>> {
    const messages: Array<Record<string, unknown>> = [];
    let buf = "";
    const take = (line: string) => {
        const trimmed = line.trim();
        if (!trimmed) {
            return;
        }
        try {
            messages.push(JSON.parse(trimmed) as Record<string, unknown>);
        } catch {
            messages.push({ stream: trimmed });
        }
    };
    await new Promise<void>((resolve, reject) => {
        stream.on("data", (chunk: Buffer | string) => {
            buf += chunk.toString();
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) {
                take(buf.slice(0, nl));
                buf = buf.slice(nl + 1);
            }
        });
        stream.on("end", () => resolve());
        stream.on("close", () => resolve());
        stream.on("error", reject);
    });
    take(buf);
    return messages;
}

export function streamError(messages: Array<Record<string, unknown>>): string | undefined {
    for (const m of messages) {
        const detail = m.errorDetail as { message?: string } | undefined;
        if (m.error || detail?.message) {
            return String(detail?.message ?? m.error);
        }
    }
    return undefined;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
