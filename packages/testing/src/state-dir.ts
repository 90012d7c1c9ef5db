import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Owner, parseOwner, formatOwner } from "./owner";

/**
 * Root of the state directories: `stateDir` option, then PGSCALE_TESTING_STATE, then a directory of
 * this user's in the OS temp dir (it is created 0700, so users of one machine need one each).
 */
export function stateRoot(explicit?: string): string {
    return path.resolve(explicit ?? process.env.PGSCALE_TESTING_STATE ?? path.join(os.tmpdir(), `pgscale-testing-${os.userInfo().uid}`));
}

/**
 * One directory per cluster holds everything Pulumi writes for it: the file backend (the stack is
 * alone in it), the workspace, and the CLI's temporary files. Removing the directory removes the stack.
 */
export interface ClusterDir {
    dir: string;
    backend: string;
    work: string;
    tmp: string;
}

const OWNER_FILE = "owner";

export function clusterDir(root: string, stack: string): ClusterDir {
    const dir = path.join(root, stack);
    return { dir, backend: path.join(dir, "state"), work: path.join(dir, "work"), tmp: path.join(dir, "tmp") };
}

/** `ownerText`: formatOwner(owner), prefixed for a kept cluster (see KEPT_PREFIX). */
export function createClusterDir(root: string, stack: string, owner: Owner, ownerText = formatOwner(owner)): ClusterDir {
    const d = clusterDir(root, stack);
    for (const p of [d.backend, d.work, d.tmp]) fs.mkdirSync(p, { recursive: true, mode: 0o700 });
    // Written before Pulumi runs, so a run killed at any point leaves a directory prune can judge.
    fs.writeFileSync(path.join(d.dir, OWNER_FILE), ownerText + "\n");
    return d;
}

export function removeClusterDir(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
}

export interface ClusterDirEntry {
    stack: string;
    dir: string;
    /** Undefined when the owner file is missing or unreadable. */
    owner?: Owner;
    /** The owner file as written (a kept cluster's carries KEPT_PREFIX). */
    ownerText?: string;
}

export function listClusterDirs(root: string): ClusterDirEntry[] {
    let names: string[];
    try {
        names = fs.readdirSync(root);
    } catch {
        return [];
    }
    return names.flatMap((stack) => {
        const dir = path.join(root, stack);
        const ownerFile = path.join(dir, OWNER_FILE);
        if (!fs.existsSync(ownerFile)) return [];
        const ownerText = fs.readFileSync(ownerFile, "utf8").trim();
        return [{ stack, dir, owner: parseOwner(ownerText), ownerText }];
    });
}
