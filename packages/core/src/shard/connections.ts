import type { FieldIssue } from "../validation";
import type { ShardSpec } from "./spec";

// The connections of a ShardedTable: the coordinator's and one per shard (secrets,
// kept apart from the spec). Checked here before anything is created, and turned into
// the foreign server's options: where the coordinator reaches each shard.

export interface Endpoint {
    host: string;
    port: number;
    dbname: string;
}

/** host, port and database of a postgresql:// URI, or a problem. */
export function endpointOf(uri: string): Endpoint | string {
    let u: URL;
    try {
        u = new URL(uri);
    } catch {
        return "must be a postgresql:// URI";
    }
    if (u.protocol !== "postgresql:" && u.protocol !== "postgres:") return "must be a postgresql:// URI";
    if (!u.hostname) return "must name a host";
    const dbname = decodeURIComponent(u.pathname.replace(/^\//, "")) || decodeURIComponent(u.username);
    if (!dbname) return "must name a database";
    return { host: u.hostname.toLowerCase().replace(/^\[|\]$/g, ""), port: u.port ? Number(u.port) : 5432, dbname };
}

const same = (a: Endpoint, b: Endpoint) => a.host === b.host && a.port === b.port && a.dbname === b.dbname;
const show = (e: Endpoint) => `${e.host}:${e.port}/${e.dbname}`;

/** What is wrong with the connections; each issue names its field (coordinator, shards[i].uri). Values never appear. */
export function connectionIssues(coordinator: string, shards: readonly { name: string; uri: string }[]): FieldIssue[] {
    const issues: FieldIssue[] = [];
    const c = endpointOf(coordinator);
    if (typeof c === "string") issues.push({ field: "coordinator", message: c });
    const seen: { i: number; e: Endpoint }[] = [];
    shards.forEach((s, i) => {
        const e = endpointOf(s.uri);
        if (typeof e === "string") {
            issues.push({ field: `shards[${i}].uri`, message: e });
            return;
        }
        if (typeof c !== "string" && same(c, e)) issues.push({ field: `shards[${i}].uri`, message: `is the coordinator's database (${show(e)}); a shard is another database, usually another cluster` });
        const prev = seen.find((p) => same(p.e, e));
        if (prev) issues.push({ field: `shards[${i}].uri`, message: `is the same database as shards[${prev.i}] (${show(e)})` });
        seen.push({ i, e });
    });
    return issues;
}

/** Where the coordinator's server connects: the shard's uri, overridden by fromCoordinator. */
export function serverEndpoint(shard: Pick<ShardSpec, "fromCoordinator">, uri: string): Endpoint {
    const e = endpointOf(uri);
    if (typeof e === "string") throw new Error(`shard connection: ${e}`);
    return { host: shard.fromCoordinator?.host ?? e.host, port: shard.fromCoordinator?.port ?? e.port, dbname: e.dbname };
}
