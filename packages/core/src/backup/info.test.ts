import { readFileSync } from "fs";
import { join } from "path";
import { addedBackups, parsePgBackRestInfo } from "./info";

// Captured from pgBackRest 2.55.1 in pgscale/patroni-17:0.3.0 (`pgbackrest --stanza=pg-main --output=json info`,
// verbatim): an encrypted repository after stanza-create, a full, a diff and an incr backup and a
// WAL switch; and the answer for a stanza that was never created.
const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");
const THREE_KINDS = fixture("pgbackrest-info-full-diff-incr.json");
const MISSING = fixture("pgbackrest-info-missing-stanza.json");

describe("parsePgBackRestInfo", () => {
    it("reads each backup set of a real answer: kind, times, sizes, WAL range", () => {
        const info = parsePgBackRestInfo(THREE_KINDS, "pg-main");
        expect(info).toMatchObject({ stanza: "pg-main", status: { code: 0, message: "ok" }, backupRunning: false, cipher: "aes-256-cbc" });
        expect(info.backups.map((b) => [b.label, b.type, b.prior])).toEqual([
            ["20261204-051755F", "full", null],
            ["20261204-051755F_20261204-051756D", "diff", "20261204-051755F"],
            ["20261204-051755F_20261204-051758I", "incr", "20261204-051755F_20261204-051756D"],
        ]);
        expect(info.backups[0]).toEqual({
            label: "20261204-051755F", type: "full", prior: null,
            startedAt: "2026-12-04T05:17:55.000Z", stoppedAt: "2026-12-04T05:17:56.000Z", durationSeconds: 1,
            databaseBytes: 27091871, repositoryBytes: 3105472,
            walStart: "000000010000000000000002", walStop: "000000010000000000000002", error: false,
        });
        // An incremental stores only its changes in the repository.
        expect(info.backups[2]).toMatchObject({ databaseBytes: 29107103, repositoryBytes: 471504, durationSeconds: 1 });
    });

    it("gives the archive range and what a restore can reach: from the oldest backup's end to the newest archived WAL", () => {
        const info = parsePgBackRestInfo(THREE_KINDS, "pg-main");
        expect(info.archive).toEqual({ min: "000000010000000000000001", max: "000000010000000000000007" });
        expect(info.restorable).toEqual({ from: "2026-12-04T05:17:56.000Z", newestBackupStop: "2026-12-04T05:17:59.000Z", toWal: "000000010000000000000007" });
    });

    it("reports a stanza that does not exist with pgBackRest's status, and no range", () => {
        const info = parsePgBackRestInfo(MISSING, "nope");
        expect(info).toMatchObject({ status: { code: 1, message: "missing stanza path" }, backups: [], archive: { min: null, max: null }, restorable: null });
    });

    it("names the stanza, the field or the text when the answer is not what it reads", () => {
        expect(() => parsePgBackRestInfo(THREE_KINDS, "other")).toThrow('pgbackrest info: no stanza "other" in the answer (stanzas: pg-main)');
        expect(() => parsePgBackRestInfo("ERROR: [055]: unable to load info file", "pg-main")).toThrow(/^pgbackrest info: not JSON: ERROR: \[055\]/);
        const broken = JSON.parse(THREE_KINDS);
        broken[0].backup[1].timestamp.start = "yesterday";
        broken[0].backup[2].type = "snapshot";
        expect(() => parsePgBackRestInfo(JSON.stringify(broken), "pg-main")).toThrow(/\[0\]\.backup\[1\]\.timestamp\.start: .*\n.*\[0\]\.backup\[2\]\.type: /);
    });
});

describe("addedBackups", () => {
    it("is what a run added, whatever expiry removed", () => {
        const after = parsePgBackRestInfo(THREE_KINDS, "pg-main");
        const before = { ...after, backups: after.backups.slice(0, 2) };
        expect(addedBackups(before, after).map((b) => b.label)).toEqual(["20261204-051755F_20261204-051758I"]);
        expect(addedBackups(after, { ...after, backups: after.backups.slice(1) })).toEqual([]);
    });
});
