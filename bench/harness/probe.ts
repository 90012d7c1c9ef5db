// Readiness probes and engine helpers shared by the benchmarks. Both sides of a row use the same
// probe, polled at the same interval, so a difference is the sides', not the probes'.
import { execFileSync, spawnSync } from "child_process";
import { Client } from "pg";
import { parse as parseYaml } from "yaml";
import { libpqCompatible, sleep } from "@pgscale/core";

export const POLL_MS = 100;

export async function tryQuery(uri: string, sql: string, timeoutMs = 1000): Promise<any[] | undefined> {
    const c = new Client({ connectionString: libpqCompatible(uri), connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
    // A server going away (HAProxy cutting sessions, a container removed) arrives as an event.
    c.on("error", () => undefined);
    try {
        await c.connect();
        const res: any = await c.query(sql);
        // A multi-statement string answers with one result per statement; the last one counts.
        return Array.isArray(res) ? res[res.length - 1].rows : res.rows;
    } catch {
        return undefined;
    } finally {
        await c.end().catch(() => undefined);
    }
}

/** Until a write succeeds and `replicas` replicas stream; seconds since t0. */
export async function untilReady(uri: string, replicas: number, t0: number, limitS = 300): Promise<number> {
    const sql = "CREATE TABLE IF NOT EXISTS bench_probe(at timestamptz); INSERT INTO bench_probe VALUES (now()); " +
        "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'";
    while (Date.now() - t0 < limitS * 1000) {
        const rows = await tryQuery(uri, sql);
        if (rows && rows[0].n >= replicas) return (Date.now() - t0) / 1000;
        await sleep(POLL_MS);
    }
    throw new Error(`not ready within ${limitS} s: ${uri.replace(/:[^:@/]*@/, ":***@")}`);
}

export function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export function dockerQuiet(...args: string[]): string | undefined {
    const r = spawnSync("docker", args, { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : undefined;
}

/** When a container started, in ms since the epoch (Docker's State.StartedAt). */
export function startedAt(container: string): number {
    return Date.parse(docker("inspect", "-f", "{{.State.StartedAt}}", container));
}

/**
 * What a Patroni member was really given: its patroni.yml's bootstrap DCS section (timings and
 * PostgreSQL parameters) and the image id. Read from the container, so a like-for-like claim rests
 * on what ran, not on what the benchmark meant to pass.
 */
export function observePatroni(container: string): Record<string, unknown> {
    const yml = parseYaml(docker("exec", container, "cat", "/etc/patroni/patroni.yml"));
    const dcs = yml.bootstrap?.dcs ?? {};
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(dcs.postgresql?.parameters ?? {})) params[k] = typeof v === "boolean" ? (v ? "on" : "off") : String(v);
    return {
        ttl: dcs.ttl, loopWait: dcs.loop_wait, retryTimeout: dcs.retry_timeout,
        parameters: params,
        // What the control plane ran (controlPlane "locked"): etcd over TLS with a user, REST over HTTPS.
        etcdTls: yml.etcd3?.protocol === "https", etcdAuth: Boolean(yml.etcd3?.username), restApiHttps: Boolean(yml.restapi?.certfile),
        // PostgreSQL requiring TLS: ssl on, and plaintext TCP rejected before any other rule.
        postgresTls: postgresTlsRequired(yml),
        image: docker("inspect", "-f", "{{.Image}}", container),
    };
}

/** ssl on (local or bootstrap parameters) and the first TCP pg_hba rule (local or bootstrap) `hostnossl ... reject`. */
function postgresTlsRequired(yml: any): boolean {
    const on = (v: unknown) => v === true || v === "on";
    const ssl = on(yml.postgresql?.parameters?.ssl) || on(yml.bootstrap?.dcs?.postgresql?.parameters?.ssl);
    const hba: string[] = yml.postgresql?.pg_hba ?? yml.bootstrap?.dcs?.postgresql?.pg_hba ?? [];
    const firstTcp = hba.find((r) => !/^local\s/.test(r));
    return ssl && firstTcp !== undefined && /^hostnossl\s+all\s+all\s+all\s+reject$/.test(firstTcp.trim());
}

/** Image id and the postgres command-line settings of a plain-postgres container. */
export function imageOf(container: string): string {
    return docker("inspect", "-f", "{{.Image}}", container);
}
