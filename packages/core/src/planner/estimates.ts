// Rough rates for the durations a plan quotes; stated in the plan so readers can rescale them.

/** Bulk copy (INSERT ... SELECT with index maintenance, one session). */
export const COPY_GB_PER_MINUTE = 6;
/** Sequential scan, e.g. VALIDATE CONSTRAINT. */
export const SCAN_GB_PER_MINUTE = 12;

/** "~N min" or "~N h" for `gb` at `perMinute`. */
export function duration(gb: number, perMinute: number): string {
    const min = Math.max(1, Math.ceil(gb / perMinute));
    return min < 120 ? `~${min} min` : `~${Math.round(min / 60)} h`;
}
