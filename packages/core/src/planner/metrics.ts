import { ReadWriteRatio, ParsedScalingInput } from "./input";
import { PlanConstraints } from "./constraints";

/** Defaults for metrics the caller left out; each use is reported as an assumption. */
export const METRIC_DEFAULTS = {
    connectionsPeak: 100,
    readWriteRatio: { read: 50, write: 50, readShare: 0.5, text: "50:50" } as ReadWriteRatio,
    tableSizeGb: 50,
    /** ~1 KB per row (heap + indexes), to estimate rows from size and back. */
    rowsMillionsPerGb: 1,
    /** Months of history the current size represents when no growth is given. */
    historyMonths: 12,
} as const;

/**
 * The metrics a plan is sized from. A missing metric gets a default and an
 * assumption line, but only when a decision actually uses it, so a pooling
 * plan does not claim to assume a table size.
 */
export class PlanMetrics {
    readonly assumptions: string[] = [];
    private readonly noted = new Set<string>();

    constructor(
        private readonly m: ParsedScalingInput["current_metrics"],
        private readonly c: PlanConstraints,
    ) {}

    /** Records `text` once per `key`. */
    assume(key: string, text: string): void {
        if (this.noted.has(key)) return;
        this.noted.add(key);
        this.assumptions.push(text);
    }

    get connectionsPeak(): number {
        if (this.m.connections_peak !== undefined) return this.m.connections_peak;
        this.assume("connections_peak", `connections_peak not given: assumed ${METRIC_DEFAULTS.connectionsPeak}`);
        return METRIC_DEFAULTS.connectionsPeak;
    }

    get readWrite(): ReadWriteRatio {
        if (this.m.read_write_ratio) return this.m.read_write_ratio;
        this.assume("read_write_ratio", `read_write_ratio not given: assumed ${METRIC_DEFAULTS.readWriteRatio.text}`);
        return METRIC_DEFAULTS.readWriteRatio;
    }

    get tableSizeGb(): number {
        if (this.m.table_size_gb !== undefined) return this.m.table_size_gb;
        if (this.m.rows_millions !== undefined) {
            const gb = this.m.rows_millions / METRIC_DEFAULTS.rowsMillionsPerGb;
            this.assume("table_size_gb", `table_size_gb not given: estimated ${round(gb)} GB from rows_millions at ~1 KB per row`);
            return gb;
        }
        this.assume("table_size_gb", `table_size_gb not given: assumed ${METRIC_DEFAULTS.tableSizeGb} GB`);
        return METRIC_DEFAULTS.tableSizeGb;
    }

    get rowsMillions(): number {
        if (this.m.rows_millions !== undefined) return this.m.rows_millions;
        const rows = this.tableSizeGb * METRIC_DEFAULTS.rowsMillionsPerGb;
        this.assume("rows_millions", `rows_millions not given: estimated ${round(rows)} M from the table size at ~1 KB per row`);
        return rows;
    }

    get growthGbPerMonth(): number {
        if (this.c.growthGbPerMonth !== undefined) return this.c.growthGbPerMonth;
        const g = this.tableSizeGb / METRIC_DEFAULTS.historyMonths;
        this.assume("growth", `growth not given (constraint growth-gb-per-month=<x>): assumed the table holds ${METRIC_DEFAULTS.historyMonths} months of data, i.e. ${round(g)} GB/month`);
        return g;
    }

    /** Rows added per month, from growth and the table's bytes per row. */
    get growthRowsMillionsPerMonth(): number {
        const size = this.tableSizeGb;
        const perGb = size > 0 ? this.rowsMillions / size : METRIC_DEFAULTS.rowsMillionsPerGb;
        return this.growthGbPerMonth * perGb;
    }
}

export function round(x: number, digits = 1): number {
    const f = 10 ** digits;
    return Math.round(x * f) / f;
}
