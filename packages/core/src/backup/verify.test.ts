import { parseVerifyText, verifyProblems } from "./verify";

// pgBackRest 2.55's own output (pgbackrest --stanza=s --output=text --verbose verify), before and
// after one byte range of a backup file was overwritten; it exited 0 both times.
const OK = `stanza: s
status: ok
  archiveId: 17-1, total WAL checked: 3, total valid WAL: 3
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261207-102219F, status: valid, total files checked: 966, total valid files: 966
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
`;
const CORRUPT = `stanza: s
status: error
  archiveId: 17-1, total WAL checked: 3, total valid WAL: 3
    missing: 0, checksum invalid: 0, size invalid: 0, other: 0
  backup: 20261207-102219F, status: invalid, total files checked: 966, total valid files: 965
    missing: 0, checksum invalid: 1, size invalid: 0, other: 0
`;

describe("parseVerifyText", () => {
    it("reads the stanza's status, each archive's and each backup's counters", () => {
        expect(parseVerifyText(OK, "s")).toEqual({
            stanza: "s", status: "ok",
            archives: [{ archiveId: "17-1", walChecked: 3, walValid: 3, missing: 0, checksumInvalid: 0, sizeInvalid: 0, other: 0 }],
            backups: [{ label: "20261207-102219F", status: "valid", filesChecked: 966, filesValid: 966, missing: 0, checksumInvalid: 0, sizeInvalid: 0, other: 0 }],
        });
        expect(verifyProblems(parseVerifyText(OK, "s"))).toEqual([]);
    });

    it("names the invalid backup and what is wrong in it", () => {
        const r = parseVerifyText(CORRUPT, "s");
        expect(r.status).toBe("error");
        expect(r.backups[0]).toMatchObject({ status: "invalid", filesValid: 965, checksumInvalid: 1 });
        expect(verifyProblems(r)).toEqual(["backup 20261207-102219F: invalid, 1 checksum invalid of 966 files"]);
    });

    it("counts a WAL archive's missing segments, and a bare error status is still a problem", () => {
        const wal = OK.replace("status: ok", "status: error").replace("total valid WAL: 3\n    missing: 0", "total valid WAL: 2\n    missing: 1");
        expect(verifyProblems(parseVerifyText(wal, "s"))).toEqual(["WAL archive 17-1: 1 missing of 3 segments"]);
        expect(verifyProblems({ stanza: "s", status: "error", archives: [], backups: [] })).toEqual(["pgBackRest reports status error"]);
    });

    it("refuses a text that is not a report of the stanza", () => {
        expect(() => parseVerifyText(OK, "other")).toThrow(/not a pgbackrest verify report of stanza other: "stanza: s"/);
        expect(() => parseVerifyText("", "s")).toThrow(/not a pgbackrest verify report/);
    });
});
