// The failover-aware client against a real failover: a writer loop using withRetry through
// primaryUri keeps going while the primary is SIGKILLed, fails no operation, and every write
// it saw acknowledged is there afterwards. Synchronous mode, so an acknowledged commit is on a
// standby before the client hears of it and survives the promotion.
import { Stack } from "@pulumi/pulumi/automation";
import { RetryEvent, libpqCompatible, sleep, withRetry } from "@pgscale/core";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { Pool, asSuperuser, eventually, query } from "../support/pg";
import { clusterMembers, leaderName } from "../support/patroni";
import { describeCluster } from "../support/failover";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    superuserPassword: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
}

describe("withRetry through a real failover", () => {
    const name = uniqueStackName("failover");
    let stack: Stack | undefined;
    let out: Outputs;

    beforeAll(async () => {
        // The ha fixture already runs the tightest valid timings: ttl 20, loop_wait 2, retry_timeout 5.
        stack = await fixtureStack("ha", name, { nodes: { value: "3" }, synchronousMode: { value: "true" } });
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        // `up` returns once Patroni named a synchronous standby in /sync: before that no replica may
        // take over, and a primary killed in that window is not replaced until it comes back.
        expect((await clusterMembers(out.members[0].restUrl)).map((m) => m.role)).toContain("sync_standby");
        const superuser = asSuperuser(out.primaryUri, out.superuserPassword);
        await eventually(async () => {
            const rows = await query(superuser, "SELECT sync_state FROM pg_stat_replication WHERE state = 'streaming'");
            return rows.length === 2 && rows.some((r) => r.sync_state === "sync");
        }, 60000, "2 replicas streaming, one of them synchronous");
        await query(out.primaryUri, "CREATE TABLE acked (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())");
    });
    afterAll(async () => destroyAndRemove(stack));

    it("SIGKILL of the primary: zero failed operations, every acknowledged write present", async () => {
        // Short connect timeout: an attempt against a dead backend fails fast and is retried.
        const pool = new Pool({ connectionString: libpqCompatible(out.primaryUri), max: 2, connectionTimeoutMillis: 2000 });
        pool.on("error", () => undefined);
        const acked: number[] = [];
        const failures: unknown[] = [];
        const retries: RetryEvent[] = [];
        const opMs: Array<{ id: number; startedAt: number; ms: number }> = [];
        let stop = false;

        // One write at a time, each with its own id: an insert retried after a lost COMMIT is a no-op.
        const writer = (async () => {
            for (let id = 1; !stop; id++) {
                const startedAt = Date.now();
                try {
                    await withRetry(pool, (c) => c.query("INSERT INTO acked (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", [id]), {
                        // A SIGKILLed leader holds its key until ttl (20 s) runs out, then promotion and
                        // HAProxy's checks: bounds well past that.
                        maxElapsedMs: 90_000,
                        maxAttempts: 500,
                        maxDelayMs: 1_000,
                        onRetry: (e) => retries.push(e),
                    });
                    acked.push(id);
                    opMs.push({ id, startedAt, ms: Date.now() - startedAt });
                } catch (err) {
                    failures.push(err);
                }
                await sleep(20);
            }
        })();

        try {
            await eventually(async () => acked.length >= 50, 30000, "50 writes before the kill");
            const victim = (await leaderName(out.members.map((m) => m.restUrl)))!;
            const container = out.members.find((m) => m.name === victim)!.container;
            const killedAt = Date.now();
            docker("kill", "--signal", "KILL", container);
            // Done once 50 writes that started after the kill went through.
            try {
                await eventually(async () => opMs.filter((o) => o.startedAt > killedAt).length >= 50, 120000, "50 writes after the kill", 500);
            } catch (err) {
                const since = (t: number) => `+${((t - killedAt) / 1000).toFixed(1)}s`;
                console.log(`stalled after killing ${victim}:\n${await describeCluster(out.members)}\n` +
                    `writes after the kill: ${opMs.filter((o) => o.startedAt > killedAt).map((o) => `${o.id}@${since(o.startedAt)}/${o.ms}ms`).join(" ")}\n` +
                    `last retries: ${retries.slice(-8).map((r) => `#${r.attempt} ${r.classification.condition} after ${r.elapsedMs}ms: ${String((r.error as Error)?.message ?? r.error)}`).join("; ")}\n` +
                    `failures: ${failures.map((f) => String((f as Error)?.message ?? f)).join("; ")}`);
                throw err;
            }
            stop = true;
            await writer;

            const outage = Math.max(...opMs.map((o) => o.ms));
            const survivors = out.members.filter((m) => m.name !== victim).map((m) => m.restUrl);
            const newLeader = await leaderName(survivors);
            console.log(`failover ${victim} -> ${newLeader}: ${acked.length} operations, ${failures.length} failed, ${retries.length} retries, ` +
                `longest operation (write outage) ${outage} ms; retried conditions: ${[...new Set(retries.map((r) => r.classification.condition))].join(", ")}`);

            expect(failures).toEqual([]);
            expect(retries.length).toBeGreaterThan(0);
            expect(newLeader).toBeDefined();
            expect(newLeader).not.toBe(victim);
            // The kill stopped writes until ttl ran out: the retries rode that out.
            expect(outage).toBeGreaterThan(5000);

            const rows = await query<{ id: string }>(out.primaryUri, "SELECT id FROM acked ORDER BY id");
            const stored = rows.map((r) => Number(r.id));
            expect(stored.length).toBe(acked.length);
            expect(stored).toEqual([...acked].sort((a, b) => a - b));
        } finally {
            stop = true;
            await writer;
            await pool.end();
        }
    });
});
