import { FieldIssue } from "../validation";

/** Patroni's documented floors (patroni.readthedocs.io, "Dynamic configuration"). */
export const PATRONI_MINIMUMS = { ttl: 20, loopWait: 1, retryTimeout: 3 } as const;

/** Patroni's own defaults, used when neither timings nor objectives are given. */
export const PATRONI_DEFAULTS = { ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576 } as const;

/** Allowance for promotion of the chosen replica once the leader key is gone (measured ~1-2 s here). */
export const PROMOTION_ALLOWANCE_S = 2;

export interface PatroniTimings {
    ttl: number;
    loopWait: number;
    retryTimeout: number;
    maximumLagOnFailover: number;
}

/** How HAProxy probes Patroni's REST API: every `interMs`, `fall` misses mark down, `rise` hits mark up. */
export interface HealthCheckTimings {
    interMs: number;
    fall: number;
    rise: number;
}

export const DEFAULT_CHECK: HealthCheckTimings = { interMs: 2000, fall: 3, rise: 2 };

/** Rules Patroni enforces (it silently clamps otherwise, which hides mistakes). */
export function timingIssues(t: Omit<PatroniTimings, "maximumLagOnFailover">, prefix = "patroni"): FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (t.ttl < PATRONI_MINIMUMS.ttl) issues.push({ field: `${prefix}.ttl`, message: `must be at least ${PATRONI_MINIMUMS.ttl} seconds (Patroni's minimum), got ${t.ttl}` });
    if (t.loopWait < PATRONI_MINIMUMS.loopWait) issues.push({ field: `${prefix}.loopWait`, message: `must be at least ${PATRONI_MINIMUMS.loopWait} second, got ${t.loopWait}` });
    if (t.retryTimeout < PATRONI_MINIMUMS.retryTimeout) issues.push({ field: `${prefix}.retryTimeout`, message: `must be at least ${PATRONI_MINIMUMS.retryTimeout} seconds, got ${t.retryTimeout}` });
    if (t.loopWait + 2 * t.retryTimeout > t.ttl) {
        issues.push({
            field: `${prefix}.ttl`,
            message: `loopWait + 2*retryTimeout (${t.loopWait} + 2*${t.retryTimeout} = ${t.loopWait + 2 * t.retryTimeout}) must not exceed ttl (${t.ttl}); otherwise a leader can lose its key while still retrying the DCS`,
        });
    }
    return issues;
}

/** Worst-case figures a given configuration promises, exported by PatroniCluster. */
export interface WorstCase {
    /** Hard failure (SIGKILL, host loss) until writes succeed through HAProxy. */
    failoverSeconds: number;
    /** Graceful stop of the primary: Patroni releases the leader key, so no ttl wait. */
    plannedSeconds: number;
    /** Acknowledged writes that an asynchronous failover may lose (0 with strict synchronous mode). */
    dataLossBytes: number;
}

/**
 * Hard failure: the leader key survives up to `ttl` after the last refresh, replicas see it expire
 * within one loop, promotion takes ~2 s, and HAProxy needs `rise` good checks on the new primary.
 */
export function worstCase(t: PatroniTimings, check: HealthCheckTimings, syncStrict: boolean): WorstCase {
    const haproxyUp = (check.rise * check.interMs) / 1000;
    return {
        failoverSeconds: t.ttl + t.loopWait + PROMOTION_ALLOWANCE_S + haproxyUp,
        plannedSeconds: t.loopWait + PROMOTION_ALLOWANCE_S + haproxyUp,
        dataLossBytes: syncStrict ? 0 : t.maximumLagOnFailover,
    };
}

export interface RecoveryObjectives {
    /** Longest acceptable write outage after a hard primary failure, in seconds. */
    rtoSeconds: number;
    /** Most acknowledged WAL, in bytes, a failover may lose; 0 means synchronous replication. */
    rpoBytes: number;
}

export interface DerivedTimings {
    timings: PatroniTimings;
    check: HealthCheckTimings;
    synchronousMode: boolean;
    synchronousModeStrict: boolean;
    worstCase: WorstCase;
    /** Why the numbers are what they are, for docs and `pgscale plan`. */
    rationale: string[];
}

/** Tightest HAProxy checks worth running: 1 s probes, 2 to confirm a new primary. */
const FAST_CHECK: HealthCheckTimings = { interMs: 1000, fall: 2, rise: 1 };

/**
 * Turns recovery objectives into Patroni and HAProxy timings. Larger ttl values survive DCS
 * hiccups without spurious failovers, so within the budget we pick the largest ttl up to
 * Patroni's default of 30; below that budget hard-failure detection cannot go faster.
 */
export function timingsForObjectives(o: RecoveryObjectives, prefix = "objectives"): DerivedTimings | FieldIssue[] {
    const issues: FieldIssue[] = [];
    if (!(o.rpoBytes >= 0)) issues.push({ field: `${prefix}.rpoBytes`, message: "must be 0 or more bytes" });
    const check = o.rtoSeconds >= 60 ? DEFAULT_CHECK : FAST_CHECK;
    const fixed = PROMOTION_ALLOWANCE_S + (check.rise * check.interMs) / 1000;
    const floor = PATRONI_MINIMUMS.ttl + PATRONI_MINIMUMS.loopWait + fixed;
    if (o.rtoSeconds < floor) {
        issues.push({
            field: `${prefix}.rtoSeconds`,
            message:
                `${o.rtoSeconds}s cannot be met: after a hard failure Patroni waits for the leader key to expire ` +
                `(ttl >= ${PATRONI_MINIMUMS.ttl}s), plus one loop (>= ${PATRONI_MINIMUMS.loopWait}s), promotion (~${PROMOTION_ALLOWANCE_S}s) ` +
                `and HAProxy's check (${(check.rise * check.interMs) / 1000}s): the floor is ${floor}s. Planned switchovers are much faster.`,
        });
    }
    if (issues.length) return issues;

    const budget = o.rtoSeconds - fixed; // for ttl + loopWait
    const loopWait = Math.max(PATRONI_MINIMUMS.loopWait, Math.min(PATRONI_DEFAULTS.loopWait, Math.floor(budget / 5), Math.floor(budget - PATRONI_MINIMUMS.ttl)));
    const ttl = Math.max(PATRONI_MINIMUMS.ttl, Math.min(PATRONI_DEFAULTS.ttl, Math.floor(budget - loopWait)));
    const retryTimeout = Math.max(PATRONI_MINIMUMS.retryTimeout, Math.min(PATRONI_DEFAULTS.retryTimeout, Math.floor((ttl - loopWait) / 2)));
    const strict = o.rpoBytes === 0;
    // Synchronous: only a synchronous standby may be promoted, and it holds every acknowledged commit,
    // so the lag bound adds no safety. It would take some: Patroni compares a candidate with the WAL
    // position the leader last published (uncommitted WAL included), and with 0 a synchronous standby a
    // few bytes short of it refuses to promote, leaving no primary at all. Patroni's default stays.
    const timings = { ttl, loopWait, retryTimeout, maximumLagOnFailover: strict ? PATRONI_DEFAULTS.maximumLagOnFailover : o.rpoBytes };
    const rationale = [
        `ttl=${ttl}s, loop_wait=${loopWait}s: hard-failure detection fits the ${o.rtoSeconds}s RTO with ${fixed}s left for promotion and HAProxy`,
        `retry_timeout=${retryTimeout}s keeps loop_wait + 2*retry_timeout <= ttl`,
        `HAProxy checks every ${check.interMs}ms, fall ${check.fall}, rise ${check.rise}`,
        strict
            ? `rpoBytes=0: synchronous_mode_strict, so an acknowledged commit is on a standby; writes block while no synchronous standby is available. Only a synchronous standby is promoted; maximum_lag_on_failover keeps Patroni's default (${PATRONI_DEFAULTS.maximumLagOnFailover} bytes), since 0 would let one refuse to promote over WAL never committed`
            : `maximum_lag_on_failover=${o.rpoBytes}: a replica further behind is never promoted`,
    ];
    return { timings, check, synchronousMode: strict, synchronousModeStrict: strict, worstCase: worstCase(timings, check, strict), rationale };
}
