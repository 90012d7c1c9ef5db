// The archive lag of a run of samples: for each moment, how long until the WAL written by then
// was in the archive. A sample is read on the server: (clock, pg_current_wal_lsn(),
// pg_stat_archiver.last_archived_wal). The WAL up to an LSN is archived once the segment holding
// it is (a segment is archived whole; archive_timeout switches to a new one early), so the lag of
// sample i is the time to the first later sample whose last archived segment ends at or past
// sample i's LSN. Pure, so that the benchmark's figure is checked by a unit test.

export interface ArchiveSample {
    /** Epoch seconds, the server's clock. */
    t: number;
    /** pg_current_wal_lsn(), "X/Y". */
    lsn: string;
    /** pg_stat_archiver.last_archived_wal (null before any; a .history or .partial file counts as none). */
    lastArchived: string | null;
}

/** "16/B374D848" -> its byte position. */
export function lsnBytes(lsn: string): bigint {
    const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn);
    if (!m) throw new Error(`not an LSN: ${lsn}`);
    return (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`);
}

/** The byte position just past a WAL segment file name (TTTTTTTTXXXXXXXXYYYYYYYY), or undefined for other archived files. */
export function segmentEnd(name: string | null, segmentBytes: number): bigint | undefined {
    const m = name ? /^[0-9A-F]{8}([0-9A-F]{8})([0-9A-F]{8})$/.exec(name) : null;
    if (!m) return undefined;
    const perLog = (1n << 32n) / BigInt(segmentBytes);
    const segno = BigInt(`0x${m[1]}`) * perLog + BigInt(`0x${m[2]}`);
    return (segno + 1n) * BigInt(segmentBytes);
}

/**
 * Each sample's lag in seconds, for the samples taken in [from, to] (the write load's window);
 * `unarchived` counts those whose WAL no later sample saw archived (their lag is unknown, and at
 * least the time to the last sample).
 */
export function archiveLags(samples: ArchiveSample[], segmentBytes: number, from: number, to: number): { lags: number[]; unarchived: number } {
    // The archived position only grows; carry the furthest seen forward (a .history file in between reads as none).
    let through = -1n;
    const archivedThrough = samples.map((s) => {
        const end = segmentEnd(s.lastArchived, segmentBytes);
        if (end !== undefined && end > through) through = end;
        return through;
    });
    const lags: number[] = [];
    let unarchived = 0;
    let j = 0;
    samples.forEach((s, i) => {
        if (s.t < from || s.t > to) return;
        const at = lsnBytes(s.lsn);
        if (j < i) j = i;
        while (j < samples.length && archivedThrough[j] < at) j++;
        if (j === samples.length) unarchived++;
        else lags.push(samples[j].t - s.t);
    });
    return { lags, unarchived };
}
