import { checkArchive } from "./archive";
import { ArchiveFacts } from "./facts";
import { DEFAULT_THRESHOLDS } from "./thresholds";

const MB16 = 16 * 1024 * 1024;
const healthy: ArchiveFacts = {
    mode: "on", archivedCount: 42, lastArchivedWal: "00000002000000000000000A", lastArchivedAgeSeconds: 4,
    failedCount: 0, lastFailedWal: null, lastFailedAgeSeconds: null, readySegments: 0, segmentBytes: MB16,
};
const check = (a: Partial<ArchiveFacts>) => checkArchive({ ...healthy, ...a }, DEFAULT_THRESHOLDS);

describe("replication.archive", () => {
    it("is ok when archiving keeps up, and reports archiving off without judging it", () => {
        expect(check({})).toMatchObject({ severity: "ok", check: "replication.archive", detail: expect.stringContaining("42 segments archived, last archived 00000002000000000000000A 4.0 s ago; 0 segment(s)") });
        expect(check({ mode: "off" })).toMatchObject({ severity: "ok", detail: expect.stringMatching(/^WAL archiving is off/) });
    });

    it("warns while the last failure is newer than the last success, critical once the backlog reaches the critical line", () => {
        const failing = { failedCount: 7, lastFailedWal: "00000002000000000000000B", lastFailedAgeSeconds: 1, readySegments: 3 };
        expect(check(failing)).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^archiving fails: 00000002000000000000000B failed 1.0 s ago \(7 failures in all\)/) });
        expect(check({ ...failing, readySegments: 64 })).toMatchObject({ severity: "critical" });
        // A failure older than the last success is history, not a failing archiver.
        expect(check({ failedCount: 1, lastFailedWal: "000000010000000000000003", lastFailedAgeSeconds: 600 })).toMatchObject({ severity: "ok" });
        // Nothing archived ever, and a failure: failing.
        expect(check({ ...failing, lastArchivedWal: null, lastArchivedAgeSeconds: null, archivedCount: 0 }).detail).toContain("nothing archived yet");
    });

    it("warns on a backlog even without failures, and says when the backlog cannot be read", () => {
        expect(check({ readySegments: 8 })).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^archiving falls behind: 8 segment\(s\) \(128\.0 MiB\) waiting/) });
        expect(check({ readySegments: 100 })).toMatchObject({ severity: "critical" });
        expect(check({ readySegments: null })).toMatchObject({ severity: "ok", detail: expect.stringContaining("needs pg_monitor") });
    });
});
