import { Command } from "./command";
import { EXIT, Io } from "./io";

export function mainUsage(commands: readonly Command[]): string {
    const width = Math.max(...commands.map((c) => c.name.length));
    return [
        "usage: pgscale <command> [options]",
        "",
        "commands:",
        ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
        "",
        "pgscale <command> --help shows the options of a command.",
    ].join("\n");
}

/** Dispatches `argv` (without node and the script) to one of `commands`; returns the exit code. */
export async function run(argv: string[], io: Io, commands: readonly Command[]): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined) {
        io.err(mainUsage(commands));
        return EXIT.usage;
    }
    if (name === "--help" || name === "-h" || name === "help") {
        io.out(mainUsage(commands));
        return EXIT.ok;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) {
        io.err(`pgscale: unknown command "${name}"\n\n${mainUsage(commands)}`);
        return EXIT.usage;
    }
    try {
        return await command.run(rest, io);
    } catch (err) {
        io.err(`pgscale ${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return EXIT.failure;
    }
}
