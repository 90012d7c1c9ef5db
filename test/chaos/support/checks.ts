import { query } from "../../support/pg";
import { Ack, Writer } from "./workload";

export interface WriteCheck {
    acknowledged: number;
    /** Acknowledged but absent afterwards: lost writes. */
    missing: Ack[];
    /** Ids stored more than once. */
    duplicated: number[];
    /** Ids whose write failed (outcome unknown) and that are stored: allowed, at most once. */
    failedButStored: number;
    /** Stored rows of the scenario, in commit order: who committed what, when. */
    rows: Array<{ id: number; source: string; committedAt: number }>;
}

/** Reads every row of the scenario from the current primary and compares with what the writers saw acknowledged. */
export async function checkWrites(primaryUri: string, scenario: string, writers: Writer[]): Promise<WriteCheck> {
    const stored = await query<{ id: string; n: number; source: string; committed_at: Date }>(primaryUri,
        `SELECT id, count(*)::int AS n, min(source) AS source, min(committed_at) AS committed_at
           FROM chaos_writes WHERE scenario = $1 GROUP BY id`, [scenario]);
    const byId = new Map(stored.map((r) => [Number(r.id), r]));
    const acked = writers.flatMap((w) => w.acked);
    const failed = new Set(writers.flatMap((w) => w.failures.map((f) => f.id)));
    return {
        acknowledged: acked.length,
        missing: acked.filter((a) => !byId.has(a.id)),
        duplicated: stored.filter((r) => r.n > 1).map((r) => Number(r.id)),
        failedButStored: stored.filter((r) => failed.has(Number(r.id))).length,
        rows: stored.map((r) => ({ id: Number(r.id), source: r.source, committedAt: r.committed_at.getTime() })).sort((a, b) => a.committedAt - b.committedAt),
    };
}
