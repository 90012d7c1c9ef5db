// Pure building blocks of pgscale: specs, renderers, planners. No I/O here.
export * from "./validation";
export * from "./cluster";
export * from "./sql";
export * from "./partition";
export * from "./errors";
export * from "./planner";
export * from "./doctor";
export * from "./rolling";
export * from "./patroni";
export * from "./util";
export * from "./access";
export * from "./backup";
export * from "./monitoring";
export * from "./shard";
export * from "./kubectl";
