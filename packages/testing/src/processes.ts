import * as fs from "fs";
import { sleep } from "@pgscale/core";

/**
 * Set in the environment of the Pulumi CLI a cluster runs; its provider plugins inherit it. When
 * the owning process is SIGKILLed, the CLI dies but its plugins keep running as orphans: this
 * marker is how prune finds them.
 */
export const CLUSTER_DIR_ENV = "PGSCALE_TESTING_CLUSTER_DIR";

/** Processes whose environment has CLUSTER_DIR_ENV=dir (Linux /proc; none elsewhere). */
export function processesOfCluster(dir: string): number[] {
    const needle = `${CLUSTER_DIR_ENV}=${dir}`;
    let pids: string[];
    try {
        pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    } catch {
        return [];
    }
    return pids.map(Number).filter((pid) => {
        if (pid === process.pid) return false;
        try {
            return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(needle);
        } catch {
            return false; // exited meanwhile, or not ours to read
        }
    });
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** SIGTERM, then SIGKILL what is still there after `graceMs`. */
export async function terminate(pids: number[], graceMs = 3000): Promise<void> {
    const signal = (pid: number, s: NodeJS.Signals) => {
        try {
            process.kill(pid, s);
        } catch {
            // already gone
        }
    };
    pids.forEach((p) => signal(p, "SIGTERM"));
    const deadline = Date.now() + graceMs;
    while (pids.some(alive) && Date.now() < deadline) await sleep(100);
    pids.filter(alive).forEach((p) => signal(p, "SIGKILL"));
}
