import * as fs from "fs";
import { PatroniMember, patroniHttp, patroniRequest } from "@pgscale/core";
import type { UsageError } from "../options";

const TIMEOUT_MS = 3000;

/** GET /cluster of one member's REST API: every member as Patroni sees it. GET needs no credentials. */
export async function getCluster(url: string, timeoutMs = TIMEOUT_MS, ca?: string): Promise<PatroniMember[]> {
    const res = await patroniRequest(patroniHttp, url, "/cluster", { timeoutMs, ...(ca ? { ca } : {}) });
    if (!res.ok) throw new Error(`GET /cluster answered ${res.status} ${res.statusText}`);
    if (!res.body || typeof res.body !== "object") throw new Error(`GET /cluster answered no JSON document: ${res.text.slice(0, 200)}`);
    const body = res.body as { members?: Array<Record<string, unknown>> };
    return (body.members ?? []).map((m) => ({
        name: String(m.name),
        role: String(m.role),
        state: String(m.state),
        ...(m.host !== undefined ? { host: `${m.host}${m.port !== undefined ? `:${m.port}` : ""}` } : {}),
        ...(typeof m.timeline === "number" ? { timeline: m.timeline } : {}),
        ...(m.lag !== undefined ? { lag: m.lag as number | string } : {}),
    }));
}

export interface EndpointResult {
    url: string;
    reachable: boolean;
    error?: string;
    members?: PatroniMember[];
}

/** The cause of a failed request is where ECONNREFUSED and friends are (patroniHttp, as fetch). */
function requestError(err: unknown): string {
    const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
    // A certificate the CA did not sign, or one that does not name the host: say which option fixes it.
    if (cause?.code && /CERT|SIGNATURE|SELF_SIGNED|VERIFY/.test(cause.code)) return `certificate not trusted (${cause.code}: ${cause.message}): check --patroni-ca`;
    if (cause?.code) return cause.code;
    if (err instanceof Error && err.name === "TimeoutError") return `no answer within ${TIMEOUT_MS} ms`;
    return err instanceof Error ? err.message : String(err);
}

/** Asks every URL at once; the cluster view is the first that answered. */
export async function readClusters(urls: string[], ca?: string): Promise<{ endpoints: EndpointResult[]; members: PatroniMember[] | null }> {
    const endpoints = await Promise.all(urls.map(async (url): Promise<EndpointResult> => {
        try {
            return { url, reachable: true, members: await getCluster(url, TIMEOUT_MS, ca) };
        } catch (err) {
            return { url, reachable: false, error: requestError(err) };
        }
    }));
    return { endpoints, members: endpoints.find((e) => e.members)?.members ?? null };
}

export interface Credentials {
    user: string;
    password: string;
}

export class PatroniRequestError extends Error {
    constructor(readonly status: number, body: string, hint: string) {
        super(`Patroni answered ${status}: ${body.trim() || "(no body)"}${hint ? `. ${hint}` : ""}`);
        this.name = "PatroniRequestError";
    }
}

/**
 * POST /switchover. Without scheduled_at Patroni answers once the switchover is done
 * (or failed), so this waits for it.
 */
export async function requestSwitchover(url: string, body: { leader: string; candidate?: string }, auth: Credentials | undefined, timeoutMs = 60_000, ca?: string): Promise<string> {
    const credentials = auth ? { username: auth.user, password: auth.password } : undefined;
    const res = await patroniRequest(patroniHttp, url, "/switchover", { method: "POST", body, auth: credentials, timeoutMs, ...(ca ? { ca } : {}) });
    const text = res.text;
    if (res.status === 401) throw new PatroniRequestError(401, text, "Pass the REST API password with --password-env VAR (and --user if it is not patroni)");
    if (!res.ok) throw new PatroniRequestError(res.status, text, "");
    return text.trim();
}

/**
 * --patroni-ca: the CA file, read now so a wrong path is a usage error. An https --patroni-url is
 * verified against it (the certificate must chain to it and name the URL's host); without it, only
 * the system's CAs are trusted, which never signed a member's certificate.
 */
export function patroniCaOption(file: string | undefined, urls: string[]): { ca?: string; error?: UsageError } {
    if (file === undefined) {
        return urls.some((u) => u.startsWith("https:")) ? { error: { option: "--patroni-ca", message: "is required with an https --patroni-url (the cluster's restApiCaPem)" } } : {};
    }
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        return { error: { option: "--patroni-ca", message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` } };
    }
    if (!text.includes("-----BEGIN CERTIFICATE-----")) return { error: { option: "--patroni-ca", message: `${file} holds no PEM certificate` } };
    return { ca: text };
}
