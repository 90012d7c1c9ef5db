import { parseArgs, ParseArgsConfig } from "util";
import { EXIT, Io } from "./io";
import { joinNegativeValues, reportUsageErrors, UsageError, usageErrorFrom } from "./options";

/** One `pgscale <name>` subcommand. Each lives in ./commands and is listed in ./commands/index.ts. */
export interface Command {
    name: string;
    /** One line for `pgscale --help`. */
    summary: string;
    /** Full help for `pgscale <name> --help`. */
    usage: string;
    /** Every long option it parses ("--goal", ..., "--json", "--help"), so a test can hold the help to them. */
    options: readonly string[];
    /** Returns the exit code. */
    run(argv: string[], io: Io): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;
/** What parseArgs returns for `O`, plus the --json and --help every command has. */
export type OptionValues<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: false }>>["values"];

/** The parts that differ between commands; `defineCommand` does the parsing, --help, --json and usage errors. */
export interface CommandSpec<O extends Options, A> {
    name: string;
    summary: string;
    usage: string;
    /** The command's own options (--json and -h/--help are added). */
    options: O;
    /** Checks the values and builds the command's arguments, or names every bad option. */
    toArgs(values: OptionValues<O>, env: NodeJS.ProcessEnv): { args: A } | { errors: UsageError[] };
    /** Runs with valid arguments; returns the exit code. */
    execute(args: A, io: Io, json: boolean): Promise<number>;
}

export function defineCommand<O extends Options, A>(spec: CommandSpec<O, A>): Command {
    const allOptions = { ...spec.options, json: { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;
    return {
        name: spec.name,
        summary: spec.summary,
        usage: spec.usage,
        options: Object.keys(allOptions).map((o) => `--${o}`),
        async run(argv, io) {
            // Decided before parsing, so that errors in the arguments are JSON when asked for.
            const json = argv.includes("--json");
            const options = allOptions;
            let values: OptionValues<O> & { help?: boolean };
            try {
                values = parseArgs({ args: joinNegativeValues(argv, options), strict: true, allowPositionals: false, options }).values as typeof values;
            } catch (err) {
                return reportUsageErrors(spec.name, [usageErrorFrom(err)], json, io);
            }
            if (values.help) {
                io.out(spec.usage);
                return EXIT.ok;
            }
            const parsed = spec.toArgs(values, process.env);
            if ("errors" in parsed) return reportUsageErrors(spec.name, parsed.errors, json, io);
            return spec.execute(parsed.args, io, json);
        },
    };
}
