import { ProbeSample } from "./write-probe";

export interface ProbeSummary {
    /** The longest time without an acknowledged write: the gap between consecutive successes. */
    outageMs: number;
    ok: number;
    failed: number;
    /** Distinct errors the failed writes saw, in order of first appearance (at most 5). */
    errors: string[];
}

/**
 * Measures the write outage from probe samples. Gaps between successes, rather than counted
 * failures, also catch writes that hung instead of failing. Resolution: the probe interval.
 */
export function summarizeProbes(samples: readonly ProbeSample[]): ProbeSummary {
    const successes = samples.filter((s) => s.ok).map((s) => s.endedAt).sort((a, b) => a - b);
    let outageMs = 0;
    for (let i = 1; i < successes.length; i++) outageMs = Math.max(outageMs, successes[i] - successes[i - 1]);
    const errors = [...new Set(samples.filter((s) => !s.ok).map((s) => s.error ?? "error"))].slice(0, 5);
    return { outageMs: Math.round(outageMs), ok: successes.length, failed: samples.length - successes.length, errors };
}
