export * from "./role-spec";
export * from "./role-plan";
export * from "./grant-spec";
export * from "./grant-plan";
export * from "./database";
export * from "./schema";
export * from "./extension";
