import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterInfo } from "./cluster-info";
import { Owner, formatOwner, ownerState, parseOwner } from "./owner";
import { ReuseState } from "./reuse-policy";
import { listClusterDirs } from "./state-dir";

// The files that keep a cluster for reuse, in its own state directory (0700, this user's):
//   reuse.json      written once the cluster is ready: key, endpoints and credentials, last use, TTL
//   leases/<slot>   `host/pid/start` of the process that holds database slot <slot>
// Files rather than a table in the cluster: prune judges kept clusters, dead ones included,
// without a connection; a lease's holder is a local process whose liveness owner.ts can tell.

export const RECORD_FILE = "reuse.json";
const LEASES = "leases";

export interface ReuseRecord {
    key: string;
    /** The spec the key hashes, for people reading the file. */
    spec: Record<string, unknown>;
    uid: number;
    createdAt: number;
    lastUsed: number;
    ttl: number;
    /** Slot 1's view of the cluster (its own database); other slots derive theirs. */
    info: ClusterInfo;
}

/** Written to a temporary file and renamed: a reader never sees half a record. */
export function writeRecord(dir: string, record: ReuseRecord): void {
    const tmp = path.join(dir, `${RECORD_FILE}.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, RECORD_FILE));
}

export type RecordRead = { status: "ok"; record: ReuseRecord } | { status: "missing" | "unreadable" };

export function readRecord(dir: string): RecordRead {
    try {
        fs.statSync(dir);
    } catch (e) {
        // EACCES: another user's state root; ENOENT: the directory is gone. Neither is ours to judge.
        return { status: "unreadable" };
    }
    try {
        const record = JSON.parse(fs.readFileSync(path.join(dir, RECORD_FILE), "utf8")) as ReuseRecord;
        return { status: "ok", record };
    } catch (e) {
        return { status: (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable" };
    }
}

/** Marks the record used now (and with this TTL): a concurrent prune must not expire what is being taken. */
export function touchRecord(dir: string, ttl?: number): void {
    const r = readRecord(dir);
    if (r.status !== "ok") return;
    writeRecord(dir, { ...r.record, lastUsed: Date.now(), ...(ttl ? { ttl } : {}) });
}

/** This user's kept clusters of `key` under `root`, most recently used first. */
export function keptClusters(root: string, key: string): Array<{ dir: string; record: ReuseRecord }> {
    const uid = os.userInfo().uid;
    return listClusterDirs(root)
        .flatMap((d) => {
            const r = readRecord(d.dir);
            return r.status === "ok" && r.record.key === key && r.record.uid === uid ? [{ dir: d.dir, record: r.record }] : [];
        })
        .sort((a, b) => b.record.lastUsed - a.record.lastUsed);
}

export interface Lease {
    slot: number;
    holder: string;
    live: boolean;
}

export function leases(dir: string): Lease[] {
    let names: string[];
    try {
        names = fs.readdirSync(path.join(dir, LEASES));
    } catch {
        return [];
    }
    return names.filter((n) => /^\d+$/.test(n)).map((n) => {
        const holder = fs.readFileSync(path.join(dir, LEASES, n), "utf8").trim();
        const o = parseOwner(holder);
        // "foreign" cannot happen for a local state directory; if it does, assume the holder runs.
        return { slot: Number(n), holder, live: o !== undefined && ownerState(o) !== "dead" };
    }).sort((a, b) => a.slot - b.slot);
}

/**
 * The lowest slot no live process holds, or undefined when all `maxSlots` are held. Callers
 * serialize this (an advisory lock on the cluster), so two processes never pick the same slot.
 */
export function freeSlot(dir: string, maxSlots: number): number | undefined {
    const held = new Set(leases(dir).filter((l) => l.live).map((l) => l.slot));
    for (let s = 1; s <= maxSlots; s++) if (!held.has(s)) return s;
    return undefined;
}

export function writeLease(dir: string, slot: number, owner: Owner): void {
    fs.mkdirSync(path.join(dir, LEASES), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, LEASES, String(slot)), formatOwner(owner) + "\n", { mode: 0o600 });
}

export function removeLease(dir: string, slot: number): void {
    fs.rmSync(path.join(dir, LEASES, String(slot)), { force: true });
}

/** For prune: last use, TTL and live leases of a kept cluster. */
export function reuseState(dir: string, record: ReuseRecord): ReuseState {
    return { lastUsed: record.lastUsed, ttl: record.ttl, liveLeases: leases(dir).filter((l) => l.live).length };
}
