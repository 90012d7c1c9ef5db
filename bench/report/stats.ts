// The statistics the report prints. Kept apart so the harness's log and the docs agree.
export function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export const min = (xs: number[]) => Math.min(...xs);
export const max = (xs: number[]) => Math.max(...xs);

/** A figure for the docs: 2 decimals below 10, 1 below 100, else whole. */
export function fmt(x: number): string {
    if (!Number.isFinite(x)) return "n/a";
    const a = Math.abs(x);
    return a < 10 ? x.toFixed(2) : a < 100 ? x.toFixed(1) : x.toFixed(0);
}

/** `median (min-max), n rounds` */
export function spread(xs: number[], unit: string): string {
    if (!xs.length) return "no samples";
    return xs.length === 1 ? `${fmt(xs[0])} ${unit}` : `${fmt(median(xs))} ${unit} (${fmt(min(xs))}–${fmt(max(xs))})`;
}
