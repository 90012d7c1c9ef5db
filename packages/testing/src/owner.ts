import * as fs from "fs";
import * as os from "os";

/**
 * The process a cluster belongs to. Leftovers are reaped only when their owner is dead, so a
 * concurrent run on the same machine is never touched. The start time guards against a reused pid.
 */
export interface Owner {
    host: string;
    pid: number;
    /** Process start time in clock ticks since boot (Linux /proc); "" where unknown. */
    start: string;
}

export function processStart(pid: number): string {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // Field 22 (starttime); the command name in field 2 may contain spaces, so count after ")".
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
    } catch {
        return "";
    }
}

export function currentOwner(): Owner {
    return { host: os.hostname(), pid: process.pid, start: processStart(process.pid) };
}

/** `host/pid/start`: the value of the owner label on every engine object of a cluster. */
export function formatOwner(o: Owner): string {
    return `${o.host}/${o.pid}/${o.start}`;
}

/**
 * Prefix of the owner text of a cluster kept for reuse (labels and owner file). Such a cluster
 * outlives its owner by design; a prune of an older @pgscale/testing (another project on the same
 * engine) reads "kept+<host>" as another host's and leaves it alone, instead of reaping it as a
 * dead run's leftovers.
 */
export const KEPT_PREFIX = "kept+";

export function isKeptOwner(text: string | undefined): boolean {
    return (text ?? "").startsWith(KEPT_PREFIX);
}

export function parseOwner(text: string | undefined): Owner | undefined {
    const m = /^(?:kept\+)?(.+)\/(\d+)\/(\d*)$/.exec(text ?? "");
    return m ? { host: m[1], pid: Number(m[2]), start: m[3] } : undefined;
}

/** "foreign": another machine's process (a shared engine); its liveness cannot be judged from here. */
export type OwnerState = "alive" | "dead" | "foreign";

export function ownerState(o: Owner): OwnerState {
    if (o.host !== os.hostname()) return "foreign";
    try {
        process.kill(o.pid, 0);
    } catch (e) {
        // EPERM: the process exists but belongs to another user.
        if ((e as NodeJS.ErrnoException).code !== "EPERM") return "dead";
    }
    const start = processStart(o.pid);
    return o.start && start && start !== o.start ? "dead" : "alive";
}
