import { parseArgs } from "util";
import { CONSTRAINT_VOCABULARY, PgscaleValidationError, planScaling, SCALING_GOALS } from "@pgscale/core";
import { Command } from "../command";
import { EXIT, Io } from "../io";
import { renderPlanText } from "../render/plan-text";

/** Each option and the input field it fills, so errors can name both. */
const FIELDS = {
    goal: "scaling_goal",
    "table-size-gb": "current_metrics.table_size_gb",
    "rows-millions": "current_metrics.rows_millions",
    "connections-peak": "current_metrics.connections_peak",
    "read-write-ratio": "current_metrics.read_write_ratio",
    constraint: "constraints",
} as const;

const USAGE = `usage: pgscale plan --goal GOAL [metrics] [--constraint C]... [--json]

Plans a PostgreSQL scaling step from a goal and a few metrics: the architecture,
ordered steps with how to verify each, the pgscale configuration, a rollback plan.

  --goal GOAL              ${SCALING_GOALS.join(" | ")}
  --table-size-gb N        size of the table in GB
  --rows-millions N        rows in the table, in millions
  --connections-peak N     client connections at peak (integer)
  --read-write-ratio R:W   e.g. 80:20
  --constraint C           repeatable; understood:
${Object.entries(CONSTRAINT_VOCABULARY).map(([k, v]) => `                             ${k}: ${v}`).join("\n")}
                           anything else is carried into the plan as a note
  --json                   print the plan (or the errors) as JSON
  -h, --help               this help

Exit status: 0 plan printed, 2 invalid input (each bad option named).`;

export interface OptionError {
    /** The command-line option, e.g. "--connections-peak". */
    option: string;
    /** The input field it fills, e.g. "current_metrics.connections_peak"; absent for unknown options. */
    field?: string;
    message: string;
}

/** "42" becomes 42; anything else is passed on as text for the schema to reject with the field named. */
function numberOrText(v: string | undefined): number | string | undefined {
    if (v === undefined) return undefined;
    return /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

function optionFor(field: string): string | undefined {
    const entry = Object.entries(FIELDS).find(([, f]) => field === f || field.startsWith(`${f}[`));
    return entry ? `--${entry[0]}` : undefined;
}

function parse(argv: string[]): { input?: object; json: boolean; help: boolean; errors: OptionError[] } {
    const json = argv.includes("--json");
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                goal: { type: "string" },
                "table-size-gb": { type: "string" },
                "rows-millions": { type: "string" },
                "connections-peak": { type: "string" },
                "read-write-ratio": { type: "string" },
                constraint: { type: "string", multiple: true },
                json: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        }));
    } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const option = /'(-[^' ]+)/.exec(message)?.[1] ?? /"(-[^" ]+)"/.exec(message)?.[1] ?? "(arguments)";
        return { json, help: false, errors: [{ option, message: message.split("\n")[0] }] };
    }
    if (values.help) return { json, help: true, errors: [] };
    const metrics = Object.fromEntries(
        Object.entries({
            table_size_gb: numberOrText(values["table-size-gb"]),
            rows_millions: numberOrText(values["rows-millions"]),
            connections_peak: numberOrText(values["connections-peak"]),
            read_write_ratio: values["read-write-ratio"],
        }).filter(([, v]) => v !== undefined),
    );
    const input = { scaling_goal: values.goal, current_metrics: metrics, constraints: values.constraint ?? [] };
    return { input, json: values.json ?? false, help: false, errors: [] };
}

function reportErrors(errors: OptionError[], json: boolean, io: Io): number {
    if (json) io.out(JSON.stringify({ errors }, null, 2));
    else io.err(["pgscale plan: invalid input", ...errors.map((e) => `  ${e.option}${e.field ? ` (${e.field})` : ""}: ${e.message}`), "", "pgscale plan --help lists the options."].join("\n"));
    return EXIT.usage;
}

export const planCommand: Command = {
    name: "plan",
    summary: "plan partitioning, pooling, HA, replicas or sharding from a goal and metrics",
    usage: USAGE,
    async run(argv, io) {
        const args = parse(argv);
        if (args.help) {
            io.out(USAGE);
            return EXIT.ok;
        }
        if (args.errors.length) return reportErrors(args.errors, args.json, io);
        let plan;
        try {
            plan = planScaling(args.input);
        } catch (err) {
            if (!(err instanceof PgscaleValidationError)) throw err;
            const errors = err.issues.map((i) => ({ option: optionFor(i.field) ?? i.field, field: i.field, message: i.message }));
            return reportErrors(errors, args.json, io);
        }
        io.out(args.json ? JSON.stringify(plan, null, 2) : renderPlanText(plan));
        return EXIT.ok;
    },
};
