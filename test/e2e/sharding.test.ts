// docs/sharding.md's program (examples/sharding) as written: a coordinator and two shards, each its
// own PatroniCluster behind its HAProxy, one etcd member, every cluster in synchronous mode; s1 has
// 2 members, the others one. Rows written through the coordinator as the application's owner land
// on their shard, a lookup by key reaches one foreign partition; the reference table (countries)
// written on the coordinator reaches every shard, whose copy refuses writes and joins locally; a
// third shard is added by `up` under a writer (the moved slices pause, nothing fails or is lost,
// the new shard gets its copy of countries); s1's primary is SIGKILLed
// under a workload (the other shards never fail, s1's queries come back with withRetry within its
// failover bound, every acknowledged write is there); removing the ShardedTable (default
// removalPolicy "retain") keeps the rows.
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { REPLICATION_CONNECT_WATCHDOG, RetryEvent, libpqCompatible, sleep, withRetry } from "@pgscale/core";
import { destroyAndRemove, docker, dockerObjectsOfStack, plainOutputs, stackEnv, uniqueStackName } from "../support/stack";
import { Client, Pool, PoolClient, eventually, query } from "../support/pg";
import { clusterMembers, leaderName } from "../support/patroni";
import { describeCluster, describeRetries, notableLogLines } from "../support/failover";

jest.setTimeout(10 * 60 * 1000);
const STATEMENT_TIMEOUT_MS = 10_000;

interface ShardCluster {
    name: string;
    worstCaseFailoverSeconds: number;
    members: Array<{ name: string; container: string; restUrl: string }>;
}

describe("sharding example (docs/sharding.md)", () => {
    const name = uniqueStackName("shx-sharding");
    let stack: Stack | undefined;
    let out: { coordinatorUri: string; shardUris: string[]; shardClusters: ShardCluster[]; coordinatorCluster: Omit<ShardCluster, "name"> };
    const quiet = { onOutput: () => undefined };
    const CUSTOMERS = 20;
    /** customer_id → the coordinator's foreign partition holding it (orders_<remainder>). */
    let partitionOf: Map<number, string>;

    /** Each slice (orders_<r>) → the shard (s1, s2, ...) whose server its foreign partition reads. */
    const shardOfSlice = async (): Promise<Map<string, string>> => new Map((await query(out.coordinatorUri,
        `SELECT c.relname AS slice, s.srvname AS server FROM pg_foreign_table f JOIN pg_class c ON c.oid = f.ftrelid
           JOIN pg_foreign_server s ON s.oid = f.ftserver JOIN pg_inherits i ON i.inhrelid = c.oid
          WHERE i.inhparent = 'public.orders'::regclass`)).map((r) => [r.slice, r.server.replace(/^orders_/, "")]));
    /** Every row each shard holds, with the partition it is in there (<slice>_2026). */
    const rowsOnShards = async () => Promise.all(out.shardUris.map(async (uri) =>
        (await query(uri, "SELECT customer_id::int AS c, id::bigint AS id, tableoid::regclass::text AS part FROM orders"))));

    // A write and a read of it by key: an insert retried after a lost COMMIT is a no-op.
    const writeAndRead = async (c: { query(text: string, values: unknown[]): Promise<{ rows: any[] }> }, customer: number, id: number, createdAt = "2026-05-01") => {
        await c.query("INSERT INTO orders (customer_id, id, total, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING", [customer, id, id, createdAt]);
        const rows = (await c.query("SELECT count(*)::int AS n FROM orders WHERE customer_id = $1 AND id = $2", [customer, id])).rows;
        if (rows[0].n !== 1) throw new Error(`row ${customer}/${id} read back ${rows[0].n} times`);
    };
    /**
     * Runs `work` with withRetry through a failover; a statement the coordinator's statement timeout
     * cancelled (57014, which withRetry does not retry) runs again. Returns how many were cancelled.
     */
    const retryThroughTimeouts = async (pool: Pool, work: (c: PoolClient) => Promise<void>, retries: RetryEvent[]): Promise<number> => {
        for (let cancelled = 0; ; cancelled++) {
            try {
                await withRetry(pool, work, { maxElapsedMs: 90_000, maxAttempts: 500, maxDelayMs: 1_000, onRetry: (e) => retries.push(e) });
                return cancelled;
            } catch (err) {
                if ((err as { code?: string }).code !== "57014") throw err;
            }
        }
    };
    /** What the coordinator's backends wait on, how s1's HAProxy sees its members and the coordinator's Patroni log: printed when a test stalls. */
    const coordinatorView = (): string => {
        const container = (suffix: string) => docker("ps", "-a", "--filter", `label=pgscale.stack=${name}`, "--format", "{{.Names}}").split("\n").find((n) => n.endsWith(suffix))!;
        const run = (what: string, args: string[]) => { try { return docker(...args); } catch (err) { return `${what}: ${(err as Error).message.split("\n")[0]}`; } };
        return [
            run("coordinator activity", ["exec", "-u", "postgres", container("-coord-0"), "psql", "-h", "/var/run/postgresql", "-XAtc",
                "SELECT pid, state, coalesce(wait_event_type, '-') || '/' || coalesce(wait_event, '-'), now() - query_start, left(query, 80) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"]),
            run("s1 haproxy", ["exec", container("-shard-s1-lb"), "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9999 && echo 'show stat' >&3 && cat <&3 | cut -d, -f1,2,5,18,19,20 | grep -v '^#'"]),
            // Why the coordinator's primary went away, if it did.
            notableLogLines(container("-coord-0"), /demot|restart|shut|promot|lock|timeout/i, { tail: 400 }),
        ].join("\n");
    };

    beforeAll(async () => {
        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: name, workDir: path.resolve(__dirname, "../../examples/sharding") },
            { envVars: stackEnv() },
        );
        await stack.setAllConfig({
            nodes: { value: "1" }, etcdMembers: { value: "1" }, shardNodes: { value: JSON.stringify({ s1: 2 }) }, coordinatorNodes: { value: "2" },
            // retryTimeout as long as ttl allows (loopWait + 2 × retryTimeout ≤ ttl): a coordinator that
            // loses the DCS for a few seconds on a loaded machine keeps its primary.
            patroni: { value: JSON.stringify({ ttl: 20, loopWait: 1, retryTimeout: 9, synchronousMode: true }) },
        });
        out = plainOutputs((await stack.up(quiet)).outputs) as typeof out;
    });
    afterAll(async () => {
        await destroyAndRemove(stack);
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });

    it("writes each row through the coordinator's primaryUri into its slice on its shard", async () => {
        await query(out.coordinatorUri, `INSERT INTO orders (customer_id, id, total, created_at)
            SELECT g, g * 10, g, '2026-03-01' FROM generate_series(1, ${CUSTOMERS}) g`);
        const placed = await query(out.coordinatorUri, "SELECT customer_id::int AS c, tableoid::regclass::text AS part FROM orders ORDER BY 1");
        partitionOf = new Map(placed.map((r) => [r.c, r.part]));
        expect(placed).toHaveLength(CUSTOMERS);
        // Round-robin: slice r (orders_<r>) is on shards[r mod 2]; read each shard directly.
        const onShard = await Promise.all(out.shardUris.map((uri) =>
            query(uri, "SELECT customer_id::int AS c, tableoid::regclass::text AS part FROM orders ORDER BY 1")));
        onShard.forEach((rows, i) => {
            const expected = placed.filter((r) => Number(r.part.replace("orders_", "")) % 2 === i).map((r) => r.c);
            expect(expected.length).toBeGreaterThan(0);
            expect(rows.map((r) => r.c)).toEqual(expected);
            // On the shard, in the local partition 2026 of the slice of the same name.
            for (const r of rows) expect(r.part).toBe(`${partitionOf.get(r.c)}_2026`);
        });
    });

    it("prunes a lookup by key to one foreign partition, and counts over every shard", async () => {
        const plan = (await query(out.coordinatorUri, "EXPLAIN SELECT * FROM orders WHERE customer_id = 7")).map((r) => r["QUERY PLAN"]).join("\n");
        expect([...plan.matchAll(/Foreign Scan on (\w+)/g)].map((m) => m[1])).toEqual([partitionOf.get(7)]);
        const [all] = await query(out.coordinatorUri, "SELECT count(*)::int AS n, sum(total)::int AS s FROM orders");
        expect(all).toEqual({ n: CUSTOMERS, s: (CUSTOMERS * (CUSTOMERS + 1)) / 2 });
    });

    /** Each shard holds exactly the coordinator's countries. */
    const countriesEverywhere = async () => {
        const want = JSON.stringify(await query(out.coordinatorUri, "SELECT code, label FROM countries ORDER BY code"));
        await eventually(async () => (await Promise.all(out.shardUris.map((uri) => query(uri, "SELECT code, label FROM countries ORDER BY code"))))
            .every((rows) => JSON.stringify(rows) === want), 30000, `countries on ${out.shardUris.length} shards`);
    };

    it("replicates the reference table to every shard: written on the coordinator, refused on a shard, joined there locally", async () => {
        const started = Date.now();
        await query(out.coordinatorUri, "INSERT INTO countries VALUES ('fr', 'France'), ('de', 'Germany'), ('it', 'Italy')");
        await query(out.coordinatorUri, "UPDATE orders SET country = (ARRAY['fr', 'de', 'it'])[1 + customer_id % 3]");
        await countriesEverywhere();
        console.log(`countries on every shard ${Date.now() - started} ms after the coordinator's insert`);
        await expect(query(out.shardUris[0], "INSERT INTO countries VALUES ('xx', 'x')")).rejects.toMatchObject({ code: "25006" });
        const join = "SELECT o.id, c.label FROM orders o JOIN countries c ON c.code = o.country WHERE o.customer_id = 7";
        const shard = Number(partitionOf.get(7)!.replace("orders_", "")) % 2;
        const plan = (await query(out.shardUris[shard], `EXPLAIN ${join}`)).map((r) => r["QUERY PLAN"]).join("\n");
        expect(plan).toMatch(/Join/);
        expect(plan).not.toMatch(/Foreign Scan/);
        expect(await query(out.shardUris[shard], join)).toEqual([{ id: "70", label: "Germany" }]);
        expect(await query(out.coordinatorUri, join)).toEqual([{ id: "70", label: "Germany" }]);
    });

    it("adds a third shard under a writer: only the moved slices pause, every acknowledged row is on exactly one shard", async () => {
        // One connection writing row after row over every customer (every slice), as the application.
        const writer = new Client({ connectionString: libpqCompatible(out.coordinatorUri) });
        await writer.connect();
        const acked: Array<{ c: number; id: number; ms: number }> = [];
        const failures: string[] = [];
        writer.on("error", (err) => failures.push(`connection: ${err.message}`));
        let stop = false;
        const writing = (async () => {
            for (let id = 1000; !stop; id++) {
                const c = (id % CUSTOMERS) + 1;
                const startedAt = Date.now();
                try {
                    await writer.query("INSERT INTO orders (customer_id, id, total, created_at) VALUES ($1, $2, $3, '2026-04-01')", [c, id, id]);
                    acked.push({ c, id, ms: Date.now() - startedAt });
                } catch (err) {
                    failures.push(`${c}/${id}: ${(err as Error).message}`);
                }
                await sleep(5);
            }
        })();
        const before = await shardOfSlice();
        const started = Date.now();
        try {
            await eventually(async () => failures.length === 0 && acked.length >= 20, 30000, "20 writes before the up").catch((err) => {
                throw new Error(`${(err as Error).message}; failed: ${failures.slice(0, 3).join("; ")}`);
            });
            await stack!.setConfig("shards", { value: "3" });
            out = plainOutputs((await stack!.up(quiet)).outputs) as typeof out;
            const upDone = acked.length;
            await eventually(async () => acked.length >= upDone + 20, 30000, "20 writes after the up");
        } finally {
            stop = true;
            await writing;
            await writer.end();
        }
        if (failures.length) console.log(`writes failed while adding a shard:\n${coordinatorView()}`);
        const after = await shardOfSlice();
        const moved = [...after].filter(([slice, shard]) => before.get(slice) !== shard).map(([slice]) => slice).sort();
        const pauseMs = Math.max(...acked.map((a) => a.ms));
        console.log(`shard added in ${((Date.now() - started) / 1000).toFixed(1)} s under a writer: moved ${moved.join(", ")}; ` +
            `${acked.length} writes acknowledged, ${failures.length} failed, longest write (the moved slices' pause) ${pauseMs} ms`);

        // 2 → 3 shards, modulus 6: every shard ends with 2 slices, s1 and s2 giving up one each.
        expect(moved).toHaveLength(2);
        expect(moved.every((slice) => after.get(slice) === "s3")).toBe(true);
        expect([...after.values()].filter((s) => s === "s3")).toHaveLength(2);
        expect(failures).toEqual([]);

        // Counts and checksums through the coordinator equal what was acknowledged.
        const [sum] = await query(out.coordinatorUri, "SELECT count(*)::int AS n, coalesce(sum(total), 0)::bigint AS s FROM orders WHERE id >= 1000");
        expect({ n: sum.n, s: Number(sum.s) }).toEqual({ n: acked.length, s: acked.reduce((a, r) => a + r.id, 0) });
        // Each row on exactly one shard, in a slice the coordinator reads from that shard.
        const shards = await rowsOnShards();
        const seen = new Map<string, number>();
        shards.forEach((rows, i) => rows.forEach((r) => {
            const key = `${r.c}/${r.id}`;
            seen.set(key, (seen.get(key) ?? 0) + 1);
            expect(`${after.get(r.part.replace(/_2026$/, ""))}:${r.part}`).toBe(`s${i + 1}:${r.part}`);
        }));
        expect([...seen.values()].every((n) => n === 1)).toBe(true);
        expect([...seen.keys()].sort()).toEqual([
            ...[...partitionOf.keys()].map((c) => `${c}/${c * 10}`), ...acked.map((a) => `${a.c}/${a.id}`),
        ].sort());
        expect(shards[2].length).toBeGreaterThan(0);
        // The new shard subscribed in the same up: its copy of countries is the coordinator's.
        expect(out.shardUris).toHaveLength(3);
        await countriesEverywhere();
    });

    it("SIGKILL of s1's primary: the other shards never fail, s1 comes back with withRetry within its failover bound, nothing acknowledged is lost", async () => {
        const s1 = out.shardClusters.find((s) => s.name === "s1")!;
        expect(s1.members).toHaveLength(2);
        // Synchronous mode: an acknowledged commit is on the standby before the client hears of it.
        await eventually(async () => (await clusterMembers(s1.members[0].restUrl)).some((m) => m.role === "sync_standby" && m.state === "streaming"),
            60000, "s1's replica streaming as the synchronous standby");
        const slices = await shardOfSlice();
        const customersOn = (shard: string) => [...partitionOf].filter(([, part]) => slices.get(part) === shard).map(([c]) => c);
        const onS1 = customersOn("s1");
        const elsewhere = [...customersOn("s2"), ...customersOn("s3")];
        expect(onS1.length).toBeGreaterThan(0);
        expect(customersOn("s3").length).toBeGreaterThan(0);

        interface Op { c: number; id: number; startedAt: number; ms: number }
        const pool = (max: number) => {
            // Short connect timeout: an attempt that cannot reach the coordinator fails fast. A
            // statement timeout on the coordinator: PostgreSQL 17's postgres_fdw waits for a shard's
            // connection without libpq's connect_timeout, and HAProxy can hold one dialled just
            // before it marks a dead primary down (docs/sharding.md, "When a shard fails over").
            const p = new Pool({ connectionString: libpqCompatible(out.coordinatorUri), max, connectionTimeoutMillis: 2000, statement_timeout: STATEMENT_TIMEOUT_MS });
            p.on("error", () => undefined);
            return p;
        };
        const s1Pool = pool(2);
        const otherPool = pool(2);
        const s1Ops: Op[] = [];
        const otherOps: Op[] = [];
        const failures: string[] = [];
        const otherFailures: string[] = [];
        const retries: RetryEvent[] = [];
        let stop = false;
        let nextId = 100_000;
        const loop = (customers: number[], ops: Op[], run: (customer: number, id: number) => Promise<void>, failed: string[]) => (async () => {
            for (let k = 0; !stop; k++) {
                const customer = customers[k % customers.length];
                const id = nextId++;
                const startedAt = Date.now();
                try {
                    await run(customer, id);
                    ops.push({ c: customer, id, startedAt, ms: Date.now() - startedAt });
                } catch (err) {
                    failed.push(`${customer}/${id} at ${startedAt}: ${(err as Error).message}`);
                }
                await sleep(20);
            }
        })();
        // s1's queries ride out the failover with withRetry; the other shards' run bare: none may fail.
        let held = 0;
        const s1Loop = loop(onS1, s1Ops, async (customer, id) => {
            held += await retryThroughTimeouts(s1Pool, (c) => writeAndRead(c, customer, id), retries);
        }, failures);
        const otherLoop = loop(elsewhere, otherOps, (customer, id) => writeAndRead(otherPool, customer, id), otherFailures);

        let killedAt = 0;
        let victim = "";
        try {
            await eventually(async () => s1Ops.length >= 20 && otherOps.length >= 20, 30000, "20 operations on each side before the kill");
            victim = (await leaderName(s1.members.map((m) => m.restUrl)))!;
            killedAt = Date.now();
            docker("kill", "--signal", "KILL", s1.members.find((m) => m.name === victim)!.container);
            try {
                await eventually(async () => s1Ops.filter((o) => o.startedAt > killedAt).length >= 20, 120000, "20 s1 operations after the kill", 500);
            } catch (err) {
                console.log(`stalled after killing ${victim}:\n${await describeCluster(s1.members)}\n${coordinatorView()}\n` +
                    `failed: ${failures.slice(-3).join("; ")}; others failed: ${otherFailures.slice(-3).join("; ")}; others since the kill: ${otherOps.filter((o) => o.startedAt > killedAt).length}\n` +
                    `last retries: ${describeRetries(retries)}`);
                throw err;
            }
        } finally {
            stop = true;
            await Promise.all([s1Loop, otherLoop]);
            await Promise.all([s1Pool.end(), otherPool.end()]);
        }
        const outageMs = Math.max(...s1Ops.map((o) => o.ms));
        const back = Math.min(...s1Ops.filter((o) => o.startedAt > killedAt).map((o) => o.startedAt + o.ms));
        const duringOutage = otherOps.filter((o) => o.startedAt > killedAt && o.startedAt + o.ms < back);
        const newLeader = await leaderName(s1.members.filter((m) => m.name !== victim).map((m) => m.restUrl));
        console.log(`s1 failover ${victim} -> ${newLeader}: longest s1 operation (its outage) ${outageMs} ms, bound ` +
            `${s1.worstCaseFailoverSeconds} s + 1 s of backoff; ${held} held past the statement timeout; ${retries.length} retries (${[...new Set(retries.map((r) => r.classification.condition))].join(", ")}); ` +
            `${duringOutage.length} operations on s2/s3 during the outage, longest ${Math.max(...otherOps.map((o) => o.ms))} ms, ${otherFailures.length} failed`);

        expect(otherFailures).toEqual([]);
        expect(duringOutage.length).toBeGreaterThan(10);
        expect(failures).toEqual([]);
        expect(newLeader).toBeDefined();
        expect(newLeader).not.toBe(victim);
        // The kill stopped s1 until its leader key ran out; it came back within its failover bound.
        expect(outageMs).toBeGreaterThan(5000);
        expect(outageMs).toBeLessThanOrEqual((s1.worstCaseFailoverSeconds + 1) * 1000 + (held ? STATEMENT_TIMEOUT_MS : 0));
        // Every acknowledged write is there, once.
        const ids = [...s1Ops, ...otherOps].map((o) => o.id).sort((a, b) => a - b);
        const stored = (await query(out.coordinatorUri, "SELECT id::bigint AS id FROM orders WHERE id >= 100000 ORDER BY id")).map((r) => Number(r.id));
        expect(stored).toEqual(ids);
    });

    it("SIGKILL of the coordinator's primary: queries come back with withRetry within its failover bound, nothing acknowledged is lost, and the reference table replicates from the new primary", async () => {
        const coord = out.coordinatorCluster;
        expect(coord.members).toHaveLength(2);
        const psqlIn = (container: string, sql: string) => docker("exec", "-u", "postgres", container, "psql", "-XAtc", sql).trim();
        await eventually(async () => (await clusterMembers(coord.members[0].restUrl)).some((m) => m.role === "sync_standby" && m.state === "streaming"),
            60000, "the coordinator's replica streaming as the synchronous standby");
        const victim = (await leaderName(coord.members.map((m) => m.restUrl)))!;
        const [leader, replica] = [coord.members.find((m) => m.name === victim)!, coord.members.find((m) => m.name !== victim)!];
        // The shards' subscriptions read Patroni's permanent slots (one per shard): Patroni copies them
        // to the replica and advances them there to what each subscriber confirmed. Killed before that,
        // the new primary would have no slot to resume from.
        const onPrimary = psqlIn(leader.container, "SELECT slot_name || '=' || confirmed_flush_lsn FROM pg_replication_slots WHERE slot_type = 'logical' ORDER BY 1").split("\n");
        expect(onPrimary).toHaveLength(out.shardUris.length);
        const wanted = onPrimary.map((l) => l.split("=")).map(([slot, lsn]) => `('${slot}', '${lsn}'::pg_lsn)`).join(", ");
        await eventually(async () => psqlIn(replica.container,
            `SELECT count(*) FROM pg_replication_slots s JOIN (VALUES ${wanted}) w(slot, lsn) ON w.slot = s.slot_name WHERE s.confirmed_flush_lsn >= w.lsn`) === String(onPrimary.length) || undefined,
        60000, "the reference tables' slots copied to the coordinator's replica and advanced", 1000);

        const pool = new Pool({ connectionString: libpqCompatible(out.coordinatorUri), max: 2, connectionTimeoutMillis: 2000, statement_timeout: STATEMENT_TIMEOUT_MS });
        pool.on("error", () => undefined);
        const ops: Array<{ id: number; startedAt: number; ms: number }> = [];
        const failures: string[] = [];
        const retries: RetryEvent[] = [];
        let stop = false;
        let held = 0;
        const loop = (async () => {
            for (let id = 200_000; !stop; id++) {
                const customer = 1 + (id % CUSTOMERS);
                const startedAt = Date.now();
                try {
                    held += await retryThroughTimeouts(pool, (c) => writeAndRead(c, customer, id, "2026-06-01"), retries);
                    ops.push({ id, startedAt, ms: Date.now() - startedAt });
                } catch (err) {
                    failures.push(`${customer}/${id} at ${startedAt}: ${(err as Error).message}`);
                }
                await sleep(20);
            }
        })();
        let killedAt = 0;
        try {
            await eventually(async () => ops.length >= 20, 30000, "20 operations before the kill");
            killedAt = Date.now();
            docker("kill", "--signal", "KILL", leader.container);
            await eventually(async () => ops.filter((o) => o.startedAt > killedAt).length >= 20, 120000, "20 operations after the kill", 500);
        } catch (err) {
            console.log(`stalled after killing ${victim}:\n${await describeCluster(coord.members)}\nfailed: ${failures.slice(-3).join("; ")}\n` +
                `last retries: ${describeRetries(retries)}`);
            throw err;
        } finally {
            stop = true;
            await loop;
            await pool.end();
        }
        const outageMs = Math.max(...ops.map((o) => o.ms));
        const newLeader = await leaderName([replica.restUrl]);
        // The shards' subscriptions reconnect through the coordinator's HAProxy to the new primary and
        // resume from the slots Patroni kept there. One that dialled in the second before HAProxy marked
        // the old primary down is held by HAProxy 3.0 (test/integration/haproxy-dying-server.test.ts),
        // and PostgreSQL's apply worker waits on its connection with no timeout (wait event
        // LibpqwalreceiverConnect): each shard member's watchdog ends such a worker once it has waited
        // REPLICATION_CONNECT_WATCHDOG.afterSeconds, checking every intervalSeconds, and the launcher
        // starts it again. Nothing here ends anything.
        const written = Date.now();
        await query(out.coordinatorUri, "INSERT INTO countries VALUES ('pt', 'Portugal')");
        const shardMembers = docker("ps", "-a", "--filter", `label=pgscale.stack=${name}`, "--format", "{{.Names}}").split("\n").filter((n) => /-shard-s\d-\d$/.test(n));
        const watchdogEnded = () => shardMembers.map((c) => notableLogLines(c, /^pgscale: ended /, { label: c })).filter((l) => l).join("\n");
        const resumeBoundMs = (REPLICATION_CONNECT_WATCHDOG.afterSeconds + REPLICATION_CONNECT_WATCHDOG.intervalSeconds + 15) * 1000;
        try {
            await eventually(async () => (await Promise.all(out.shardUris.map(async (uri) => (await query(uri, "SELECT count(*)::int AS n FROM countries WHERE code = 'pt'"))[0].n === 1))).every(Boolean) || undefined,
                resumeBoundMs, "the reference row on every shard", 250);
            await countriesEverywhere();
        } catch (err) {
            // Where each shard's subscription stands, and what the new primary's slots say.
            const subs = await Promise.all(out.shardUris.map((uri) => query(uri, "SELECT subname, pid, received_lsn::text, latest_end_lsn::text, last_msg_receipt_time::text FROM pg_stat_subscription").catch((e: Error) => e.message)));
            const shardLogs = shardMembers.map((c) => notableLogLines(c, /subscri|replication|slot|logical|pgscale: ended|ERROR|FATAL/i, { tail: 300, last: 8, label: c }));
            console.log(`the reference row did not reach every shard:\nsubscriptions: ${JSON.stringify(subs)}\n` +
                `new primary's slots: ${psqlIn(replica.container, "SELECT slot_name, active, restart_lsn, confirmed_flush_lsn, wal_status FROM pg_replication_slots")}\n${shardLogs.join("\n")}\n` +
                `${psqlIn(replica.container, "SELECT pid, application_name, state, backend_type FROM pg_stat_activity WHERE backend_type = 'walsender'")}\n` +
                `apply workers: ${JSON.stringify(await Promise.all(out.shardUris.map((uri) => query(uri, "SELECT s.subname, a.pid, a.wait_event, now() - a.backend_start AS age FROM pg_stat_subscription s JOIN pg_stat_activity a ON a.pid = s.pid").catch((e: Error) => e.message))))}`);
            throw err;
        }
        const resumedMs = Date.now() - written;
        console.log(`coordinator failover ${victim} -> ${newLeader}: longest operation (its outage) ${outageMs} ms, bound ${coord.worstCaseFailoverSeconds} s + 1 s of backoff; ` +
            `${held} held past the statement timeout; ${retries.length} retries; a reference row on every shard ${resumedMs} ms after its insert on the new primary ` +
            `(bound ${resumeBoundMs} ms); apply workers the shards' watchdogs ended: ${watchdogEnded() || "none"}`);
        expect(failures).toEqual([]);
        expect(newLeader).toBe(replica.name);
        expect(outageMs).toBeGreaterThan(5000);
        expect(outageMs).toBeLessThanOrEqual((coord.worstCaseFailoverSeconds + 1) * 1000 + (held ? STATEMENT_TIMEOUT_MS : 0));
        // Every acknowledged write is there, once; the new primary serves every shard's subscription.
        const stored = (await query(out.coordinatorUri, "SELECT id::bigint AS id FROM orders WHERE id >= 200000 ORDER BY id")).map((r) => Number(r.id));
        expect(stored).toEqual(ops.map((o) => o.id).sort((a, b) => a - b));
        expect(psqlIn(replica.container, "SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'logical' AND active")).toBe(String(out.shardUris.length));
    });

    it("removing the ShardedTable (removalPolicy retain) leaves every object and row", async () => {
        const [total] = await query(out.coordinatorUri, "SELECT count(*)::int AS n FROM orders");
        const urn = (await stack!.exportStack()).deployment.resources.find((r: { type: string; urn: string }) => r.urn.endsWith("::orders")).urn;
        await stack!.destroy({ ...quiet, target: [urn], targetDependents: true });
        const counts = await Promise.all(out.shardUris.map(async (uri) => (await query(uri, "SELECT count(*)::int AS n FROM orders"))[0].n));
        expect(total.n).toBeGreaterThan(CUSTOMERS);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(total.n);
        const [coord] = await query(out.coordinatorUri,
            "SELECT to_regclass('public.orders') IS NOT NULL AS parent, (SELECT count(*)::int FROM pg_inherits WHERE inhparent = to_regclass('public.orders')) AS partitions");
        expect(coord).toEqual({ parent: true, partitions: 6 });
    });
});
