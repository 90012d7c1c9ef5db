// A live major upgrade on Docker: a 2-node PostgreSQL 15 cluster (HAProxy, PgBouncer, a pg_partman
// partitioned table, a sequence-backed table, rows) goes to 17 by raising postgresVersion, while a
// writer inserts through the pooler. Refusals first (a replica not streaming; nothing touched),
// then the upgrade, then a downgrade refused. One stack for the file.
import { Stack } from "@pulumi/pulumi/automation";
import { libpqCompatible } from "@pgscale/core";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { Client, asSuperuser, eventually, query } from "../support/pg";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    poolerUri: string;
    superuserPassword: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
}

/** Inserts one row every 50 ms through `uri`, each on a new connection, and keeps what was acknowledged. */
function startWriter(uri: string) {
    const acked: number[] = [];
    let failures = 0;
    let lastOk = Date.now();
    let longestOutageMs = 0;
    let stopped = false;
    const loop = (async () => {
        for (let i = 1; !stopped; i++) {
            const c = new Client({ connectionString: libpqCompatible(uri), connectionTimeoutMillis: 2000, query_timeout: 5000 });
            c.on("error", () => undefined);
            try {
                await c.connect();
                await c.query("INSERT INTO orders (writer_seq, note) VALUES ($1, 'during')", [i]);
                acked.push(i);
                longestOutageMs = Math.max(longestOutageMs, Date.now() - lastOk);
                lastOk = Date.now();
            } catch {
                failures++;
            } finally {
                await c.end().catch(() => undefined);
            }
            await new Promise((r) => setTimeout(r, 50));
        }
    })();
    return { acked, stop: async () => { stopped = true; await loop; return { failures, longestOutageMs }; } };
}

describe("major upgrade 15 -> 17 in place on Docker", () => {
    const name = uniqueStackName("upgrade");
    let stack: Stack;
    let out: Outputs;
    const quiet = { onOutput: () => undefined };
    const su = () => asSuperuser(out.primaryUri, out.superuserPassword, "appdb");
    const memberUri = (m: Outputs["members"][number]) => `postgresql://postgres:${encodeURIComponent(out.superuserPassword)}@127.0.0.1:${m.pgPort}/postgres?sslmode=require`;
    let before: { partitions: string[]; indexes: string[]; orders: number; metrics: number };
    const shape = async () => ({
        partitions: (await query(su(), "SELECT inhrelid::regclass::text AS p FROM pg_inherits WHERE inhparent = 'metrics'::regclass ORDER BY 1")).map((r) => r.p),
        indexes: (await query(su(), "SELECT indexrelid::regclass::text AS i FROM pg_index JOIN pg_class c ON c.oid = indrelid WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1")).map((r) => r.i),
    });

    beforeAll(async () => {
        stack = await fixtureStack("pg17", name, { postgresVersion: { value: "15" }, nodes: { value: "2" } });
        const res = await stack.up(quiet);
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        // The application's table, owned by the owner the writer logs in as through the pooler.
        await query(out.primaryUri, "CREATE TABLE orders (id bigserial PRIMARY KEY, writer_seq int, note text)");
        await query(out.primaryUri, "CREATE INDEX orders_note ON orders (note)");
        await query(out.primaryUri, "INSERT INTO orders (note) SELECT 'before' FROM generate_series(1, 5000)");
        await query(su(), "INSERT INTO metrics (at) SELECT now() - g * interval '1 minute' FROM generate_series(1, 3000) g");
        const [counts] = await query(su(), "SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM metrics)::int AS metrics");
        before = { ...(await shape()), ...counts };
    });
    afterAll(async () => destroyAndRemove(stack));

    it("refuses the upgrade while a replica is not streaming, and leaves the 15 cluster running as it was", async () => {
        const replica = out.members[1];
        docker("stop", "-t", "30", replica.container);
        const ids = out.members.map((m) => docker("inspect", "-f", "{{.Id}}", m.container));
        await stack.setConfig("postgresVersion", { value: "17" });
        try {
            await expect(stack.up(quiet)).rejects.toThrow(/postgresVersion: upgrade 15 -> 17 refused: .* is not streaming from .*; nothing was touched/);
        } finally {
            await stack.setConfig("postgresVersion", { value: "15" });
            docker("start", replica.container);
        }
        expect(out.members.map((m) => docker("inspect", "-f", "{{.Id}}", m.container))).toEqual(ids);
        const [v] = await query(su(), "SELECT current_setting('server_version_num')::int AS v, (SELECT count(*) FROM orders)::int AS n");
        expect(v).toEqual({ v: expect.any(Number), n: before.orders });
        expect(Math.floor(v.v / 10000)).toBe(15);
        await eventually(async () => {
            const [r] = await query(su(), "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
            return r.n === 1;
        }, 60_000, "the replica streams again");
    });

    it("previews the upgrade's steps, then upgrades with a writer running: 17 everywhere, every acknowledged write kept", async () => {
        await stack.setConfig("postgresVersion", { value: "17" });
        const preview = await stack.preview({ diff: true });
        expect(preview.stdout).toContain("pg_upgrade --link on the leader's volume (pg15 -> pg17");

        const writer = startWriter(out.poolerUri);
        await eventually(async () => writer.acked.length >= 20, 30_000, "the writer's first rows");
        const started = Date.now();
        const res = await stack.up(quiet);
        const upSeconds = (Date.now() - started) / 1000;
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        // Writes resume through the same pooler address.
        const n = writer.acked.length;
        await eventually(async () => writer.acked.length >= n + 20, 60_000, "writes after the upgrade");
        const { failures, longestOutageMs } = await writer.stop();
        console.log(`major upgrade 15 -> 17: pulumi up ${upSeconds.toFixed(1)} s; writer: ${writer.acked.length} acknowledged, ${failures} failed, longest outage ${(longestOutageMs / 1000).toFixed(1)} s`);

        for (const m of out.members) {
            const [row] = await query(memberUri(m), "SELECT version() AS v, current_setting('data_directory') AS d");
            expect(row.v).toMatch(/^PostgreSQL 17\./);
            expect(row.d).toBe("/var/lib/postgresql/data/pg17");
        }
        const seqs = (await query(su(), "SELECT writer_seq FROM orders WHERE note = 'during'")).map((r) => r.writer_seq);
        const missing = writer.acked.filter((s) => !seqs.includes(s));
        expect(missing).toEqual([]);
        const [counts] = await query(su(), "SELECT (SELECT count(*) FROM orders WHERE note = 'before')::int AS orders, (SELECT count(*) FROM metrics)::int AS metrics");
        expect(counts).toEqual({ orders: before.orders, metrics: before.metrics });
        expect(await shape()).toEqual({ partitions: before.partitions, indexes: before.indexes });
        // The sequence carried on: a new row's id is above every id written before.
        const [ids] = await query(su(), "WITH n AS (INSERT INTO orders (note) VALUES ('after') RETURNING id) SELECT (SELECT id FROM n) > (SELECT max(id) FROM orders WHERE note <> 'after') AS above");
        expect(ids.above).toBe(true);
        // Both members stream again, and the replica was rebuilt from the upgraded leader.
        await eventually(async () => {
            const [r] = await query(su(), "SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'");
            return r.n === 1;
        }, 60_000, "the replica streams from the upgraded leader");
        // Planner statistics were gathered after the upgrade.
        const [stats] = await query(su(), "SELECT count(*)::int AS n FROM pg_stats WHERE tablename = 'orders'");
        expect(stats.n).toBeGreaterThan(0);
    });

    it("keeps the former replica's PostgreSQL 15 directory whole as the rollback path", () => {
        const leaderVolumes = out.members.map((m) => docker("exec", m.container, "sh", "-c", "cat /var/lib/postgresql/data/pg15/PG_VERSION; ls /var/lib/postgresql/data/pg15/global | grep -c '^pg_control$' || true"));
        // One member (the former replica) still has a startable 15 directory; the upgraded one's control file was renamed by pg_upgrade --link.
        expect(leaderVolumes.map((s) => s.split("\n")[0])).toEqual(["15", "15"]);
        expect(leaderVolumes.map((s) => Number(s.split("\n")[1])).sort()).toEqual([0, 1]);
    });

    it("removes the previous major's directories once told to (keepPreviousMajorData: false), data untouched", async () => {
        await stack.setConfig("keepPreviousMajorData", { value: "false" });
        const res = await stack.up(quiet);
        expect(res.summary.result).toBe("succeeded");
        for (const m of out.members) expect(docker("exec", m.container, "ls", "/var/lib/postgresql/data")).toBe("pg17");
        const [counts] = await query(su(), "SELECT (SELECT count(*) FROM orders WHERE note = 'before')::int AS orders, (SELECT count(*) FROM metrics)::int AS metrics");
        expect(counts).toEqual({ orders: before.orders, metrics: before.metrics });
    });

    it("refuses going back to 15 (a downgrade) in preview, naming postgresVersion", async () => {
        await stack.setConfig("postgresVersion", { value: "15" });
        try {
            await expect(stack.preview()).rejects.toThrow(/postgresVersion: the members run PostgreSQL 17; going back to 15 is a downgrade, which PostgreSQL cannot do in place; nothing was touched/);
        } finally {
            await stack.setConfig("postgresVersion", { value: "17" });
        }
    });
});
