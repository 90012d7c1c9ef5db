import { performance } from "perf_hooks";
import { Pool } from "pg";
import { libpqCompatible, sleep } from "@pgscale/core";

export interface ProbeSample {
    /** performance.now() at the start and end of the write. */
    startedAt: number;
    endedAt: number;
    ok: boolean;
    /** SQLSTATE or errno, and message, of a failed write. */
    error?: string;
}

/**
 * Writes through the primary URI in a loop, as an application would: one pooled connection,
 * dropped on error and reopened for the next write. The write needs no table: assigning a
 * transaction id is refused by a standby, and its commit goes through WAL (and sync replication).
 */
export class WriteProbe {
    readonly samples: ProbeSample[] = [];
    private readonly pool: Pool;
    private running = false;
    private loop?: Promise<void>;
    private stopped?: Promise<void>;

    constructor(uri: string, private readonly intervalMs: number) {
        // Tight bounds: a write that hangs on a dying primary counts as outage, not as a stuck probe.
        this.pool = new Pool({ connectionString: libpqCompatible(uri), max: 1, connectionTimeoutMillis: 1000, query_timeout: 2000, application_name: "pgscale switchover probe" });
        this.pool.on("error", () => undefined);
    }

    start(): void {
        this.running = true;
        this.loop = this.run();
    }

    private async run(): Promise<void> {
        while (this.running) {
            const startedAt = performance.now();
            try {
                await this.pool.query("SELECT pg_current_xact_id()");
                this.samples.push({ startedAt, endedAt: performance.now(), ok: true });
            } catch (err) {
                const e = err as { code?: string; message?: string };
                this.samples.push({ startedAt, endedAt: performance.now(), ok: false, error: `${e.code ? `${e.code}: ` : ""}${e.message || String(err)}` });
            }
            await sleep(Math.max(0, this.intervalMs - (performance.now() - startedAt)));
        }
    }

    /** Resolves with the first sample (from now on, or already taken) matching `pred`. */
    async waitFor(pred: (s: ProbeSample) => boolean, timeoutMs: number, what: string): Promise<ProbeSample> {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
            const hit = this.samples.find(pred);
            if (hit) return hit;
            if (performance.now() > deadline) {
                const last = this.samples[this.samples.length - 1];
                throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last?.error ? ` (last write: ${last.error})` : ""}`);
            }
            await sleep(Math.min(this.intervalMs, 50));
        }
    }

    /** Idempotent. */
    stop(): Promise<void> {
        this.stopped ??= (async () => {
            this.running = false;
            await this.loop;
            await this.pool.end().catch(() => undefined);
        })();
        return this.stopped;
    }
}
