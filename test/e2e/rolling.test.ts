// Rolling changes on a live cluster: a change that replaces every member's container rolls one
// member at a time (replicas first, a planned switchover, the old primary last) and a scale-down
// removes a member that was the primary only after moving leadership away, waiting until it has
// left Patroni's view and its replication slot is gone. A writer loop through primaryUri with
// withRetry runs throughout and must see no failed operation and lose no acknowledged write.
import * as net from "net";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { RetryEvent, libpqCompatible, sleep, withRetry } from "@pgscale/core";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { Pool, asSuperuser, eventually, query } from "../support/pg";
import { clusterMembers, leaderName, restCall } from "../support/patroni";

jest.setTimeout(20 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    superuserPassword: string;
    restApiPassword: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
}

/** A loopback port free right now, for HAProxy's primary listener. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

/** One write at a time with a unique id, through the failover-aware client. */
class Writer {
    readonly acked: number[] = [];
    readonly failures: unknown[] = [];
    readonly retries: RetryEvent[] = [];
    readonly ops: Array<{ id: number; startedAt: number; ms: number }> = [];
    private stopped = false;
    private loop?: Promise<void>;
    private readonly pool: InstanceType<typeof Pool>;
    private nextId: number;

    constructor(uri: string, firstId: number) {
        // A short connect timeout: an attempt against a stopping backend fails fast and is retried.
        this.pool = new Pool({ connectionString: libpqCompatible(uri), max: 2, connectionTimeoutMillis: 2000 });
        this.pool.on("error", () => undefined);
        this.nextId = firstId;
    }

    start(): void {
        this.loop = (async () => {
            while (!this.stopped) {
                const id = this.nextId++;
                const startedAt = Date.now();
                try {
                    await withRetry(this.pool, (c) => c.query("INSERT INTO acked (id) VALUES ($1) ON CONFLICT (id) DO NOTHING", [id]), {
                        maxElapsedMs: 90_000, maxAttempts: 500, maxDelayMs: 1_000, onRetry: (e) => this.retries.push(e),
                    });
                    this.acked.push(id);
                    this.ops.push({ id, startedAt, ms: Date.now() - startedAt });
                } catch (err) {
                    this.failures.push(err);
                }
                await sleep(20);
            }
        })();
    }

    async stop(): Promise<void> {
        if (this.stopped) return;
        this.stopped = true;
        await this.loop;
        await this.pool.end();
    }

    summary(): string {
        const longest = Math.max(0, ...this.ops.map((o) => o.ms));
        const conditions = [...new Set(this.retries.map((r) => r.classification.condition))].join(", ") || "none";
        return `${this.acked.length} writes acknowledged, ${this.failures.length} failed, ${this.retries.length} retries (${conditions}), longest write ${longest} ms`;
    }
}

/** Order in which the engine replaced the member containers, from the step events. */
function replacementOrder(events: EngineEvent[], op: string): string[] {
    return events
        .map((e) => e.resourcePreEvent?.metadata)
        .filter((m) => m && m.op === op && m.type === "docker:index/container:Container" && /::pg-\d+$/.test(m.urn))
        .map((m) => m!.urn.replace(/^.*::/, ""));
}

describe("rolling changes of a PatroniCluster on Docker", () => {
    const name = uniqueStackName("rolling");
    let stack: Stack | undefined;
    let out: Outputs;
    const restUrls = () => out.members.map((m) => m.restUrl);
    const superuser = () => asSuperuser(out.primaryUri, out.superuserPassword);

    async function up(config: Record<string, string>, events?: EngineEvent[]): Promise<number> {
        for (const [k, v] of Object.entries(config)) await stack!.setConfig(k, { value: v });
        const started = Date.now();
        const res = await stack!.up({ onOutput: () => undefined, ...(events ? { onEvent: (e: EngineEvent) => events.push(e) } : {}) });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        return Date.now() - started;
    }

    async function storedIds(): Promise<number[]> {
        return (await query<{ id: string }>(out.primaryUri, "SELECT id FROM acked ORDER BY id")).map((r) => Number(r.id));
    }

    const settled = (n: number) => eventually(async () => {
        const members = await clusterMembers(out.members[0].restUrl);
        return members.length === n && members.every((m) => m.state === "running" || m.state === "streaming") &&
            members.filter((m) => m.role !== "leader").every((m) => m.lag === 0);
    }, 120000, `${n} members running with no lag`, 500);

    beforeAll(async () => {
        const primaryPort = String(await freePort());
        stack = await fixtureStack("rolling", name, { nodes: { value: "3" }, shmSizeMb: { value: "256" }, primaryPort: { value: primaryPort } });
        await up({});
        await settled(3);
        await query(out.primaryUri, "CREATE TABLE acked (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())");
    });
    afterAll(async () => destroyAndRemove(stack));

    it("replaces every member one at a time, replicas first and the primary last after a switchover, with no failed write", async () => {
        const leader = (await leaderName(restUrls()))!;
        const replicas = out.members.map((m) => m.name).filter((n) => n !== leader);
        const idsBefore = Object.fromEntries(out.members.map((m) => [m.name, docker("inspect", "--format", "{{.Id}}", m.container)]));

        await stack!.setConfig("shmSizeMb", { value: "320" });
        const previewEvents: EngineEvent[] = [];
        const preview = await stack!.preview({ onOutput: () => undefined, onEvent: (e) => previewEvents.push(e) });
        // The preview shows the plan: the rollout's steps, and the member replacements in that order.
        expect(preview.changeSummary.replace).toBe(3);
        const rollout = previewEvents.map((e) => e.resourcePreEvent?.metadata).find((m) => m?.type === "pulumi-nodejs:dynamic/pgscale:PatroniRollout");
        const plan = rollout!.new!.inputs.plan as { order: string[]; replace: string[]; leader: string; steps: string[] };
        expect(plan.leader).toBe(leader);
        expect(plan.replace).toEqual([...replicas, leader]);
        expect(plan.steps).toContain(`switch over from ${leader} to a replaced replica`);
        expect(replacementOrder(previewEvents, "replace")).toEqual([...replicas, leader]);

        const writer = new Writer(out.primaryUri, 1);
        writer.start();
        try {
            await eventually(async () => writer.acked.length >= 50, 30000, "50 writes before the roll");
            const events: EngineEvent[] = [];
            const upMs = await up({}, events);
            const doneAt = Date.now();
            await eventually(async () => writer.ops.filter((o) => o.startedAt > doneAt).length >= 20, 60000, "20 writes after the roll", 250);
            await writer.stop();
            console.log(`rolling replacement of 3 members (pulumi up ${Math.round(upMs / 1000)} s): ${writer.summary()}`);

            const order = replacementOrder(events, "create-replacement");
            expect(order).toEqual([...replicas, leader]);
            expect(writer.failures).toEqual([]);
            const stored = await storedIds();
            expect(stored).toEqual([...writer.acked].sort((a, b) => a - b));
        } finally {
            await writer.stop();
        }

        // Every container is new, the old primary is a streaming replica, one other member leads.
        for (const m of out.members) expect(docker("inspect", "--format", "{{.Id}}", m.container)).not.toBe(idsBefore[m.name]);
        const newLeader = await leaderName(restUrls());
        expect(replicas).toContain(newLeader);
        await settled(3);
        const shm = docker("inspect", "--format", "{{.HostConfig.ShmSize}}", out.members[0].container);
        expect(Number(shm)).toBe(320 * 1024 * 1024);
    });

    it("scales 3 -> 2 when the removed member is the primary: switchover first, then it leaves cleanly", async () => {
        const removed = out.members[2];
        // Make the member that goes away the primary.
        if ((await leaderName(restUrls())) !== removed.name) {
            const res = await restCall(removed.restUrl, "/switchover", {
                method: "POST",
                auth: { username: "patroni", password: out.restApiPassword },
                body: { leader: await leaderName(restUrls()), candidate: removed.name },
                timeoutMs: 60_000,
            });
            expect(res.status).toBe(200);
            await eventually(async () => (await leaderName(restUrls())) === removed.name, 60000, `${removed.name} leads`);
            await settled(3);
        }
        const first = Math.max(...(await storedIds())) + 1;
        const writer = new Writer(out.primaryUri, first);
        writer.start();
        try {
            await eventually(async () => writer.acked.length >= 50, 30000, "50 writes before the scale-down");
            const upMs = await up({ nodes: "2" });
            // `up` returned: the member is gone from Patroni's view and the leader dropped its slot.
            const members = await clusterMembers(out.members[0].restUrl);
            expect(members.map((m) => m.name).sort()).toEqual(["pg-0", "pg-1"]);
            const slots = await query<{ slot_name: string }>(superuser(), "SELECT slot_name FROM pg_replication_slots");
            expect(slots.map((s) => s.slot_name)).not.toContain("pg_2");
            const doneAt = Date.now();
            await eventually(async () => writer.ops.filter((o) => o.startedAt > doneAt).length >= 20, 60000, "20 writes after the scale-down", 250);
            await writer.stop();
            console.log(`scale-down 3 -> 2 removing the primary (pulumi up ${Math.round(upMs / 1000)} s): ${writer.summary()}`);

            expect(writer.failures).toEqual([]);
            const stored = await storedIds();
            expect(stored.filter((id) => id >= first)).toEqual([...writer.acked].sort((a, b) => a - b));
        } finally {
            await writer.stop();
        }
        expect(out.members.map((m) => m.name)).toEqual(["pg-0", "pg-1"]);
        expect(["pg-0", "pg-1"]).toContain(await leaderName(restUrls()));
        expect(docker("ps", "-a", "--filter", `name=^${removed.container}$`, "--format", "{{.Names}}")).toBe("");
        await settled(2);
    });
});
