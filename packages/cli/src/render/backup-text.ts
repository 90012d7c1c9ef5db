import { BackupReport, BackupSet, StanzaInfo, VerifyReport, formatBytes, formatDuration } from "@pgscale/core";
import { SEVERITY_LABEL, findingLines } from "./findings";
import { renderTable } from "./table";

/** "2026-12-04T05:17:55.000Z" -> "2026-12-04 05:17:55Z": a column, not a timestamp API. */
const when = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$/, "Z");

/** Backup sets as a table, oldest first, as pgBackRest lists them. */
export function renderBackupTable(backups: readonly BackupSet[]): string[] {
    const header = ["Label", "Type", "Started", "Stopped", "Duration", "DB size", "Backup size", "WAL start", "WAL stop"];
    return renderTable(header, backups.map((b) => [
        b.label + (b.error ? " (checksum errors)" : ""), b.type, when(b.startedAt), when(b.stoppedAt), formatDuration(b.durationSeconds),
        formatBytes(b.databaseBytes), formatBytes(b.repositoryBytes), b.walStart ?? "", b.walStop ?? "",
    ]));
}

/** `pgscale backup list`: the stanza's state, its backups, and what a restore can reach. */
export function renderBackupList(container: string, info: StanzaInfo): string {
    const lines = [`stanza ${info.stanza} (read in ${container}): ${info.status.message}${info.backupRunning ? "; a backup is running now" : ""}`];
    if (!info.backups.length) lines.push("", "no backups");
    else lines.push("", ...renderBackupTable(info.backups));
    lines.push("");
    lines.push(info.archive.max ? `archive: WAL ${info.archive.min} to ${info.archive.max}` : "archive: no WAL archived yet");
    if (info.restorable) {
        lines.push(`restorable: from ${when(info.restorable.from)} (end of the oldest backup) to the end of WAL ${info.restorable.toWal ?? "(none archived)"}` +
            ` (archived after the newest backup's end, ${when(info.restorable.newestBackupStop)})`);
    } else lines.push("restorable: nothing (no backup)");
    return lines.join("\n");
}

/** `pgscale backup status`: a verdict line, then each finding with its fix, like doctor's report. */
export function renderBackupStatus(container: string, stanza: string, report: BackupReport): string {
    const { counts } = report;
    return [
        `pgscale backup status: ${SEVERITY_LABEL[report.status]} (${counts.critical} critical, ${counts.warning} warning, ${counts.ok} ok), stanza ${stanza}, read in ${container}`,
        "",
        ...findingLines(report.findings),
    ].join("\n");
}

/** `pgscale backup drill`: what the restore took, what it holds, and each objective it missed. */
export function renderDrill(d: { container: string; stanza: string; backupSet: string; restoreSeconds: number; restorablePoint: string; lossWindowSeconds: number; checkResult: string; shortfalls: string[] }, check: string): string {
    return [
        `pgscale backup drill: restored ${d.backupSet} of stanza ${d.stanza} (repository of ${d.container}) in ${formatDuration(d.restoreSeconds)}`,
        `  restorable point: ${when(d.restorablePoint)} (data-loss window now: ${formatDuration(d.lossWindowSeconds)})`,
        `  check: ${check} -> ${d.checkResult === "" ? "(no row)" : d.checkResult}`,
        ...(d.shortfalls.length ? d.shortfalls.map((s) => `  ${SEVERITY_LABEL.critical}: ${s}`) : ["  objectives: met (or none given)"]),
    ].join("\n");
}

/** `pgscale backup verify`: the repository's files as pgBackRest's verify found them, and the primary's check. */
export function renderVerify(v: { container: string; stanza: string; repository: VerifyReport; problems: string[]; check: { container: string; ok: boolean; seconds: number; output: string } }): string {
    const { problems, repository: r } = v;
    return [
        `pgscale backup verify: stanza ${v.stanza}, ${problems.length || !v.check.ok ? SEVERITY_LABEL.critical : SEVERITY_LABEL.ok}`,
        `  repository (read in ${v.container}): ${r.backups.length} backup(s), ${r.backups.reduce((n, b) => n + b.filesChecked, 0)} files and ${r.archives.reduce((n, a) => n + a.walChecked, 0)} WAL segments checked: ${r.status}`,
        ...problems.map((p) => `    ${SEVERITY_LABEL.critical}: ${p}`),
        `  archive (pgbackrest check on the primary, ${v.check.container}): ${v.check.ok ? "ok" : "failed"} in ${formatDuration(v.check.seconds)}`,
        ...(v.check.ok ? [] : [`    ${SEVERITY_LABEL.critical}: ${v.check.output}`]),
    ].join("\n");
}
