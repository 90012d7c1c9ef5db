import { readFileSync } from "fs";
import { join } from "path";
import { parsePgBackRestInfo } from "./info";
import { RESTORE_FAILED_MARK, pgBackRestProblems, restoreFailure, restoreFailureField, restoreSourceIssues, sourceReadIssues } from "./restore-check";

// pgBackRest 2.55.1's console output of a restore from an empty repository (verbatim), and its
// JSON info of a repository with three backups and of a stanza that was never created.
const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");
const EMPTY_RESTORE = fixture("pgbackrest-restore-empty-repository.log");
const THREE_KINDS = parsePgBackRestInfo(fixture("pgbackrest-info-full-diff-incr.json"), "pg-main");
const MISSING = parsePgBackRestInfo(fixture("pgbackrest-info-missing-stanza.json"), "nope");

describe("pgBackRestProblems", () => {
    it("joins each WARN and ERROR entry with its continuation lines, without the timestamp", () => {
        const problems = pgBackRestProblems(EMPTY_RESTORE);
        expect(problems).toHaveLength(2);
        expect(problems[0]).toMatch(/^WARN: repo1: \[FileMissingError\] unable to load info file '\/tmp\/r\/backup\/s\/backup\.info' or .* HINT: has a stanza-create been performed\?$/);
        expect(problems[1]).toBe("ERROR: [075]: no backup set found to restore");
    });
});

describe("restoreFailure", () => {
    const patroni = "2026-12-05 06:30:00,001 INFO: trying to bootstrap a new cluster\n";
    it("is undefined while the log shows no failure", () => {
        expect(restoreFailure(patroni + EMPTY_RESTORE.split("\n")[0])).toBeUndefined();
        expect(restoreFailure("FATAL:  the database system is starting up\n")).toBeUndefined();
    });

    it("reports pgBackRest's lines of the last attempt, once the restore script marked the failure", () => {
        const attempt = patroni + EMPTY_RESTORE + `${RESTORE_FAILED_MARK} (pgBackRest exit 75)\n`;
        const crypto = attempt.replace("[FileMissingError] unable to load info file", "[CryptoError] unable to load info file");
        const f = restoreFailure(crypto + attempt);
        expect(f?.field).toBe("bootstrap.fromBackup.stanza");
        expect(f?.message).toMatch(/^WARN: repo1: \[FileMissingError\].*ERROR: \[075\]: no backup set found to restore$/);
        expect(f?.message).not.toContain("CryptoError");
    });

    it("reports recovery that ended before the target as the target's fault", () => {
        const f = restoreFailure(`${patroni}2026-12-05 06:30:05.123 UTC [80] FATAL:  recovery ended before configured recovery target was reached\n`);
        expect(f).toEqual({ field: "bootstrap.fromBackup.target", message: "PostgreSQL: recovery ended before configured recovery target was reached (the target is past the end of the archive)" });
    });
});

describe("restoreFailureField", () => {
    it.each([
        ["WARN: repo1: [CryptoError] unable to load info file: cipher header invalid", "passphrase"],
        // The ways pgBackRest fails to read an info file a wrong passphrase decrypted to random bytes.
        ["other: [FormatError] unable to load info file '/r/backup/s/backup.info' or '/r/backup/s/backup.info.copy': FormatError: key/value found outside of section at line 1: c,?", "passphrase"],
        ["other: [FormatError] unable to load info file '/r/backup/s/backup.info' or '/r/backup/s/backup.info.copy': FormatError: ini section should end with ] at line 1: [?x", "passphrase"],
        ["other: [FormatError] unable to load info file '/r/backup/s/backup.info' or '/r/backup/s/backup.info.copy': FormatError: missing '=' in key/value at line 2: ?", "passphrase"],
        ["other: [CryptoError] unable to load info file '/r/backup/s/backup.info' or '/r/backup/s/backup.info.copy': CryptoError: unable to flush", "passphrase"],
        ["WARN: repo1: [FileMissingError] unable to load info file '/r/backup/s/backup.info' or '/r/backup/s/backup.info.copy'", "stanza"],
        ["ERROR: [075]: unable to find backup set with stop time less than '2026-12-01 00:00:00+00'", "target"],
        ["missing stanza path", "stanza"],
        ["ERROR: [049]: unable to get address for 's3.example': [-2] Name or service not known", "repository"],
    ])("%s -> %s", (message, field) => {
        expect(restoreFailureField(message)).toBe(`bootstrap.fromBackup.${field}`);
    });
});

describe("restoreSourceIssues", () => {
    it("accepts latest, and a time after the oldest backup ended", () => {
        expect(restoreSourceIssues(THREE_KINDS, "latest")).toEqual([]);
        expect(restoreSourceIssues(THREE_KINDS, { time: "2026-12-04T05:17:57Z" })).toEqual([]);
        expect(restoreSourceIssues(THREE_KINDS, { lsn: "0/1" })).toEqual([]);
    });

    it("refuses a time before the oldest backup ended, or in its last second, with the restorable range", () => {
        for (const time of ["2026-12-04T05:00:00Z", "2026-12-04T05:17:56.900Z"]) {
            expect(restoreSourceIssues(THREE_KINDS, { time })).toEqual([{
                field: "bootstrap.fromBackup.target.time",
                message: "is before the oldest backup (20261204-051755F, ended 2026-12-04T05:17:56.000Z): the restorable range is 2026-12-04T05:17:56.000Z .. the end of the archive (000000010000000000000007)",
            }]);
        }
    });

    it("names the stanza pgBackRest does not find, and a repository without a backup", () => {
        expect(restoreSourceIssues(MISSING, "latest")).toEqual([{ field: "bootstrap.fromBackup.stanza", message: "pgBackRest: missing stanza path" }]);
        const none = { ...THREE_KINDS, status: { code: 2, message: "no valid backups" }, backups: [], restorable: null };
        expect(restoreSourceIssues(none, "latest")).toEqual([{ field: "bootstrap.fromBackup.repository", message: 'stanza "pg-main" holds no backup: nothing to restore (no valid backups)' }]);
    });

    it("names the passphrase when pgBackRest cannot decrypt the repository, its message printable and on one line", () => {
        const wrong = parsePgBackRestInfo(fixture("pgbackrest-info-wrong-passphrase.json"), "s");
        const [issue, ...more] = restoreSourceIssues(wrong, "latest");
        expect(more).toEqual([]);
        expect(issue.field).toBe("bootstrap.fromBackup.passphrase");
        expect(issue.message).toMatch(/^pgBackRest: other: \[FormatError\] unable to load info file '\/tmp\/r\/backup\/s\/backup\.info' or .*: FormatError: key\/value found outside of section at line 1: c,\?.* HINT: has a stanza-create been performed\?$/);
        expect(issue.message).toMatch(/^[\x20-\x7e]+$/);
    });
});

describe("sourceReadIssues", () => {
    it("judges pgbackrest info's JSON when it ran, and its own message when it could not", () => {
        const ok = { status: 0, stdout: fixture("pgbackrest-info-full-diff-incr.json"), stderr: "" };
        expect(sourceReadIssues(ok, "pg-main", "latest")).toEqual([]);
        expect(sourceReadIssues(ok, "pg-main", { time: "2026-12-04T05:00:00Z" }).map((x) => x.field)).toEqual(["bootstrap.fromBackup.target.time"]);
        const failed = { status: 49, stdout: "", stderr: "2026-12-06 15:00:00.000 P00  ERROR: [049]: unable to get address for 'nowhere.invalid': [-2] Name or service not known\n" };
        expect(sourceReadIssues(failed, "pg-main", "latest")).toEqual([{
            field: "bootstrap.fromBackup.repository",
            message: "pgBackRest cannot read the source repository: ERROR: [049]: unable to get address for 'nowhere.invalid': [-2] Name or service not known",
        }]);
    });
});
