import { COMMANDS, Io, run } from "@pgscale/cli";

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs `pgscale <argv>` in-process, as the bin dispatches it, capturing both streams. */
export async function pgscaleCli(...argv: string[]): Promise<CliResult> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: Io = { out: (t) => void stdout.push(t), err: (t) => void stderr.push(t) };
    const code = await run(argv, io, COMMANDS);
    return { code, stdout: stdout.join("\n"), stderr: stderr.join("\n") };
}
