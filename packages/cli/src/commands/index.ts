import { Command } from "../command";
import { backupCommand } from "./backup";
import { doctorCommand } from "./doctor";
import { imagesCommand } from "./images";
import { planCommand } from "./plan";
import { statusCommand } from "./status";
import { switchoverCommand } from "./switchover";

/** Every subcommand; a new one (doctor, status, switchover) is a module here and one entry below. */
export const COMMANDS: readonly Command[] = [planCommand, doctorCommand, statusCommand, switchoverCommand, backupCommand, imagesCommand];
