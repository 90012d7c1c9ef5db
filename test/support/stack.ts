import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, Stack, OutputMap, ConfigMap } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";

/** Where e2e stacks keep their state: the project's local file backend (scripts/env.sh). */
export function backendUrl(): string {
    return process.env.PULUMI_BACKEND_URL ?? `file://${path.resolve(__dirname, "../../.pgscale/state")}`;
}

/** A unique stack name per run so parallel or crashed runs never collide. */
export function uniqueStackName(prefix: string): string {
    return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/**
 * The environment of a test stack: the project's local backend and a passphrase of its own, so no
 * test stack's secrets open with a passphrase another stack (or the demo's default) shares.
 */
export function stackEnv(): Record<string, string> {
    return {
        PULUMI_BACKEND_URL: backendUrl(),
        PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("base64url"),
        PULUMI_SKIP_UPDATE_CHECK: "true",
    };
}

/** Opens a stack of a program directory under test/e2e/fixtures with the local backend. */
export async function fixtureStack(fixture: string, stackName: string, config: ConfigMap = {}): Promise<Stack> {
    const workDir = path.resolve(__dirname, "../e2e/fixtures", fixture);
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName, workDir },
        { envVars: stackEnv() },
    );
    if (Object.keys(config).length) await stack.setAllConfig(config);
    return stack;
}

export function plainOutputs(outputs: OutputMap): Record<string, any> {
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
}

/** Engine objects labelled with a stack name: what a destroyed stack must not leave behind. */
export function dockerObjectsOfStack(stack: string): { containers: string[]; networks: string[]; volumes: string[] } {
    const ls = (args: string[]) =>
        execFileSync("docker", args, { encoding: "utf8" }).split("\n").map((s) => s.trim()).filter(Boolean);
    const filter = `label=pgscale.stack=${stack}`;
    return {
        containers: ls(["ps", "-a", "--filter", filter, "--format", "{{.Names}}"]),
        networks: ls(["network", "ls", "--filter", filter, "--format", "{{.Name}}"]),
        volumes: ls(["volume", "ls", "--filter", filter, "--format", "{{.Name}}"]),
    };
}

export function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

/** Removes a stack after its resources are destroyed; used in afterAll so failures still clean up. */
export async function destroyAndRemove(stack: Stack | undefined): Promise<void> {
    if (!stack) return;
    try {
        // Most files end with a test that destroys the stack: a second, empty destroy is a CLI run
        // and an engine start for nothing.
        if ((await storedResourceCount(stack)) !== 0) await stack.destroy({ onOutput: () => undefined });
    } finally {
        await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
    }
}

/**
 * How many resources the file backend records for the stack, read from its state file (no CLI
 * run); undefined when that cannot be told (another backend, no state yet, a format not known).
 */
async function storedResourceCount(stack: Stack): Promise<number | undefined> {
    const url = stack.workspace.envVars.PULUMI_BACKEND_URL ?? backendUrl();
    if (!url.startsWith("file://")) return undefined;
    try {
        const project = (await stack.workspace.projectSettings()).name;
        const file = path.join(url.slice("file://".length), ".pulumi", "stacks", project, `${stack.name}.json`);
        const state = JSON.parse(fs.readFileSync(file, "utf8"));
        const resources = state?.checkpoint?.latest?.resources;
        return resources === undefined || Array.isArray(resources) ? (resources ?? []).length : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The stack's state as stored by the file backend, without decrypting anything: what a
 * `pulumi stack export` (no --show-secrets) or anyone reading the backend sees.
 */
export function storedState(stack: Stack): string {
    return execFileSync("pulumi", ["stack", "export", "--stack", stack.name], {
        cwd: stack.workspace.workDir,
        encoding: "utf8",
        env: { ...process.env, ...stack.workspace.envVars },
        // A stack's state runs past the default 1 MiB (a certificate per member, backup resources).
        maxBuffer: 256 * 1024 * 1024,
    });
}
