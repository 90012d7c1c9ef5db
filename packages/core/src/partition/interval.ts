// Calendar intervals for rolling windows. All arithmetic is in UTC: windows must
// not shift with the machine running `pulumi up`, and the provider's sessions run
// with TimeZone=UTC so bounds mean the same instant on both sides.

export type IntervalUnit = "hour" | "day" | "week" | "month" | "year";

export interface CalendarInterval {
    count: number;
    unit: IntervalUnit;
}

const UNITS: Record<string, IntervalUnit> = {
    hour: "hour", hours: "hour",
    day: "day", days: "day",
    week: "week", weeks: "week",
    month: "month", months: "month",
    year: "year", years: "year",
};

/** Parses "1 month", "7 days", "6 hours"; null when the text is not such an interval. */
export function parseInterval(text: string): CalendarInterval | null {
    const m = /^\s*(\d+)\s*([a-z]+)\s*$/i.exec(text);
    if (!m) return null;
    const count = Number(m[1]);
    const unit = UNITS[m[2].toLowerCase()];
    if (!unit || !Number.isSafeInteger(count) || count < 1) return null;
    return { count, unit };
}

export function formatInterval(iv: CalendarInterval): string {
    return `${iv.count} ${iv.unit}${iv.count === 1 ? "" : "s"}`;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// 1970-01-05 was a Monday: weeks start on Mondays, as ISO weeks (and pg_partman) do.
const FIRST_MONDAY_MS = 4 * DAY_MS;

/** `date` moved by `times` intervals (negative moves back). Like PostgreSQL, a month step clamps the day (Mar 31 - 1 month = Feb 29). */
export function addInterval(date: Date, iv: CalendarInterval, times = 1): Date {
    const n = iv.count * times;
    switch (iv.unit) {
        case "hour":
            return new Date(date.getTime() + n * HOUR_MS);
        case "day":
            return new Date(date.getTime() + n * DAY_MS);
        case "week":
            return new Date(date.getTime() + n * 7 * DAY_MS);
        case "month":
            return addMonths(date, n);
        case "year":
            return addMonths(date, 12 * n);
    }
}

function addMonths(date: Date, n: number): Date {
    const months = date.getUTCFullYear() * 12 + date.getUTCMonth() + n;
    const y = Math.floor(months / 12);
    const mo = mod(months, 12);
    const lastDay = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
    const d = Math.min(date.getUTCDate(), lastDay);
    return utc(y, mo, d, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
}

/** Start of the interval-aligned period containing `date`: periods of N units tile time from a fixed origin. */
export function floorToInterval(date: Date, iv: CalendarInterval): Date {
    const t = date.getTime();
    switch (iv.unit) {
        case "hour":
            return new Date(floorTo(t, iv.count * HOUR_MS, 0));
        case "day":
            return new Date(floorTo(t, iv.count * DAY_MS, 0));
        case "week":
            return new Date(floorTo(t, iv.count * 7 * DAY_MS, FIRST_MONDAY_MS));
        case "month": {
            const months = date.getUTCFullYear() * 12 + date.getUTCMonth();
            const start = months - mod(months, iv.count);
            return utc(Math.floor(start / 12), mod(start, 12), 1);
        }
        case "year": {
            const y = date.getUTCFullYear();
            return utc(y - mod(y, iv.count), 0, 1);
        }
    }
}

function floorTo(t: number, size: number, origin: number): number {
    return t - mod(t - origin, size);
}

function mod(a: number, n: number): number {
    return ((a % n) + n) % n;
}

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Date {
    return new Date(Date.UTC(y, mo, d, h, mi, s, ms));
}
