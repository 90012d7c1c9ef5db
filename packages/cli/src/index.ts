// @pgscale/cli: the `pgscale` command, usable in-process too.
export { run, mainUsage } from "./run";
export { COMMANDS } from "./commands";
export type { Command } from "./command";
export type { Io } from "./io";
export { EXIT, processIo } from "./io";
export { renderPlanText } from "./render/plan-text";
