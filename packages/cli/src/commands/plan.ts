import { CONSTRAINT_VOCABULARY, PgscaleValidationError, planScaling, SCALING_GOALS, ScalingPlan } from "@pgscale/core";
import { defineCommand } from "../command";
import { EXIT } from "../io";
import { UsageError } from "../options";
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

/** "42" becomes 42; anything else is passed on as text for the schema to reject with the field named. */
function numberOrText(v: string | undefined): number | string | undefined {
    if (v === undefined) return undefined;
    return /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}

function optionFor(field: string): string | undefined {
    const entry = Object.entries(FIELDS).find(([, f]) => field === f || field.startsWith(`${f}[`));
    return entry ? `--${entry[0]}` : undefined;
}

export const planCommand = defineCommand({
    name: "plan",
    summary: "plan partitioning, pooling, HA, replicas or sharding from a goal and metrics",
    usage: USAGE,
    options: {
        goal: { type: "string" },
        "table-size-gb": { type: "string" },
        "rows-millions": { type: "string" },
        "connections-peak": { type: "string" },
        "read-write-ratio": { type: "string" },
        constraint: { type: "string", multiple: true },
    },
    // The schema, not the option parser, judges the values: its errors name the field and the option.
    toArgs(values): { args: ScalingPlan } | { errors: UsageError[] } {
        const metrics = Object.fromEntries(
            Object.entries({
                table_size_gb: numberOrText(values["table-size-gb"]),
                rows_millions: numberOrText(values["rows-millions"]),
                connections_peak: numberOrText(values["connections-peak"]),
                read_write_ratio: values["read-write-ratio"],
            }).filter(([, v]) => v !== undefined),
        );
        try {
            return { args: planScaling({ scaling_goal: values.goal, current_metrics: metrics, constraints: values.constraint ?? [] }) };
        } catch (err) {
            if (!(err instanceof PgscaleValidationError)) throw err;
            return { errors: err.issues.map((i) => ({ option: optionFor(i.field) ?? i.field, field: i.field, message: i.message })) };
        }
    },
    async execute(plan, io, json) {
        io.out(json ? JSON.stringify(plan, null, 2) : renderPlanText(plan));
        return EXIT.ok;
    },
});
