import type { CatalogState } from "./catalog";
import type { PartitionedTableSpec } from "./spec";

// What the partition planner takes and gives (plan.ts plans, plan-removal.ts removes,
// plan-summary.ts prints).

export type StepAction =
    | "create-table"
    | "drop-table"
    | "add-column"
    | "drop-column"
    | "alter-column"
    | "replace-primary-key"
    | "create-partition"
    | "attach-partition"
    | "detach-partition"
    | "drop-partition"
    | "create-default-partition"
    | "attach-default-partition"
    | "detach-default-partition"
    | "drop-default-partition"
    | "move-default-rows"
    | "create-index"
    | "drop-index"
    | "build-index"
    | "setup-partman"
    | "configure-partman"
    | "schedule-maintenance"
    | "stop-partman";

export interface PlanStep {
    action: StepAction;
    /** One line for `pulumi preview`. */
    summary: string;
    statements: string[];
    /** False for CONCURRENTLY builds, which PostgreSQL refuses inside a transaction. */
    transactional: boolean;
    /** The step deletes rows (only ever planned when the spec allows it). */
    dataLoss: boolean;
}

export interface PlanRefusal {
    /** The spec field to change, e.g. "partitionBy" or "partitions[2]". */
    field: string;
    reason: string;
}

export interface PartitionPlan {
    steps: PlanStep[];
    /** Non-empty: the plan must not run; each says why and what to change. */
    refusals: PlanRefusal[];
    /** Things preview should say that are not steps (e.g. unmanaged indexes left alone). */
    notes: string[];
}

export interface PlanInput {
    desired: PartitionedTableSpec;
    /** The spec of the last successful apply (from state); tells pgscale's own indexes from others. */
    previous?: PartitionedTableSpec | null;
    catalog: CatalogState;
    now: Date;
    /** "create": the resource is new (an existing table needs adoptExisting); "update": it is managed already. */
    intent: "create" | "update";
}
