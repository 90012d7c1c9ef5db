// Like-for-like checks and verdicts, computed from a results file, never written by hand. A
// target is judged only where both sides did equal work; otherwise the row says why not.
import { stableJson } from "@pgscale/core";
import type { BeyondFloor, ResultFile, Row, Side } from "../harness/types";
import { max, median, min } from "./stats";

/** Keys whose declared values differ between the sides, or that the running system contradicted. */
export function unequal(row: Row): string[] {
    const a = row.pgscale.settings;
    const b = row.baseline.settings;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    const differ = keys.filter((k) => stableJson(a[k]) !== stableJson(b[k]));
    return [...differ, ...contradicted(row.pgscale), ...contradicted(row.baseline)];
}

/** `side:key` for every observed value that is not what the side declared. */
function contradicted(side: Side): string[] {
    const bad = new Set<string>();
    for (const o of side.observed ?? []) {
        for (const [k, v] of Object.entries(o)) {
            if (k in side.settings && stableJson(side.settings[k]) !== stableJson(v)) bad.add(`${side.label}: observed ${k}`);
        }
    }
    return [...bad];
}

export interface RowFigures {
    ratioOfMedians: number;
    ratioOfFastest: number;
    likeForLike: boolean;
    differs: string[];
    verdict: string;
}

export function figures(row: Row): RowFigures {
    const a = row.pgscale.samples;
    const b = row.baseline.samples;
    const ratioOfMedians = a.length && b.length ? median(a) / median(b) : NaN;
    // The fastest round is the shortest time, or the highest throughput.
    const best = row.unit === "tps" ? max : min;
    const ratioOfFastest = a.length && b.length ? best(a) / best(b) : NaN;
    const differs = unequal(row);
    const likeForLike = differs.length === 0;
    let verdict = "–";
    if (row.target) {
        const t = row.target;
        const [value, what] = t.on === "ratioOfMedians" ? [ratioOfMedians, "ratio of medians"]
            : t.on === "ratioOfFastest" ? [ratioOfFastest, "ratio of fastest"]
            : t.on === "pgscaleMax" ? [max(a), `largest ${row.unit}`] : [median(a), `median ${row.unit}`];
        // An absolute bound on the pgscale side needs no equal baseline; a ratio does.
        const bound = [t.min !== undefined ? `≥ ${t.min}` : "", t.max !== undefined ? `≤ ${t.max}` : ""].filter(Boolean).join(", ");
        const ok = (t.max === undefined || value <= t.max) && (t.min === undefined || value >= t.min);
        if (!likeForLike && t.on !== "pgscaleMedian" && t.on !== "pgscaleMax") verdict = `no verdict: unequal work (target ${what} ${bound})`;
        else verdict = `${ok ? "met" : "not met"} (${what} ${bound})`;
    }
    return { ratioOfMedians, ratioOfFastest, likeForLike, differs, verdict };
}

export interface FloorFigures {
    rowCost: number;
    floorCost: number;
    beyond: number;
    verdict: string;
}

/** What the row's pgscale side costs over its baseline, minus what Pulumi's floor costs over its own. */
export function beyondFloor(run: ResultFile, f: BeyondFloor): FloorFigures {
    const row = run.rows.find((r) => r.id === f.row);
    const floor = run.rows.find((r) => r.id === f.floor);
    if (!row || !floor) throw new Error(`${run.benchmark}: beyondFloor ${f.id} names a missing row`);
    const cost = (r: Row) => median(r.pgscale.samples) - median(r.baseline.samples);
    const rowCost = cost(row);
    const floorCost = cost(floor);
    const beyond = rowCost - floorCost;
    let verdict = "–";
    if (f.maxS !== undefined) {
        const equal = figures(row).likeForLike && figures(floor).likeForLike;
        verdict = !equal ? `no verdict: unequal work (target ≤ ${f.maxS} s)` : `${beyond <= f.maxS ? "met" : "not met"} (≤ ${f.maxS} s)`;
    }
    return { rowCost, floorCost, beyond, verdict };
}
