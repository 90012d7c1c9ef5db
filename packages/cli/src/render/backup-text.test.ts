import { readFileSync } from "fs";
import { join } from "path";
import { backupFindings, parsePgBackRestInfo } from "@pgscale/core";
import { renderBackupList, renderBackupStatus } from "./backup-text";

// The real pgBackRest answer core's tests read (packages/core/src/backup/fixtures).
const INFO = parsePgBackRestInfo(readFileSync(join(__dirname, "../../../core/src/backup/fixtures/pgbackrest-info-full-diff-incr.json"), "utf8"), "pg-main");

describe("renderBackupList", () => {
    test("a table of the backup sets, then the archive and the restorable range", () => {
        expect(renderBackupList("pg-main-0", INFO)).toBe([
            "stanza pg-main (read in pg-main-0): ok",
            "",
            "Label                              Type  Started               Stopped               Duration  DB size   Backup size  WAL start                 WAL stop",
            "---------------------------------  ----  --------------------  --------------------  --------  --------  -----------  ------------------------  ------------------------",
            "20261204-051755F                   full  2026-12-04 05:17:55Z  2026-12-04 05:17:56Z  1 s       25.8 MiB  3.0 MiB      000000010000000000000002  000000010000000000000002",
            "20261204-051755F_20261204-051756D  diff  2026-12-04 05:17:56Z  2026-12-04 05:17:58Z  2 s       27.6 MiB  494.2 KiB    000000010000000000000004  000000010000000000000004",
            "20261204-051755F_20261204-051758I  incr  2026-12-04 05:17:58Z  2026-12-04 05:17:59Z  1 s       27.8 MiB  460.5 KiB    000000010000000000000006  000000010000000000000006",
            "",
            "archive: WAL 000000010000000000000001 to 000000010000000000000007",
            "restorable: from 2026-12-04 05:17:56Z (end of the oldest backup) to the end of WAL 000000010000000000000007 (archived after the newest backup's end, 2026-12-04 05:17:59Z)",
        ].join("\n"));
    });

    test("an empty stanza says so", () => {
        const empty = { ...INFO, status: { code: 2, message: "no valid backups" }, backups: [], archive: { min: null, max: null }, restorable: null };
        expect(renderBackupList("pg-main-1", empty)).toBe("stanza pg-main (read in pg-main-1): no valid backups\n\nno backups\n\narchive: no WAL archived yet\nrestorable: nothing (no backup)");
    });
});

describe("renderBackupStatus", () => {
    test("a verdict line, then each finding with its fix under it", () => {
        const now = new Date(Date.parse("2026-12-04T05:17:59Z") + 3 * 3600 * 1000);
        const report = backupFindings({ info: INFO, intervals: { full: 86400, incr: 3600 }, checkSeconds: 15, schedulers: [{ container: "pg-main-0", status: { checkedAt: now.getTime() / 1000 } }] }, now);
        const text = renderBackupStatus("pg-main-0", "pg-main", report);
        expect(text.split("\n").slice(0, 5)).toEqual([
            "pgscale backup status: CRITICAL (1 critical, 0 warning, 4 ok), stanza pg-main, read in pg-main-0",
            "",
            "  ok        backup.repository  stanza pg-main: ok, 3 backup(s), aes-256-cbc",
            "  ok        backup.full        last full backup 20261204-051755F finished 3.0 h ago; full every 24.0 h",
            "  CRITICAL  backup.incr        missed: last incr backup 20261204-051755F_20261204-051758I finished 3.0 h ago; incr every 1.0 h",
        ]);
        expect(text.split("\n")[5]).toMatch(/^ {31}fix: One member's scheduler takes the backups/);
    });
});
