export interface BackoffOptions {
    /** Delay scale of the first retry, in ms. */
    baseDelayMs: number;
    /** Upper bound of any single delay, in ms. */
    maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter (a uniformly random delay in
 * [0, min(cap, base * 2^(retry-1))]): clients that lost the same primary at
 * the same instant spread their reconnects instead of arriving together.
 * `retry` counts from 1; `random` returns [0, 1).
 */
export function fullJitterDelay(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
    const exp = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** Math.max(0, retry - 1));
    return Math.floor(random() * exp);
}
