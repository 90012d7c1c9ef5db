/** Where doctor draws the lines between ok, warning and critical. */
export interface DoctorThresholds {
    /** Share of the non-reserved connection slots in use. */
    connectionsWarnRatio: number;
    connectionsCriticalRatio: number;
    /** The oldest client waiting in a PgBouncer queue for this long is critical. */
    poolWaitCriticalSeconds: number;
    /** Clients queued behind server connections still logging in, none waiting this long yet: a pool warming up, ok. */
    poolLoginGraceSeconds: number;
    /** SHOW STATS avg_wait_time at or above this is a warning (the pool was saturated lately). */
    poolAvgWaitWarnMs: number;
    /** Replica lag, bytes behind the primary's current WAL position. */
    lagWarnBytes: number;
    lagCriticalBytes: number;
    /** Replica lag in time (replay_lag, or the replica-side replay age while behind). */
    lagWarnSeconds: number;
    lagCriticalSeconds: number;
    /** WAL on the primary waiting to be archived, in bytes. */
    archiveBacklogWarnBytes: number;
    archiveBacklogCriticalBytes: number;
}

export const DEFAULT_THRESHOLDS: Readonly<DoctorThresholds> = {
    connectionsWarnRatio: 0.8,
    connectionsCriticalRatio: 0.95,
    poolWaitCriticalSeconds: 10,
    // A login through HAProxy with scram-sha-256 takes milliseconds; a second of it is no longer warm-up.
    poolLoginGraceSeconds: 1,
    poolAvgWaitWarnMs: 100,
    // The playbook's maximum_lag_on_failover: a replica further behind is no failover candidate.
    lagWarnBytes: 1024 * 1024,
    lagCriticalBytes: 1024 * 1024 * 1024,
    lagWarnSeconds: 10,
    lagCriticalSeconds: 300,
    // 8 segments of 16 MB: more than a burst of writes leaves behind an archiver that keeps up.
    archiveBacklogWarnBytes: 128 * 1024 * 1024,
    archiveBacklogCriticalBytes: 1024 * 1024 * 1024,
};

/** Each warning line that must sit below its critical line. */
const PAIRS: Array<[keyof DoctorThresholds, keyof DoctorThresholds]> = [
    ["connectionsWarnRatio", "connectionsCriticalRatio"],
    ["lagWarnBytes", "lagCriticalBytes"],
    ["lagWarnSeconds", "lagCriticalSeconds"],
    ["archiveBacklogWarnBytes", "archiveBacklogCriticalBytes"],
];

/**
 * `name=value` overrides (the CLI's repeatable --threshold) merged over the defaults, or the
 * problems, each naming the threshold: an unknown name lists the known ones, ratios lie in (0, 1],
 * everything else is a non-negative number, and a warning line stays below its critical line.
 */
export function parseThresholds(pairs: readonly string[]): { thresholds: DoctorThresholds } | { errors: Array<{ name: string; message: string }> } {
    const known = Object.keys(DEFAULT_THRESHOLDS) as Array<keyof DoctorThresholds>;
    const t: DoctorThresholds = { ...DEFAULT_THRESHOLDS };
    const errors: Array<{ name: string; message: string }> = [];
    for (const pair of pairs) {
        const eq = pair.indexOf("=");
        const name = (eq < 0 ? pair : pair.slice(0, eq)).trim();
        if (!(known as string[]).includes(name)) {
            errors.push({ name: name || pair, message: `is not a threshold (known: ${known.join(", ")})` });
            continue;
        }
        const raw = eq < 0 ? "" : pair.slice(eq + 1).trim();
        const value = raw === "" ? NaN : Number(raw);
        const key = name as keyof DoctorThresholds;
        if (!Number.isFinite(value) || value < 0) errors.push({ name, message: `must be a non-negative number, not "${raw}"` });
        else if (/Ratio$/.test(key) && (value === 0 || value > 1)) errors.push({ name, message: `is a share of the usable connections: more than 0, at most 1, not ${raw}` });
        else t[key] = value;
    }
    for (const [warn, critical] of PAIRS) {
        if (t[warn] >= t[critical] && !errors.some((e) => e.name === warn || e.name === critical)) {
            errors.push({ name: warn, message: `(${t[warn]}) must be below ${critical} (${t[critical]})` });
        }
    }
    return errors.length ? { errors } : { thresholds: t };
}
