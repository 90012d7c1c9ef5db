import { ReadWriteRatio } from "../input";
import { Decision } from "../types";

/** Beyond this many read replicas, replay and routing cost more than a cache in front of the hot reads. */
export const MAX_READ_REPLICAS = 4;

export interface ReplicaPlan {
    replicas: number;
    decisions: Decision[];
    notes: string[];
}

/**
 * Replicas from the read share: enough that each replica serves no more
 * read traffic than the primary serves writes (ceil(read / write)), so the
 * primary is not the only busy node. `haFloor` is the minimum the goal needs
 * for failover; `budget` caps the total at 2.
 */
export function sizeReplicas(rw: ReadWriteRatio, opts: { haFloor: number; budget: boolean; why: string }): ReplicaPlan {
    const notes: string[] = [];
    const forReads = rw.read === 0 ? 0 : rw.write === 0 ? Infinity : Math.ceil(rw.read / rw.write);
    let replicas = Math.min(forReads, MAX_READ_REPLICAS);
    const parts = [
        rw.read === 0
            ? `read_write_ratio ${rw.text}: no reads to offload`
            : rw.write === 0
              ? `read_write_ratio ${rw.text}: read-only traffic`
              : `read_write_ratio ${rw.text}: ceil(${rw.read} / ${rw.write}) = ${forReads} replica(s) so each serves no more reads than the primary serves writes`,
    ];
    if (forReads > MAX_READ_REPLICAS) {
        parts.push(`capped at ${MAX_READ_REPLICAS}`);
        notes.push(`reads are ${Math.round(rw.readShare * 100)}% of traffic: beyond ${MAX_READ_REPLICAS} replicas, cache the hottest reads (application cache or materialized views) rather than adding nodes that each replay every write.`);
    }
    if (replicas < opts.haFloor) {
        replicas = opts.haFloor;
        parts.push(`raised to ${opts.haFloor}: ${opts.why}`);
    }
    if (opts.budget && replicas > 2) {
        replicas = Math.max(opts.haFloor, 2);
        parts.push("constraint budget: at most 2");
    }
    return { replicas, decisions: [{ topic: "replicas", choice: String(replicas), why: parts.join("; ") }], notes };
}
