// The scaling advisor: the playbook's input schema in, a sized and explained plan out.
export { planScaling } from "./plan";
export type { PlanOptions } from "./plan";
export { scalingInputSchema, parseScalingInput, SCALING_GOALS } from "./input";
export type { ScalingInput, ParsedScalingInput, ScalingGoal, ReadWriteRatio } from "./input";
export { CONSTRAINT_VOCABULARY } from "./constraints";
export type { PlanConstraints, PartitionStrategy } from "./constraints";
export type { ScalingPlan, ImplementationStep, Decision, ConstructConfig, ConstructType, PlanConfiguration } from "./types";
