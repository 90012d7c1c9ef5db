import { PlanConstraints } from "../constraints";
import { PlanMetrics } from "../metrics";
import { ConstructConfig, Decision, ImplementationStep } from "../types";

export interface GoalContext {
    metrics: PlanMetrics;
    constraints: PlanConstraints;
    /** Plans that schedule partitions depend on the date; injected for tests. */
    now: Date;
}

/** What each goal produces; planScaling numbers the steps and renders the rest. */
export interface GoalPlan {
    summary: string;
    architecture: string;
    architecture_mermaid: string;
    steps: Omit<ImplementationStep, "step">[];
    constructs: ConstructConfig[];
    sql: string[];
    managed_settings?: Record<string, unknown>;
    /** In the order to perform them. */
    rollback: string[];
    decisions: Decision[];
    notes: string[];
}
