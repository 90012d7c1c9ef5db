import { spawn } from "child_process";

// kubectl as the one way pgscale acts inside pods from outside the cluster (`pgscale backup
// --pod`, the Kubernetes RestoreDrill): the user's kubectl, kubeconfig, context and RBAC decide
// what it may reach, as for any kubectl call. Like the Patroni transport, the only I/O in this
// package besides it; the argument builders and the reading of its answers are pure.

/** The container of a PatroniCluster member pod that runs Patroni, pgBackRest and the scheduler. */
export const MEMBER_CONTAINER = "patroni";

export interface KubectlTarget {
    /** The namespace; default: the context's. */
    namespace?: string;
    /** A kubeconfig context; default: the kubeconfig's current one. */
    context?: string;
    /** A kubeconfig file; default: kubectl's (KUBECONFIG, else ~/.kube/config). */
    kubeconfig?: string;
}

/** kubectl's global options for the target's kubeconfig, context and namespace, then `args`. */
export function kubectlArgs(t: KubectlTarget, args: string[]): string[] {
    return [
        ...(t.kubeconfig !== undefined ? ["--kubeconfig", t.kubeconfig] : []),
        ...(t.context !== undefined ? ["--context", t.context] : []),
        ...(t.namespace !== undefined ? ["--namespace", t.namespace] : []),
        ...args,
    ];
}

/** kubectl's arguments for running `cmd` in `pod`'s `container` (default the member's), with `stdin` attached when asked. */
export function kubectlExecArgs(t: KubectlTarget, pod: string, cmd: string[], o: { container?: string; stdin?: boolean } = {}): string[] {
    return kubectlArgs(t, ["exec", ...(o.stdin ? ["--stdin"] : []), pod, "--container", o.container ?? MEMBER_CONTAINER, "--", ...cmd]);
}

/** What kubectl writes to stderr (and exits with) when the command it ran exited non-zero. */
const TERMINATED = /^(?:error: )?command terminated with exit code (\d+)\s*$/m;

/** A command's outcome inside a pod. */
export interface KubectlExecOutcome {
    exitCode: number;
    stdout: string;
    stderr: string;
}

/**
 * kubectl's outcome as the command's: kubectl exits with the command's status and says so on
 * stderr; any other failure is kubectl's own (no such pod, no access, no cluster), and rejects,
 * as the Docker engine's exec does for a container that is not there.
 */
export function kubectlOutcome(code: number, stdout: string, stderr: string): KubectlExecOutcome {
    const terminated = TERMINATED.exec(stderr);
    if (code === 0) return { exitCode: 0, stdout, stderr };
    if (terminated) return { exitCode: Number(terminated[1]), stdout, stderr: stderr.replace(TERMINATED, "").trimEnd() };
    throw new Error(kubectlFailure(code, stderr));
}

/** kubectl's own failure as one line: its first line of stderr, without "error: ". */
export function kubectlFailure(code: number, stderr: string): string {
    return (stderr.trim().split("\n").find((l) => l.trim()) ?? `kubectl exited ${code}`).replace(/^error: /, "");
}

export interface KubectlResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs kubectl with `args` (from kubectlArgs), `input` on its stdin; rejects only when kubectl cannot be run. */
export function kubectl(args: string[], input?: string): Promise<KubectlResult> {
    const bin = "kubectl";
    return new Promise((resolve, reject) => {
        // process.env as this module sees it (explicit: a test runner may give modules their own).
        const child = spawn(bin, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], env: process.env });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout!.on("data", (b: Buffer) => out.push(b));
        child.stderr!.on("data", (b: Buffer) => err.push(b));
        child.on("error", (e: NodeJS.ErrnoException) => reject(e.code === "ENOENT"
            ? new Error(`${bin} not found: pgscale reaches Kubernetes pods with kubectl (install it, or put it on PATH)`)
            : e));
        child.on("close", (code, signal) => {
            if (code === null) return reject(new Error(`kubectl was stopped by ${signal}`));
            resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
        });
        if (input !== undefined) child.stdin!.end(input);
    });
}

/** kubectl's output, or its first error line as the failure (`what` says what was being done). */
export async function kubectlOk(args: string[], what: string, input?: string): Promise<string> {
    const r = await kubectl(args, input);
    if (r.code !== 0) throw new Error(`${what}: ${kubectlFailure(r.code, r.stderr)}`);
    return r.stdout;
}
