import { Io } from "./io";

/** One `pgscale <name>` subcommand. Each lives in ./commands and is listed in ./commands/index.ts. */
export interface Command {
    name: string;
    /** One line for `pgscale --help`. */
    summary: string;
    /** Full help for `pgscale <name> --help`. */
    usage: string;
    /** Returns the exit code. */
    run(argv: string[], io: Io): Promise<number>;
}
