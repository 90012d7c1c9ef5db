// The results-file format the harness writes and the report reads (format 2). Older files in
// bench/results/ predate it; the report lists them as legacy instead of mixing them in.

/** Machine facts recorded before and after a run: the machine is shared, so load is part of the result. */
export interface Machine {
    cores: number;
    cpuModel: string;
    memoryGiB: number;
    /** 1, 5 and 15 minute load averages. */
    loadBefore: number[];
    loadAfter: number[];
    versions: Record<string, string>;
    gitCommit: string;
    /** Uncommitted changes in the checkout when the run started. */
    gitDirty: boolean;
}

/** One side of a comparison. `settings` is the work it was asked to do; equal settings make a row like-for-like. */
export interface Side {
    label: string;
    /** How this side was run (a command, a call). */
    how: string;
    settings: Record<string, unknown>;
    /** Settings read back from the running system (e.g. Patroni's bootstrap DCS section), per round. */
    observed?: Record<string, unknown>[];
    /** One sample per round, in `unit`. */
    samples: number[];
}

export interface Target {
    /** The statistic the bound applies to; `pgscaleMedian` and `pgscaleMax` (the largest sample) are absolute bounds in the row's unit. */
    on: "ratioOfMedians" | "ratioOfFastest" | "pgscaleMedian" | "pgscaleMax";
    /** Bounds; `min` for figures where more is better (throughput). */
    max?: number;
    min?: number;
}

/** A pair of sides measured in the same rounds, alternating. */
export interface Row {
    id: string;
    title: string;
    unit: "s" | "ms" | "tps";
    /** What is timed, from where to where. */
    measure: string;
    pgscale: Side;
    baseline: Side;
    target?: Target;
}

/**
 * A figure derived from rows of the same file: `(median pgscale - median baseline)` of `row` minus
 * the same of `floor`, i.e. what the pgscale side costs beyond a floor measured in the same run.
 */
export interface BeyondFloor {
    id: string;
    title: string;
    row: string;
    floor: string;
    maxS?: number;
}

export interface ResultFile {
    format: 2;
    benchmark: string;
    /** The command line of the run. */
    command: string;
    rounds: number;
    /** How sides were ordered within rounds. */
    order: string;
    started: string;
    finished: string;
    machine: Machine;
    rows: Row[];
    beyondFloor?: BeyondFloor[];
    /** Notes the report prints under the table (facts about this run's method, not verdicts). */
    notes?: string[];
}
