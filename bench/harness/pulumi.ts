// The Pulumi CLI as a user runs it: one process per command, a stack per round, always removed.
import { spawn, spawnSync } from "child_process";

let counter = 0;

export function pulumi(cwd: string, stack: string, ...args: string[]): string {
    const r = spawnSync("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} (${cwd}) failed:\n${r.stdout}\n${r.stderr}`.slice(-6000));
    return r.stdout;
}

/** Seconds a pulumi command took, process start to exit. */
export function timedPulumi(cwd: string, stack: string, ...args: string[]): number {
    const t0 = Date.now();
    pulumi(cwd, stack, ...args);
    return (Date.now() - t0) / 1000;
}

/** A new stack named `bench-...` (so leftovers are recognisable) with plain and secret config. */
export function newStack(cwd: string, config: Record<string, unknown>, secret: Record<string, string> = {}): string {
    const stack = `bench-${process.pid.toString(36)}-${Date.now().toString(36)}-${counter++}`;
    pulumi(cwd, stack, "stack", "init");
    for (const [k, v] of Object.entries(config)) pulumi(cwd, stack, "config", "set", k, typeof v === "string" ? v : JSON.stringify(v));
    for (const [k, v] of Object.entries(secret)) pulumi(cwd, stack, "config", "set", "--secret", k, v);
    return stack;
}

export function removeStack(cwd: string, stack: string): void {
    pulumi(cwd, stack, "destroy", "--yes", "--skip-preview", "--suppress-progress");
    spawnSync("pulumi", ["stack", "rm", "--yes", "--stack", stack, "--non-interactive"], { cwd });
}

/** `pulumi up` in the background; resolves with its exit code. */
export function upInBackground(cwd: string, stack: string): Promise<number> {
    const up = spawn("pulumi", ["up", "--yes", "--skip-preview", "--suppress-progress", "--stack", stack, "--non-interactive"], { cwd, stdio: "ignore" });
    return new Promise((resolve) => up.on("exit", (code) => resolve(code ?? 1)));
}
