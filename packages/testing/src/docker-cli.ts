import { execFile } from "child_process";

/** Runs the docker CLI asynchronously (chaos steps must not block the event loop of a test). */
export function docker(args: string[], timeoutMs = 120_000): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("docker", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
            if (err) reject(new Error(`docker ${args.join(" ")}: ${(stderr || err.message).trim()}`));
            else resolve(stdout.trim());
        });
    });
}

export async function dockerLines(args: string[]): Promise<string[]> {
    return (await docker(args)).split("\n").map((l) => l.trim()).filter(Boolean);
}

/** Removal that treats "already gone" as done: prune and destroy may race with each other. */
export async function dockerRemove(args: string[]): Promise<void> {
    await docker(args).catch((e: Error) => {
        if (!/no such|not found/i.test(e.message)) throw e;
    });
}

/** The last `lines` lines a container wrote (docker logs replays its stderr on stderr). */
export function dockerLogs(container: string, lines: number): Promise<string> {
    return new Promise((resolve) => {
        execFile("docker", ["logs", "--tail", String(lines), container], { encoding: "utf8", timeout: 10_000 }, (err, stdout, stderr) =>
            resolve(err ? err.message : `${stdout}${stderr}`.trim()));
    });
}
