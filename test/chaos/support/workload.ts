import { Pool } from "pg";
import { RetryEvent, libpqCompatible, sleep, withRetry } from "@pgscale/core";
import { query } from "../../support/pg";

/**
 * Each member names itself: /etc/hostname is the Patroni member name. SECURITY DEFINER because
 * pg_read_file outside the data directory is for superusers; the application role only calls it.
 */
const SCHEMA = [
    `CREATE OR REPLACE FUNCTION chaos_whoami() RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
       AS $$ SELECT btrim(pg_read_file('/etc/hostname'), E'\\n ') $$`,
    `CREATE OR REPLACE FUNCTION chaos_node_state(OUT member text, OUT in_recovery boolean, OUT receiver text, OUT replay_lsn text)
       LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
       AS $$ SELECT public.chaos_whoami(), pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver LIMIT 1), pg_last_wal_replay_lsn()::text $$`,
    "GRANT EXECUTE ON FUNCTION chaos_whoami(), chaos_node_state() TO app",
];

/**
 * No unique constraint on id on purpose: exactly-once is what the suite checks, so the writer's own
 * idempotence (insert only if absent, re-run by withRetry after a lost COMMIT) is under test.
 * `source` is filled in by the server that committed the row.
 */
const TABLE = [
    `CREATE TABLE IF NOT EXISTS chaos_writes (
       id bigint NOT NULL, scenario text NOT NULL, writer text NOT NULL,
       source text NOT NULL DEFAULT chaos_whoami(), committed_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
    "CREATE INDEX IF NOT EXISTS chaos_writes_id ON chaos_writes (id)",
];

export async function createSchema(superuserAppDbUri: string, appUri: string): Promise<void> {
    for (const sql of SCHEMA) await query(superuserAppDbUri, sql);
    for (const sql of TABLE) await query(appUri, sql);
}

export interface Ack {
    id: number;
    startedAt: number;
    ackAt: number;
    /** The member whose commit acknowledged the write (chaos_whoami() in the same statement). */
    by: string;
}

export interface Failure {
    id: number;
    at: number;
    message: string;
}

/** Retry bounds wide enough to ride out a SIGKILLed leader (ttl 20 s) plus promotion and HAProxy's checks. */
const RETRY = { maxElapsedMs: 90_000, maxAttempts: 1000, maxDelayMs: 1_000 } as const;

function newPool(uri: string, maxUses?: number): Pool {
    // A short connect timeout fails an attempt on a dead backend fast; query_timeout only guards
    // against a hung socket (such an operation counts as failed, outcome unknown).
    const pool = new Pool({ connectionString: libpqCompatible(uri), max: 1, connectionTimeoutMillis: 3000, query_timeout: 30_000, keepAlive: true, ...(maxUses ? { maxUses } : {}) });
    pool.on("error", () => undefined);
    return pool;
}

let nextWriterBase = 1;

/** One write at a time through `uri` with the failover-aware client; every acknowledged id is recorded. */
export class Writer {
    readonly acked: Ack[] = [];
    readonly failures: Failure[] = [];
    readonly retries: RetryEvent[] = [];
    private readonly pool: Pool;
    private stopped = false;
    private loop?: Promise<void>;
    private readonly base: number;

    constructor(readonly name: string, uri: string, readonly scenario: string, private readonly pauseMs = 20) {
        this.pool = newPool(uri);
        // Ids are unique across every writer of the run.
        this.base = nextWriterBase++ * 1_000_000_000;
    }

    start(): this {
        this.loop = (async () => {
            for (let n = 1; !this.stopped; n++) {
                const id = this.base + n;
                const startedAt = Date.now();
                try {
                    const res = await withRetry(this.pool, (c) => c.query(
                        `WITH ins AS (INSERT INTO chaos_writes (id, scenario, writer) SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM chaos_writes WHERE id = $1) RETURNING 1)
                         SELECT chaos_whoami() AS by`,
                        [id, this.scenario, this.name]), { ...RETRY, onRetry: (e) => this.retries.push(e) });
                    this.acked.push({ id, startedAt, ackAt: Date.now(), by: (res.rows[0] as { by: string }).by });
                } catch (err) {
                    this.failures.push({ id, at: Date.now(), message: (err as Error).message });
                }
                await sleep(this.pauseMs);
            }
        })();
        return this;
    }

    /** Resolves once `n` more writes were acknowledged. */
    async waitForAcks(n: number, timeoutMs = 120_000): Promise<void> {
        const target = this.acked.length + n;
        const deadline = Date.now() + timeoutMs;
        while (this.acked.length < target) {
            if (Date.now() > deadline) throw new Error(`${this.name}: ${n} acknowledged writes did not arrive within ${timeoutMs} ms (failures: ${this.failures.length})`);
            await sleep(100);
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
        await this.pool.end().catch(() => undefined);
    }

    /** Longest time between consecutive acknowledgements (or from `from` to the first one): the outage this writer saw. */
    longestGapMs(from: number, to: number): number {
        let prev = from;
        let worst = 0;
        for (const a of this.acked) {
            if (a.ackAt < from || a.ackAt > to) continue;
            worst = Math.max(worst, a.ackAt - prev);
            prev = a.ackAt;
        }
        return worst;
    }
}

export interface Read {
    at: number;
    member: string;
    inRecovery: boolean;
    receiver: string | null;
    replayLsn: bigint | null;
    /** The primary's current LSN just before the read: the replica's true lag is at least primaryLsn - replayLsn. */
    primaryLsn: bigint | null;
}

export function parseLsn(lsn: string | null | undefined): bigint | null {
    if (!lsn) return null;
    const [hi, lo] = lsn.split("/");
    return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/** Reads through replicaUri with the failover-aware client; each read records which node answered and its state. */
export class Reader {
    readonly reads: Read[] = [];
    readonly failures: Failure[] = [];
    private readonly replicas: Pool;
    private readonly primary: Pool;
    private stopped = false;
    private loop?: Promise<void>;

    constructor(replicaUri: string, primaryUri: string, private readonly pauseMs = 50) {
        // A connection per read: HAProxy balances connections, so this is what shows its routing.
        this.replicas = newPool(replicaUri, 1);
        this.primary = newPool(primaryUri);
    }

    start(): this {
        this.loop = (async () => {
            for (let n = 1; !this.stopped; n++) {
                let primaryLsn: bigint | null = null;
                try {
                    const r = await this.primary.query("SELECT pg_current_wal_lsn()::text AS lsn");
                    primaryLsn = parseLsn(r.rows[0].lsn);
                } catch {
                    // No primary right now: this read's lag is unknown.
                }
                try {
                    const r = await withRetry(this.replicas, (c) => c.query("SELECT * FROM chaos_node_state()"), { ...RETRY, transaction: false });
                    const row = r.rows[0];
                    this.reads.push({ at: Date.now(), member: row.member, inRecovery: row.in_recovery, receiver: row.receiver, replayLsn: parseLsn(row.replay_lsn), primaryLsn });
                } catch (err) {
                    this.failures.push({ id: n, at: Date.now(), message: (err as Error).message });
                }
                await sleep(this.pauseMs);
            }
        })();
        return this;
    }

    async stop(): Promise<void> {
        this.stopped = true;
        await this.loop;
        await Promise.all([this.replicas.end().catch(() => undefined), this.primary.end().catch(() => undefined)]);
    }
}
