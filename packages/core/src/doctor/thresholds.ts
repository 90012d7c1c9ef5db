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
};
