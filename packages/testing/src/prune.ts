import * as path from "path";
import { sleep } from "@pgscale/core";
import { dockerLines, dockerRemove } from "./docker-cli";
import { LABELS } from "./labels";
import { OwnerState, isKeptOwner, ownerState, parseOwner } from "./owner";
import { PruneMode, pruneDecision } from "./reuse-policy";
import { readRecord, reuseState } from "./reuse-record";
import { processesOfCluster, terminate } from "./processes";
import { ProgressLogger, progressLogger } from "./progress";
import { listClusterDirs, removeClusterDir, stateRoot } from "./state-dir";

export interface PruneOptions {
    /** Root of the state directories to scan for stale stacks. Default as for startCluster. */
    stateDir?: string;
    silent?: boolean;
    progress?: ProgressLogger;
    /**
     * Kept clusters (reuse: true) of this state root: "expired" (default) reaps those idle for
     * longer than their TTL, "idle" every one no live process holds. Never one a live process holds.
     */
    reuse?: PruneMode;
    /**
     * Only clusters whose state directory lies in stateDir. By default prune also reaps dead runs'
     * leftovers of other state roots on the engine; a test suite that prunes its own root sets this
     * so it never races another suite that inspects its own crashed run's leftovers.
     */
    onlyStateDir?: boolean;
    /** @internal State directories not to touch: kept clusters a reusing start is judging itself. */
    spare?: string[];
}

export interface PruneReport {
    /** Stacks whose leftovers were reaped. */
    reaped: string[];
    /** Stacks left alone: their owner runs (or runs on another host sharing this engine). */
    kept: string[];
    containers: number;
    networks: number;
    volumes: number;
    processes: number;
    dirs: number;
}

interface Leftovers {
    stack: string;
    dir: string;
    state: OwnerState;
    /** Kept for reuse (the owner text carries KEPT_PREFIX). */
    kept: boolean;
    containers: string[];
    networks: string[];
    volumes: string[];
}

const KINDS = [
    { key: "containers", list: ["ps", "-a", "--no-trunc"], id: "{{.ID}}" },
    { key: "networks", list: ["network", "ls", "--no-trunc"], id: "{{.ID}}" },
    { key: "volumes", list: ["volume", "ls"], id: "{{.Name}}" },
] as const;

/** Every cluster that has engine objects or a state directory, with its owner's state. */
async function survey(root: string): Promise<Map<string, Leftovers>> {
    const byDir = new Map<string, Leftovers>();
    const entry = (dir: string, stack: string, owner: string | undefined) => {
        let e = byDir.get(dir);
        if (!e) {
            const o = parseOwner(owner);
            // An owner that cannot be read is not a run anyone can still be waiting for.
            e = { stack, dir, state: o ? ownerState(o) : "dead", kept: isKeptOwner(owner), containers: [], networks: [], volumes: [] };
            byDir.set(dir, e);
        }
        return e;
    };
    for (const kind of KINDS) {
        const fmt = `${kind.id}\t{{.Label "${LABELS.owner}"}}\t{{.Label "${LABELS.dir}"}}\t{{.Label "pgscale.stack"}}`;
        for (const line of await dockerLines([...kind.list, "--filter", `label=${LABELS.owner}`, "--format", fmt])) {
            const [id, owner, dir, stack] = line.split("\t");
            entry(dir, stack, owner)[kind.key].push(id);
        }
    }
    for (const d of listClusterDirs(root)) entry(d.dir, d.stack, d.ownerText);
    return byDir;
}

/**
 * Removes what a crashed run left: processes (the Pulumi CLI's orphaned provider plugins, which
 * could otherwise still be creating containers), then containers, networks, volumes, and the
 * stack's state directory.
 */
export async function reapCluster(l: Pick<Leftovers, "dir" | "containers" | "networks" | "volumes">): Promise<{ processes: number; dir: boolean }> {
    const pids = processesOfCluster(l.dir);
    if (pids.length) await terminate(pids);
    if (l.containers.length) await dockerRemove(["rm", "-f", "-v", ...l.containers]);
    if (l.networks.length) await dockerRemove(["network", "rm", ...l.networks]);
    if (l.volumes.length) await dockerRemove(["volume", "rm", "-f", ...l.volumes]);
    // Only directories this package laid out (they hold an owner file); never an arbitrary path from a label.
    const ours = path.isAbsolute(l.dir) && listClusterDirs(path.dirname(l.dir)).some((d) => d.dir === l.dir);
    if (ours) removeClusterDir(l.dir);
    return { processes: pids.length, dir: ours };
}

/** Labelled objects of the cluster in `dir`, found on the engine: destroy without Pulumi. */
export async function reapByDir(dir: string): Promise<void> {
    const filter = ["--filter", `label=${LABELS.dir}=${dir}`];
    await reapCluster({
        dir,
        containers: await dockerLines(["ps", "-aq", ...filter]),
        networks: await dockerLines(["network", "ls", "-q", ...filter]),
        volumes: await dockerLines(["volume", "ls", "-q", ...filter]),
    });
}

/** pruneDecision with what the files say about a kept cluster. */
function judge(l: Leftovers, root: string, mode: PruneMode, now: number): { reap: boolean; why: string } {
    if (!l.kept) return pruneDecision({ owner: l.state, reuse: false, underRoot: false, record: "unreadable" }, now, mode);
    const r = readRecord(l.dir);
    return pruneDecision({
        owner: l.state, reuse: true, underRoot: path.dirname(l.dir) === root, record: r.status,
        ...(r.status === "ok" ? { state: reuseState(l.dir, r.record) } : {}),
    }, now, mode);
}

/**
 * Reaps the leftovers of test clusters whose owning process is dead: labelled containers, networks
 * and volumes on the engine, orphaned Pulumi plugin processes, and stale stacks in the state
 * directory. Clusters of live processes (concurrent runs) are never touched. Clusters kept for
 * reuse outlive their owner: they are reaped once idle past their TTL (see pruneDecision).
 */
export async function prune(opts: PruneOptions = {}): Promise<PruneReport> {
    const log = progressLogger(opts);
    const root = stateRoot(opts.stateDir);
    const report: PruneReport = { reaped: [], kept: [], containers: 0, networks: 0, volumes: 0, processes: 0, dirs: 0 };
    const spare = new Set(opts.spare ?? []);
    // A second pass catches objects an orphaned plugin finished creating while the first pass ran.
    for (let pass = 0; pass < 3; pass++) {
        const now = Date.now();
        const verdicts = new Map<string, string>();
        const found = [...(await survey(root)).values()].filter((l) => !opts.onlyStateDir || path.dirname(l.dir) === root);
        const dead = found.filter((l) => {
            const v = spare.has(l.dir) ? { reap: false, why: "spared" } : judge(l, root, opts.reuse ?? "expired", now);
            verdicts.set(l.dir, v.why);
            if (v.reap) return true;
            if (pass === 0) report.kept.push(l.stack);
            return false;
        });
        if (dead.length === 0) break;
        for (const l of dead) {
            log(`reaping ${l.stack} (${verdicts.get(l.dir)}): ${l.containers.length} containers, ${l.networks.length} networks, ${l.volumes.length} volumes`);
            const r = await reapCluster(l);
            report.processes += r.processes;
            report.dirs += Number(r.dir);
            if (!report.reaped.includes(l.stack)) report.reaped.push(l.stack);
            report.containers += l.containers.length;
            report.networks += l.networks.length;
            report.volumes += l.volumes.length;
        }
        await sleep(500);
    }
    return report;
}
