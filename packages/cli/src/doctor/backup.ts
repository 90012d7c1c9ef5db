import { BackupReport } from "@pgscale/core";
import { backupReport, engineExec } from "../backup/members";

/** `pgscale backup status`'s report of the members' containers, for doctor's backups area. */
export async function gatherFromBackupMembers(containers: string[]): Promise<BackupReport> {
    const exec = engineExec();
    if (typeof exec !== "function") throw new Error(exec.error);
    return (await backupReport(exec, containers)).report;
}
