// One way to call Patroni's REST API, for the providers, the CLI and the test kit alike. The
// transport (global fetch) is the caller's: core builds requests and reads answers, it does no I/O.

/** restapi.authentication: required by the unsafe endpoints (POST, PATCH), ignored by GETs. */
export interface PatroniCredentials {
    username: string;
    password: string;
}

export interface PatroniCall {
    /** Default GET. */
    method?: string;
    /** Sent as JSON. */
    body?: unknown;
    auth?: PatroniCredentials;
    /** Default 5000; POST /switchover answers only once the switchover is done, so give it more. */
    timeoutMs?: number;
    /**
     * The CA (PEM) an `https` member's certificate must chain to; the certificate must also name the
     * URL's host. Without it, the system's CAs (which never signed a member's certificate).
     */
    ca?: string;
}

export interface PatroniRequest {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal: AbortSignal;
    /** PatroniCall.ca. */
    ca?: string;
}

/** What a call needs of fetch; Node's global fetch is one. */
export type PatroniTransport = (url: string, init: PatroniRequest) => Promise<{ status: number; statusText: string; ok: boolean; text(): Promise<string> }>;

export interface PatroniAnswer {
    status: number;
    statusText: string;
    ok: boolean;
    /** The body as Patroni sent it. */
    text: string;
    /** The body parsed as JSON; the text itself where it is none (some errors are plain text). */
    body: any;
}

/**
 * `path` below a member's REST base URL. The base may carry a path of its own (a proxy prefix, a
 * stand-in serving several members), which `new URL(path, base)` would drop.
 */
export function patroniUrl(base: string, path: string): string {
    return base.replace(/\/+$/, "") + path;
}

export function patroniRequestInit(call: PatroniCall = {}): PatroniRequest {
    const headers: Record<string, string> = {};
    if (call.body !== undefined) headers["content-type"] = "application/json";
    if (call.auth) headers.authorization = "Basic " + Buffer.from(`${call.auth.username}:${call.auth.password}`).toString("base64");
    return {
        method: call.method ?? "GET",
        headers,
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        signal: AbortSignal.timeout(call.timeoutMs ?? 5000),
        ...(call.ca !== undefined ? { ca: call.ca } : {}),
    };
}

export function patroniAnswer(status: number, statusText: string, text: string): PatroniAnswer {
    let body: unknown;
    try {
        body = JSON.parse(text);
    } catch {
        body = text;
    }
    return { status, statusText, ok: status >= 200 && status < 300, text, body };
}

/**
 * One request to one member. Any HTTP status is an answer (callers decide what an error is);
 * a member that does not answer rejects with the transport's own error (ECONNREFUSED in its
 * `cause`, a TimeoutError), which callers report.
 */
export async function patroniRequest(transport: PatroniTransport, base: string, path: string, call: PatroniCall = {}): Promise<PatroniAnswer> {
    const res = await transport(patroniUrl(base, path), patroniRequestInit(call));
    return patroniAnswer(res.status, res.statusText, await res.text());
}
