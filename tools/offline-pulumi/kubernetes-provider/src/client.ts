// A minimal Kubernetes API client over HTTPS (client certificates or a bearer token): JSON in and
// out, server-side apply, and errors that carry the API's own message.
import * as https from "https";
import { ClusterAccess } from "./kubeconfig";

export type Obj = Record<string, unknown>;

export class ApiError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

/** The field manager of every apply, as the real provider's. */
export const FIELD_MANAGER = "pulumi-kubernetes";

export class KubeClient {
    private readonly agent: https.Agent;
    private readonly url: URL;

    constructor(private readonly access: ClusterAccess) {
        this.url = new URL(access.server);
        this.agent = new https.Agent({
            keepAlive: true,
            ca: access.ca,
            cert: access.cert,
            key: access.key,
            rejectUnauthorized: !access.insecure,
        });
    }

    get defaultNamespace(): string {
        return this.access.namespace ?? "default";
    }

    request(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Obj> {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const headers: Record<string, string | number> = { Accept: "application/json" };
        if (payload) {
            headers["Content-Type"] = contentType;
            headers["Content-Length"] = payload.length;
        }
        if (this.access.token) {
            headers.Authorization = `Bearer ${this.access.token}`;
        }
        return new Promise((resolve, reject) => {
            const req = https.request(
                { protocol: "https:", hostname: this.url.hostname, port: this.url.port || 443, method, path, headers, agent: this.agent, timeout: 60_000 },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: Obj = {};
                        try {
                            parsed = text ? (JSON.parse(text) as Obj) : {};
                        } catch {
                            parsed = { message: text };
                        }
                        const status = res.statusCode ?? 0;
                        if (status >= 200 && status < 300) {
                            resolve(parsed);
                        } else {
                            const msg = typeof parsed.message === "string" ? parsed.message : text;
                            reject(new ApiError(status, `${method} ${path}: ${status} ${msg}`));
                        }
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer from ${this.access.server} in 60s`)));
            req.on("error", reject);
            if (payload) {
                req.write(payload);
            }
            req.end();
        });
    }

    get(path: string): Promise<Obj | undefined> {
        return this.request("GET", path).catch((e: unknown) => {
            if (e instanceof ApiError && e.status === 404) {
                return undefined;
            }
            throw e;
        });
    }

    /** Server-side apply, taking over fields other managers hold (the provider's `force`). */
    apply(path: string, obj: Obj): Promise<Obj> {
        return this.request("PATCH", `${path}?fieldManager=${FIELD_MANAGER}&force=true`, obj, "application/apply-patch+yaml");
    }
}
