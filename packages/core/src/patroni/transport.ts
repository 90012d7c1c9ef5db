import * as http from "http";
import * as https from "https";
import type { PatroniRequest, PatroniTransport } from "./rest";

// The transport every caller of patroniRequest uses. Not Node's global fetch: a member's REST port
// is published through Docker's userland proxy, which accepts a connection before Patroni listens
// and then closes it; node-fetch's undici never fails that request but holds it until its timeout
// (measured: a GET sent 3 s before Patroni listened waited out a 15 s timeout, while http.request
// failed in 29 ms with ECONNRESET). Every readiness poll of a member that was just started lost its
// whole timeout (5 s on each new cluster's first check). node's http module fails at once, so the
// poll simply asks again.

/** A transport error: the socket's own error (ECONNREFUSED, ECONNRESET) is its `cause`, as with fetch. */
function failure(url: string, cause: Error): Error {
    if (cause.name === "TimeoutError" || cause.name === "AbortError") return cause;
    return new Error(`request to ${url} failed: ${cause.message}`, { cause });
}

export const patroniHttp: PatroniTransport = (url: string, init: PatroniRequest) => new Promise((resolve, reject) => {
    const target = new URL(url);
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers["content-length"] = Buffer.byteLength(init.body);
    // One connection per call (no keep-alive pool): members come and go between calls.
    // https verifies the member's certificate (chain to init.ca, name = the URL's host) and fails
    // the request otherwise; rejectUnauthorized is Node's default, stated so it cannot drift.
    const tls = target.protocol === "https:" ? { rejectUnauthorized: true, ...(init.ca !== undefined ? { ca: init.ca } : {}) } : {};
    const req = (target.protocol === "https:" ? https : http).request(target, { method: init.method, headers, agent: false, ...tls }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e) => reject(failure(url, e)));
        res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            resolve({ status, statusText: res.statusMessage ?? "", ok: status >= 200 && status < 300, text: async () => text });
        });
    });
    // The signal's reason is a DOMException named TimeoutError (AbortSignal.timeout), which callers report.
    const abort = () => req.destroy(typeof init.signal.reason === "object" && init.signal.reason !== null ? init.signal.reason : new Error("aborted"));
    if (init.signal.aborted) abort();
    else init.signal.addEventListener("abort", abort, { once: true });
    req.on("close", () => init.signal.removeEventListener("abort", abort));
    req.on("error", (e) => reject(failure(url, e)));
    if (init.body !== undefined) req.write(init.body);
    req.end();
});
