import { FieldIssue } from "../validation";
import { StanzaInfo, parsePgBackRestInfo } from "./info";
import { RestoreTarget } from "./spec";

// A `bootstrap.fromBackup` checked twice: before any member exists, against what the source
// repository holds (`pgbackrest info` in a throwaway container: readable, the stanza, a backup, a
// target time inside the restorable range), and while the first member restores, from the
// members' logs, so a restore that fails (pgBackRest's error, or recovery that ends before the
// target) fails `up` within seconds with the message and the field it points to.

const FIELD = "bootstrap.fromBackup";

/** The `bootstrap.fromBackup` field a pgBackRest or PostgreSQL failure message points to. */
export function restoreFailureField(message: string): string {
    // A wrong passphrase decrypts an info file to random bytes (a new salt each time the file is
    // written), which pgBackRest fails to read in as many ways as the bytes allow: a CryptoError, or
    // a FormatError on whichever ini rule the first line breaks. An info file that is there but does
    // not load as one points to the passphrase (a missing passphrase reads the cipher text as ini).
    if (/CryptoError|cipher|decrypt|passphrase|\[FormatError\] unable to load info file/i.test(message)) return `${FIELD}.passphrase`;
    if (/recovery target|backup set with stop time|target (time|lsn|name)|restore point/i.test(message)) return `${FIELD}.target`;
    if (/backup\.info|archive\.info|stanza/i.test(message)) return `${FIELD}.stanza`;
    return `${FIELD}.repository`;
}

/**
 * The WARN and ERROR entries of pgBackRest's console output, each on one line (its continuation
 * lines joined), with the timestamp and process prefix dropped: "ERROR: [075]: no backup set ...".
 */
export function pgBackRestProblems(output: string): string[] {
    const entries: string[] = [];
    output = printable(output);
    let current: string[] | undefined;
    for (const line of output.split("\n")) {
        const m = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} P\d+ +(\w+): (.*)$/.exec(line);
        if (m) {
            if (current) entries.push(current.join(" "));
            current = m[1] === "WARN" || m[1] === "ERROR" ? [`${m[1]}: ${m[2].trim()}`] : undefined;
        } else if (current && /^\s+\S/.test(line)) {
            current.push(line.trim());
        } else if (current) {
            entries.push(current.join(" "));
            current = undefined;
        }
    }
    if (current) entries.push(current.join(" "));
    return entries;
}

/**
 * `text` with what is not printable (the bytes of an info file a wrong passphrase decrypted, which
 * pgBackRest quotes raw, even inside its JSON strings) shown as "?".
 */
export function printable(text: string): string {
    return text.replace(/[^\n\x20-\x7e]+/g, "?");
}

/** What the restore script prints after pgBackRest's output when the restore fails. */
export const RESTORE_FAILED_MARK = "pgscale-restore: the restore failed";

/** PostgreSQL's lines that end a restored cluster's recovery without reaching the target. */
const RECOVERY_FATAL = /FATAL: +(recovery ended before configured recovery target was reached|requested timeline \S+ is not a child.*|recovery target .*)$/m;

/**
 * Why a member's bootstrap from a backup failed, read off its log (docker logs): pgBackRest's
 * WARN/ERROR lines before the restore script's mark, or PostgreSQL's FATAL that ended recovery
 * short of the target. Undefined while neither is in the log.
 */
export function restoreFailure(log: string): { field: string; message: string } | undefined {
    const at = log.lastIndexOf(RESTORE_FAILED_MARK);
    if (at >= 0) {
        // The output of the last attempt only: the member retries after each failure.
        const before = log.slice(0, at);
        const begin = before.lastIndexOf(" INFO: restore command begin");
        const problems = pgBackRestProblems(begin >= 0 ? before.slice(before.lastIndexOf("\n", begin) + 1) : before);
        const message = problems.length ? problems.join(" ") : log.slice(at).split("\n")[0];
        return { field: restoreFailureField(message), message };
    }
    const fatal = RECOVERY_FATAL.exec(log);
    if (fatal) {
        const message = `PostgreSQL: ${fatal[1]}`;
        const field = /recovery target/.test(fatal[1])
            ? `${FIELD}.target`
            : restoreFailureField(message);
        return { field, message: /ended before/.test(fatal[1]) ? `${message} (the target is past the end of the archive)` : message };
    }
    return undefined;
}

/**
 * What the source repository says about a restore before any member is created: `info` is the
 * stanza's parsed `pgbackrest info`. Each problem names the field: a stanza pgBackRest cannot
 * read (its message), no backup to restore, a target time before the oldest backup ends.
 */
export function restoreSourceIssues(info: StanzaInfo, target: RestoreTarget): FieldIssue[] {
    if (info.status.code !== 0 && info.status.code !== 2) {
        const message = printable(info.status.message).replace(/\s*\n\s*/g, " ");
        return [{ field: restoreFailureField(message), message: `pgBackRest: ${message}` }];
    }
    const oldest = info.backups[0];
    if (!oldest) {
        return [{ field: `${FIELD}.repository`, message: `stanza ${JSON.stringify(info.stanza)} holds no backup: nothing to restore (${info.status.message})` }];
    }
    // pgBackRest takes a backup for a time target only when it ended in an earlier second.
    if (target !== "latest" && "time" in target && Date.parse(target.time) < Date.parse(oldest.stoppedAt) + 1000) {
        const range = `${info.restorable!.from} .. the end of the archive${info.archive.max ? ` (${info.archive.max})` : ""}`;
        return [{ field: `${FIELD}.target.time`, message: `is before the oldest backup (${oldest.label}, ended ${oldest.stoppedAt}): the restorable range is ${range}` }];
    }
    return [];
}

/**
 * What `pgbackrest info --output=json` of the source stanza, run before a restore (in a throwaway
 * container on Docker, a throwaway pod on Kubernetes), says is wrong with the restore: pgBackRest's
 * own message when it cannot read the repository, else restoreSourceIssues.
 */
export function sourceReadIssues(read: { status: number; stdout: string; stderr: string }, stanza: string, target: RestoreTarget): FieldIssue[] {
    if (read.status !== 0) {
        const message = pgBackRestProblems(read.stderr + read.stdout).join(" ") || (read.stderr || read.stdout).trim().slice(-800);
        return [{ field: restoreFailureField(message), message: `pgBackRest cannot read the source repository: ${message}` }];
    }
    return restoreSourceIssues(parsePgBackRestInfo(read.stdout, stanza), target);
}
