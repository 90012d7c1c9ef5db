import { z } from "zod";
import { parseSpec } from "../validation";
import { constraintProblem } from "./constraints";

/** The playbook's Input Schema (`scaling_goal` enum). */
export const SCALING_GOALS = ["partition_table", "setup_pooling", "configure_ha", "design_sharding", "add_replica"] as const;
export type ScalingGoal = (typeof SCALING_GOALS)[number];

export interface ReadWriteRatio {
    read: number;
    write: number;
    /** read / (read + write), in [0, 1]. */
    readShare: number;
    /** As given, e.g. "80:20". */
    text: string;
}

const readWriteRatio = z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*:\s*\d+(\.\d+)?\s*$/, 'must be "READ:WRITE", e.g. "80:20"')
    .transform((text, ctx): ReadWriteRatio => {
        const [read, write] = text.split(":").map(Number);
        if (read + write === 0) {
            ctx.addIssue({ code: "custom", message: "read and write parts cannot both be 0" });
            return z.NEVER;
        }
        return { read, write, readShare: read / (read + write), text: text.replace(/\s+/g, "") };
    });

/**
 * Strict objects although the playbook's schema does not forbid extra keys:
 * a misspelt metric (`table_size_gbs`) would otherwise be ignored silently
 * and the plan sized from an assumption instead.
 */
export const scalingInputSchema = z.strictObject({
    scaling_goal: z.enum(SCALING_GOALS),
    current_metrics: z
        .strictObject({
            table_size_gb: z.number().nonnegative().optional(),
            rows_millions: z.number().nonnegative().optional(),
            connections_peak: z.number().int().min(1).optional(),
            read_write_ratio: readWriteRatio.optional(),
        })
        .default({}),
    constraints: z
        .array(
            z.string().superRefine((c, ctx) => {
                const problem = constraintProblem(c);
                if (problem) ctx.addIssue({ code: "custom", message: problem });
            }),
        )
        .default([]),
});

/** Exactly what a caller passes (JSON from the CLI, an object from code). */
export type ScalingInput = z.input<typeof scalingInputSchema>;
export type ParsedScalingInput = z.output<typeof scalingInputSchema>;

/** Throws PgscaleValidationError naming every bad field (e.g. `current_metrics.connections_peak`). */
export function parseScalingInput(input: unknown): ParsedScalingInput {
    return parseSpec(scalingInputSchema, input, "pgscale plan");
}
