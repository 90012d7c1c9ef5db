import { Decision } from "../types";
import { round } from "../metrics";

/** Keep a partition small enough that VACUUM, index builds and detaches on it stay quick. */
export const TARGET_PARTITION_GB = 10;
export const TARGET_PARTITION_ROWS_M = 100;
/** Below both, partitioning mostly adds planning overhead and primary-key restrictions. */
export const WORTHWHILE = { gb: 20, rowsMillions: 100 } as const;
/** Past this many partitions, planning and relcache cost become visible on every query. */
export const MAX_PARTITIONS = 1000;

const DAYS_PER_MONTH = 30.44;

export const RANGE_INTERVALS = [
    { text: "1 year", months: 12 },
    { text: "3 months", months: 3 },
    { text: "1 month", months: 1 },
    { text: "1 week", months: 7 / DAYS_PER_MONTH },
    { text: "1 day", months: 1 / DAYS_PER_MONTH },
] as const;

export type RangeInterval = (typeof RANGE_INTERVALS)[number]["text"];

export interface GrowthFacts {
    sizeGb: number;
    rowsMillions: number;
    growthGbPerMonth: number;
    growthRowsMillionsPerMonth: number;
}

export interface Worthwhile {
    worthwhile: boolean;
    decision: Decision;
}

export function partitioningWorthwhile(f: GrowthFacts, retentionMonths?: number): Worthwhile {
    const big = f.sizeGb >= WORTHWHILE.gb || f.rowsMillions >= WORTHWHILE.rowsMillions;
    const worthwhile = big || retentionMonths !== undefined;
    const why = big
        ? `${round(f.sizeGb)} GB / ${round(f.rowsMillions)} M rows is past ${WORTHWHILE.gb} GB or ${WORTHWHILE.rowsMillions} M rows: pruning, per-partition VACUUM and detaching old data pay off`
        : retentionMonths !== undefined
          ? `the table is small (${round(f.sizeGb)} GB), but retention of ${retentionMonths} months turns DELETE of old rows into detaching a partition`
          : `only ${round(f.sizeGb)} GB / ${round(f.rowsMillions)} M rows (thresholds ${WORTHWHILE.gb} GB or ${WORTHWHILE.rowsMillions} M rows): partitioning would mostly add planning overhead and force the partition key into every primary key. The plan below is ready for when it grows`;
    return { worthwhile, decision: { topic: "partition now?", choice: worthwhile ? "yes" : "not yet", why } };
}

export interface RangePlan {
    interval: RangeInterval;
    premake: number;
    retention?: string;
    perPartitionGb: number;
    perPartitionRowsMillions: number;
    decisions: Decision[];
    notes: string[];
}

/**
 * The largest calendar interval whose partitions stay within the targets at
 * the table's growth rate, and within a third of the retention so expiry is
 * not too coarse.
 */
export function sizeRangePartitions(f: GrowthFacts, retentionMonths?: number): RangePlan {
    const fits = (months: number) =>
        f.growthGbPerMonth * months <= TARGET_PARTITION_GB &&
        f.growthRowsMillionsPerMonth * months <= TARGET_PARTITION_ROWS_M &&
        (retentionMonths === undefined || months <= retentionMonths / 3);
    const chosen = RANGE_INTERVALS.find((iv) => fits(iv.months)) ?? RANGE_INTERVALS[RANGE_INTERVALS.length - 1];
    const perGb = f.growthGbPerMonth * chosen.months;
    const perRows = f.growthRowsMillionsPerMonth * chosen.months;
    const intervalDays = chosen.months * DAYS_PER_MONTH;
    const premake = Math.max(4, Math.ceil(14 / intervalDays));
    const notes: string[] = [];
    const decisions: Decision[] = [
        {
            topic: "partition interval",
            choice: chosen.text,
            why:
                `growth ${round(f.growthGbPerMonth)} GB / ${round(f.growthRowsMillionsPerMonth)} M rows per month: "${chosen.text}" partitions hold ~${round(perGb)} GB / ${round(perRows)} M rows, ` +
                `the largest interval within ${TARGET_PARTITION_GB} GB and ${TARGET_PARTITION_ROWS_M} M rows per partition` +
                (retentionMonths !== undefined ? ` and within a third of the ${retentionMonths}-month retention` : ""),
        },
        { topic: "premake", choice: String(premake), why: `partitions created ahead of time: at least 4, and at least two weeks of runway (${Math.ceil(14 / intervalDays)} x ${chosen.text})` },
    ];
    if (perGb > TARGET_PARTITION_GB || perRows > TARGET_PARTITION_ROWS_M) {
        notes.push(`even daily partitions hold ~${round(perGb)} GB: consider hash sub-partitions of each day, or sharding (goal design_sharding).`);
    }
    const horizonMonths = retentionMonths ?? 24;
    const count = Math.ceil(horizonMonths / chosen.months) + premake;
    if (count > MAX_PARTITIONS) {
        notes.push(`${count} partitions over ${horizonMonths} months: past ~${MAX_PARTITIONS}, planning cost shows on every query; a shorter retention or a coarser interval with sub-partitions keeps it lower.`);
    }
    let retention: string | undefined;
    if (retentionMonths !== undefined) {
        retention = `${retentionMonths} month${retentionMonths === 1 ? "" : "s"}`;
        decisions.push({ topic: "retention", choice: `${retention}, detach`, why: "constraint retention-months: expired partitions are detached, not dropped, so the data stays until you archive and drop it deliberately" });
    } else {
        decisions.push({ topic: "retention", choice: "none", why: "no retention-months constraint: every partition is kept" });
    }
    return { interval: chosen.text, premake, retention, perPartitionGb: perGb, perPartitionRowsMillions: perRows, decisions, notes };
}

export interface HashPlan {
    modulus: number;
    perPartitionGb: number;
    decision: Decision;
}

export const MAX_HASH_PARTITIONS = 256;

function nextPow2(n: number): number {
    return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

/**
 * A power-of-two modulus: a partition of modulus m splits later into two of
 * modulus 2m (remainders r and r + m) without touching the others.
 */
export function sizeHashPartitions(projectedGb: number, projectedRowsMillions: number, minimum = 4): HashPlan {
    const bySize = Math.max(Math.ceil(projectedGb / TARGET_PARTITION_GB), Math.ceil(projectedRowsMillions / TARGET_PARTITION_ROWS_M));
    const needed = Math.max(minimum, bySize);
    const modulus = Math.min(MAX_HASH_PARTITIONS, nextPow2(needed));
    const perGb = projectedGb / modulus;
    return {
        modulus,
        perPartitionGb: perGb,
        decision: {
            topic: "hash modulus",
            choice: String(modulus),
            why:
                `${round(projectedGb)} GB / ${round(projectedRowsMillions)} M rows projected over 24 months need ${bySize} partition(s) of at most ${TARGET_PARTITION_GB} GB / ${TARGET_PARTITION_ROWS_M} M rows` +
                (minimum > bySize ? `, at least ${minimum}` : "") +
                `; rounded up to a power of two so any partition can later split in two (~${round(perGb)} GB each)` +
                (needed > MAX_HASH_PARTITIONS ? `, capped at ${MAX_HASH_PARTITIONS}` : ""),
        },
    };
}
