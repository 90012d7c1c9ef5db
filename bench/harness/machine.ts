// Facts about the machine and the software a run used, recorded in every results file.
import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";
import type { Machine } from "./types";

const ROOT = path.resolve(__dirname, "../..");

function out(cmd: string, args: string[]): string {
    try {
        return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    } catch {
        return "unknown";
    }
}

export const load = (): number[] => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** Versions of what both sides run: read from the image the benchmarks use, not from the host. */
function versions(image: string): Record<string, string> {
    const inImage = out("docker", ["run", "--rm", "--entrypoint", "sh", image, "-c", "postgres --version; patroni --version"]).split("\n");
    return {
        node: process.version,
        pulumi: out("pulumi", ["version"]),
        docker: out("docker", ["version", "-f", "{{.Server.Version}}"]),
        postgres: /PostgreSQL\)? ([\d.]+)/.exec(inImage[0] ?? "")?.[1] ?? "unknown",
        patroni: /patroni ([\d.]+)/.exec(inImage[1] ?? "")?.[1] ?? "unknown",
        hostPsql: /([\d.]+)/.exec(out("psql", ["--version"]))?.[1] ?? "unknown",
    };
}

/**
 * The checkout's commit and whether it had changes, taken once when the harness starts: the code
 * that runs is what was loaded then, whatever is committed while a long run goes on.
 */
export function gitState(): { gitCommit: string; gitDirty: boolean } {
    return { gitCommit: out("git", ["rev-parse", "HEAD"]), gitDirty: out("git", ["status", "--porcelain", "--", "packages", "bench", "tools"]) !== "" };
}

/** Everything but `loadAfter`, which the harness fills in when the benchmark is done. */
export function machineBefore(image: string, git: { gitCommit: string; gitDirty: boolean }): Machine {
    const cpus = os.cpus();
    return {
        cores: cpus.length,
        cpuModel: cpus[0]?.model ?? "unknown",
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadBefore: load(),
        loadAfter: [],
        versions: versions(image),
        ...git,
    };
}
