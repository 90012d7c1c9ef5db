import { spawn } from "child_process";
import type { UsageError } from "../options";
import type { ContainerExec, ExecResult } from "./members";

// `pgscale backup --pod`: the same commands as on Docker, run in a member pod's `patroni`
// container with `kubectl exec` (the member's user, postgres, which owns pgBackRest's files; the
// pod's environment, so the scheduler finds Patroni and its Kubernetes DCS lease as it does on
// its own). kubectl is the user's: their kubeconfig (KUBECONFIG or ~/.kube/config), context and
// RBAC (`pods/exec` in the cluster's namespace) decide what they may reach, as for any kubectl call.

/** The container of a PatroniCluster member pod that runs Patroni, pgBackRest and the scheduler. */
export const MEMBER_CONTAINER = "patroni";

export interface KubectlTarget {
    /** The cluster's namespace; default: the context's. */
    namespace?: string;
    /** A kubeconfig context; default: the current one. */
    context?: string;
}

/** A pod's name (a DNS subdomain) and a namespace's (a DNS label), as the API server accepts them. */
const POD_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAMESPACE = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The member pods option (`podOption`: --pod, doctor's --backup-pod) with --namespace and
 * --context, each bad value named; --namespace and --context without a pod are refused too.
 */
export function kubectlTargetArgs(podOption: string, values: { pods: string[]; namespace?: string; context?: string }, errors: UsageError[]): KubectlTarget {
    for (const p of values.pods) if (!POD_NAME.test(p)) errors.push({ option: podOption, message: `${JSON.stringify(p)} is not a pod name` });
    for (const option of ["namespace", "context"] as const) {
        if (values[option] !== undefined && !values.pods.length) errors.push({ option: `--${option}`, message: `applies to ${podOption} only (Kubernetes)` });
    }
    if (values.namespace !== undefined && !NAMESPACE.test(values.namespace)) errors.push({ option: "--namespace", message: `${JSON.stringify(values.namespace)} is not a namespace name` });
    if (values.context !== undefined && (values.context === "" || values.context.startsWith("-"))) errors.push({ option: "--context", message: "must name a kubeconfig context" });
    return { ...(values.namespace !== undefined ? { namespace: values.namespace } : {}), ...(values.context !== undefined ? { context: values.context } : {}) };
}

/** kubectl's global options for the target's context and namespace, then `args`. */
export function kubectlArgs(t: KubectlTarget, args: string[]): string[] {
    return [...(t.context !== undefined ? ["--context", t.context] : []), ...(t.namespace !== undefined ? ["--namespace", t.namespace] : []), ...args];
}

/** kubectl's arguments for running `cmd` in `pod`'s `container` (default the member's), with `stdin` attached when asked. */
export function kubectlExecArgs(t: KubectlTarget, pod: string, cmd: string[], o: { container?: string; stdin?: boolean } = {}): string[] {
    return kubectlArgs(t, ["exec", ...(o.stdin ? ["--stdin"] : []), pod, "--container", o.container ?? MEMBER_CONTAINER, "--", ...cmd]);
}

/** What kubectl writes to stderr (and exits with) when the command it ran exited non-zero. */
const TERMINATED = /^(?:error: )?command terminated with exit code (\d+)\s*$/m;

/**
 * kubectl's outcome as the command's: kubectl exits with the command's status and says so on
 * stderr; any other failure is kubectl's own (no such pod, no access, no cluster), and rejects,
 * as the Docker engine's exec does for a container that is not there.
 */
export function kubectlOutcome(code: number, stdout: string, stderr: string): ExecResult {
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
            ? new Error(`${bin} not found: --pod reaches the members with kubectl (install it, or put it on PATH)`)
            : e));
        child.on("close", (code, signal) => {
            if (code === null) return reject(new Error(`kubectl was stopped by ${signal}`));
            resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
        });
        if (input !== undefined) child.stdin!.end(input);
    });
}

/** A ContainerExec whose "containers" are member pods, reached with kubectl exec. */
export function kubectlExec(t: KubectlTarget): ContainerExec {
    return async (pod, cmd) => {
        const r = await kubectl(kubectlExecArgs(t, pod, cmd));
        return kubectlOutcome(r.code, r.stdout, r.stderr);
    };
}
