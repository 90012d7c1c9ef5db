import { BackupReport } from "@pgscale/core";
import { backupReport, engineExec } from "../backup/members";
import type { KubectlTarget } from "@pgscale/core";
import { kubectlExec } from "../backup/kubectl";

/** `pgscale backup status`'s report of the members' containers (or, with `kubernetes`, pods), for doctor's backups area. */
export async function gatherFromBackupMembers(containers: string[], kubernetes?: KubectlTarget): Promise<BackupReport> {
    const exec = kubernetes ? kubectlExec(kubernetes) : engineExec();
    if (typeof exec !== "function") throw new Error(exec.error);
    return (await backupReport(exec, containers)).report;
}
