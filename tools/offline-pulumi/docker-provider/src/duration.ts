// Go-style durations ("1m30s", "500ms"), which the real provider accepts for healthcheck timings,
// converted to the nanoseconds the Docker API wants.
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function goDurationToNanos(d: string): number {
    if (d === "0") {
        return 0;
    }
    const re = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/gy;
    let total = 0;
    let consumed = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(d)) !== null) {
        total += parseFloat(m[1]) * UNIT_NS[m[2]];
        consumed = re.lastIndex;
    }
    if (consumed !== d.length || d.length === 0) {
        throw new Error(`invalid duration ${JSON.stringify(d)}`);
    }
    return Math.round(total);
}

/** Nanoseconds as Go's time.Duration.String() prints them ("2s", "1m30s", "500ms"): how the real provider reads healthcheck timings back. */
export function nanosToGoDuration(ns: number): string {
    if (ns === 0) {
        return "0s";
    }
    const num = (x: number) => String(parseFloat(x.toFixed(9)));
    if (ns < 1e3) {
        return `${ns}ns`;
    }
    if (ns < 1e6) {
        return `${num(ns / 1e3)}µs`;
    }
    if (ns < 1e9) {
        return `${num(ns / 1e6)}ms`;
    }
    const h = Math.floor(ns / 3600e9);
    const m = Math.floor((ns % 3600e9) / 60e9);
    const s = (ns % 60e9) / 1e9;
    return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${num(s)}s`;
}
