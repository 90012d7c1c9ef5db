import { readConstraints, CONSTRAINT_VOCABULARY } from "./constraints";
import { GoalContext, GoalPlan } from "./goals/context";
import { planAddReplica } from "./goals/add-replica";
import { planConfigureHa } from "./goals/configure-ha";
import { planDesignSharding } from "./goals/design-sharding";
import { planPartitionTable } from "./goals/partition-table";
import { planSetupPooling } from "./goals/setup-pooling";
import { parseScalingInput, ScalingGoal } from "./input";
import { PlanMetrics } from "./metrics";
import { renderStack } from "./snippet";
import { ScalingPlan } from "./types";

const GOALS: Record<ScalingGoal, (ctx: GoalContext) => GoalPlan> = {
    partition_table: planPartitionTable,
    setup_pooling: planSetupPooling,
    configure_ha: planConfigureHa,
    design_sharding: planDesignSharding,
    add_replica: planAddReplica,
};

export interface PlanOptions {
    /** The date partition bounds are computed from. Default: now. */
    now?: Date;
}

/**
 * The playbook's scaling advisor: validates `input` against the Input Schema
 * (PgscaleValidationError naming each bad field), sizes the goal from the
 * metrics and returns the Output Schema with the reasoning behind it.
 * Deterministic for a given input and `now`.
 */
export function planScaling(input: unknown, options: PlanOptions = {}): ScalingPlan {
    const parsed = parseScalingInput(input);
    const constraints = readConstraints(parsed.constraints);
    const metrics = new PlanMetrics(parsed.current_metrics, constraints);
    const goal = GOALS[parsed.scaling_goal]({ metrics, constraints, now: options.now ?? new Date() });
    const notes = [
        ...goal.notes,
        ...constraints.unrecognised.map(
            (c) => `constraint "${c}" is not in pgscale's vocabulary (${Object.keys(CONSTRAINT_VOCABULARY).join(", ")}); it did not change the plan, take it into account by hand`,
        ),
    ];
    return {
        scaling_goal: parsed.scaling_goal,
        summary: goal.summary,
        architecture: goal.architecture,
        architecture_mermaid: goal.architecture_mermaid,
        implementation_steps: goal.steps.map((s, i) => ({ step: i + 1, ...s })),
        configuration: {
            constructs: goal.constructs,
            sql: goal.sql,
            ...(goal.managed_settings ? { managed_settings: goal.managed_settings } : {}),
            stack: goal.constructs.length ? renderStack(goal.constructs) : "",
        },
        rollback_plan: goal.rollback.map((r, i) => `${i + 1}. ${r}`).join("\n"),
        decisions: goal.decisions,
        assumptions: metrics.assumptions,
        notes,
    };
}
