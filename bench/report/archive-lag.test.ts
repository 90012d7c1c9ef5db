import { archiveLags, lsnBytes, segmentEnd } from "./archive-lag";

const MB16 = 16 * 1024 * 1024;

describe("archive lag", () => {
    it("reads LSNs and segment names as byte positions (16 MB segments: 256 per log)", () => {
        expect(lsnBytes("0/3000060")).toBe(0x3000060n);
        expect(lsnBytes("1/0")).toBe(1n << 32n);
        expect(() => lsnBytes("nope")).toThrow(/not an LSN/);
        // Segment 3 of log 0 ends where segment 4 starts.
        expect(segmentEnd("000000010000000000000003", MB16)).toBe(4n * BigInt(MB16));
        // Log 1, segment 0: the 257th segment.
        expect(segmentEnd("000000020000000100000000", MB16)).toBe(257n * BigInt(MB16));
        expect(segmentEnd("00000002.history", MB16)).toBeUndefined();
        expect(segmentEnd("000000010000000000000003.partial", MB16)).toBeUndefined();
        expect(segmentEnd(null, MB16)).toBeUndefined();
    });

    it("is the time until the segment holding a sample's LSN is archived; the archived position only grows", () => {
        const seg = (n: number) => `0000000100000000${n.toString(16).toUpperCase().padStart(8, "0")}`;
        const samples = [
            { t: 100, lsn: "0/1000100", lastArchived: null },      // in segment 1
            { t: 101, lsn: "0/2000100", lastArchived: seg(0) },    // segment 2
            { t: 103, lsn: "0/2000200", lastArchived: seg(1) },    // segment 1 archived: sample 0's lag 3 s
            { t: 104, lsn: "0/3000000", lastArchived: "00000002.history" },
            { t: 108, lsn: "0/3000010", lastArchived: seg(2) },    // segment 2: samples 1, 2 archived
            { t: 109, lsn: "0/3000020", lastArchived: seg(2) },
        ];
        const r = archiveLags(samples, MB16, 100, 109);
        expect(r.lags).toEqual([3, 7, 5, 4]);
        // Samples 3 and later (segment 3) were never seen archived.
        expect(r.unarchived).toBe(2);
        // Only the window's samples count.
        expect(archiveLags(samples, MB16, 101, 103).lags).toEqual([7, 5]);
    });
});
