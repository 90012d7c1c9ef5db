import { ScalingGoal } from "./input";

export interface ImplementationStep {
    step: number;
    title: string;
    /** What this step changes, and where. */
    changes: string;
    /** How to check it worked before going on (a command, a query, an expected result). */
    verify: string;
    /** False when the step interrupts traffic (the plan says for how long). */
    online: boolean;
}

/** One sized decision and the reason for it, from the metrics. */
export interface Decision {
    topic: string;
    choice: string;
    why: string;
}

export type ConstructType = "EtcdCluster" | "PatroniCluster" | "HAProxyFrontend" | "PgBouncerPool" | "PartitionedTable" | "ShardedTable";

export interface ConstructConfig {
    construct: ConstructType;
    package: "@pgscale/docker" | "@pgscale/postgres";
    /** Resource name, also the variable name in the stack snippet. */
    name: string;
    /** Every argument except references to other resources: valid input for the construct's spec. */
    args: Record<string, unknown>;
    /**
     * Arguments that reference other resources or stack config, e.g.
     * `{ dcs: "dcs" }`, `{ connection: "lb.primaryUri" }`, `{ connection: "config:databaseUri" }`.
     * A dotted key reaches into `args`: `{ "shards.0.uri": "config:s1Uri" }` sets `uri` on `args.shards[0]`.
     */
    refs: Record<string, string>;
    purpose: string;
}

export interface PlanConfiguration {
    /** In dependency order. */
    constructs: ConstructConfig[];
    /** Statements no construct expresses (online migration, postgres_fdw shards), in order. */
    sql: string[];
    /** Settings to request from a managed service instead of constructs (constraint managed-service). */
    managed_settings?: Record<string, unknown>;
    /** A TypeScript Pulumi program declaring `constructs`. */
    stack: string;
}

/** The playbook's Output Schema, plus the reasoning behind it. */
export interface ScalingPlan {
    scaling_goal: ScalingGoal;
    summary: string;
    /** ASCII diagram for a terminal. */
    architecture: string;
    /** The same diagram as Mermaid, for docs. */
    architecture_mermaid: string;
    implementation_steps: ImplementationStep[];
    configuration: PlanConfiguration;
    rollback_plan: string;
    decisions: Decision[];
    /** Defaults used for metrics that were not given. */
    assumptions: string[];
    /** Warnings, and constraints outside the vocabulary, carried verbatim. */
    notes: string[];
}
