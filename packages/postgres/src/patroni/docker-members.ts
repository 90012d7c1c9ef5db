import * as http from "http";
import type { LiveMember } from "./rolling-ops";

// Container ports change with every replacement, so rolling changes find the live members of a
// Docker cluster through the engine (by the labels @pgscale/docker's PatroniCluster sets) rather
// than through URLs stored at the last deployment.

/** Labels that select one cluster's PostgreSQL containers. */
export interface MemberSelector {
    project: string;
    stack: string;
    component: string;
}

const API_PORT = 8008;
const PG_PORT = 5432;

/** GET on the Docker Engine API at DOCKER_HOST (unix:// or tcp://), as the docker provider and CLI use. */
function dockerGet(path: string): Promise<any> {
    const host = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
    let target: http.RequestOptions;
    if (host.startsWith("unix://")) target = { socketPath: host.slice("unix://".length) };
    else if (host.startsWith("tcp://")) {
        const u = new URL(host.replace(/^tcp:/, "http:"));
        target = { host: u.hostname, port: Number(u.port || 2375) };
    } else return Promise.reject(new Error(`DOCKER_HOST ${host}: only unix:// and tcp:// are supported`));
    return new Promise((resolve, reject) => {
        const req = http.get({ ...target, path, timeout: 5000 }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (d) => (text += d));
            res.on("end", () => {
                if ((res.statusCode ?? 500) >= 300) return reject(new Error(`Docker engine GET ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
                try {
                    resolve(JSON.parse(text));
                } catch (e) {
                    reject(e);
                }
            });
        });
        req.on("timeout", () => req.destroy(new Error(`Docker engine GET ${path}: no answer within 5 s`)));
        req.on("error", reject);
    });
}

/** Running member containers of one cluster, with their loopback REST and PostgreSQL ports. */
export async function discoverMembers(selector: MemberSelector): Promise<LiveMember[]> {
    const filters = { label: [`pgscale.project=${selector.project}`, `pgscale.stack=${selector.stack}`, `pgscale.component=${selector.component}`, "pgscale.role=postgres"] };
    const containers: any[] = await dockerGet(`/containers/json?filters=${encodeURIComponent(JSON.stringify(filters))}`);
    const published = (c: any, port: number) => (c.Ports ?? []).find((p: any) => p.PrivatePort === port && p.Type === "tcp" && p.PublicPort);
    return containers.flatMap((c) => {
        const api = published(c, API_PORT);
        const name = c.Labels?.["pgscale.member"];
        if (!api || !name) return [];
        const host = (ip: string) => (!ip || ip === "0.0.0.0" ? "127.0.0.1" : ip);
        const pg = published(c, PG_PORT);
        return [{ name, restUrl: `http://${host(api.IP)}:${api.PublicPort}`, ...(pg ? { pg: { host: host(pg.IP), port: pg.PublicPort } } : {}) }];
    }).sort((a, b) => a.name.localeCompare(b.name));
}

