import { ArchiveFacts } from "./facts";
import { Finding, formatBytes, formatSeconds, ok, problem } from "./finding";
import { DoctorThresholds } from "./thresholds";

const CHECK = "replication.archive";

const FIX =
    "Archiving retries by itself; find why it fails: the primary's log (archive_command's message), and with pgscale's backup " +
    "`docker exec -u postgres <primary> pgbackrest --stanza=<scope> check` (repository volume full or unreadable, passphrase, stanza). " +
    "Until it archives, the primary keeps every unarchived segment on its disk and point-in-time recovery stops at the last archived one.";

/**
 * WAL archiving on the primary (pg_stat_archiver): failing when the last failure came after the
 * last success, and how much WAL waits on the primary's disk for it. Archiving off is reported, not
 * judged: a cluster without backups has nothing to archive to.
 */
export function checkArchive(a: ArchiveFacts, t: DoctorThresholds): Finding {
    if (a.mode === "off") return ok("replication", CHECK, "WAL archiving is off (archive_mode): no point-in-time recovery; PatroniCluster `backup` turns it on");
    const backlogBytes = a.readySegments === null ? null : a.readySegments * a.segmentBytes;
    const backlog = a.readySegments === null
        ? "the segments waiting are unknown (listing archive_status needs pg_monitor)"
        : `${a.readySegments} segment(s) (${formatBytes(backlogBytes!)}) waiting`;
    const failing = a.lastFailedAgeSeconds !== null && (a.lastArchivedAgeSeconds === null || a.lastFailedAgeSeconds < a.lastArchivedAgeSeconds);
    const last = a.lastArchivedWal === null ? "nothing archived yet" : `last archived ${a.lastArchivedWal} ${formatSeconds(a.lastArchivedAgeSeconds!)} ago`;
    if (failing) {
        const detail = `archiving fails: ${a.lastFailedWal} failed ${formatSeconds(a.lastFailedAgeSeconds!)} ago (${a.failedCount} failures in all), ${last}; ${backlog}`;
        return problem(backlogBytes !== null && backlogBytes >= t.archiveBacklogCriticalBytes ? "critical" : "warning", "replication", CHECK, detail, FIX);
    }
    if (backlogBytes !== null && backlogBytes >= t.archiveBacklogWarnBytes) {
        return problem(backlogBytes >= t.archiveBacklogCriticalBytes ? "critical" : "warning", "replication", CHECK,
            `archiving falls behind: ${backlog}; ${last}`,
            "The archiver does not keep up with the WAL written: a slow repository (its disk) or a burst of writes; " +
            "the segments stay on the primary's disk until they are archived. With pgscale's backup, archiving is asynchronous: check the repository volume's disk.");
    }
    return ok("replication", CHECK, `archiving: ${a.archivedCount} segments archived, ${last}; ${backlog}`);
}
