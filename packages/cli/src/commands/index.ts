import { Command } from "../command";
import { planCommand } from "./plan";

/** Every subcommand; a new one (doctor, status, switchover) is a module here and one entry below. */
export const COMMANDS: readonly Command[] = [planCommand];
