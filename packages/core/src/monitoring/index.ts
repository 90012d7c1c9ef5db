export * from "./spec";
export * from "./discovery";
export * from "./queries";
export * from "./alert-thresholds";
export * from "./rules";
export * from "./rules-table";
export * from "./dashboard";
export * from "./kubernetes-discovery";
