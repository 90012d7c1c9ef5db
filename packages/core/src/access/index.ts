export * from "./role-spec";
export * from "./role-plan";
