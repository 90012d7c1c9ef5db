import type { PartitionedTableSpec } from "./spec";
import { addInterval, floorToInterval, parseInterval, type CalendarInterval } from "./interval";
import { rollingPartitionName } from "./naming";
import { keyColumns, type DesiredPartition } from "./resolve";
import type { KeyKind } from "./values";

// The rolling window: the partition holding `now` plus `premake` after it, names
// derived from their lower bound. Partitions behind the window stay until their
// whole range is older than now - retention; then they expire.

export interface RollingWindow {
    interval: CalendarInterval;
    kind: KeyKind;
    partitions: DesiredPartition[];
    /** Rolling partitions whose upper bound is at or before this instant expire; null: keep forever. */
    expireBefore: Date | null;
}

export function rollingWindow(spec: Pick<PartitionedTableSpec, "name" | "columns" | "partitionBy" | "rolling">, now: Date): RollingWindow | null {
    if (!spec.rolling) return null;
    const interval = parseInterval(spec.rolling.interval);
    if (!interval) return null;
    const kind = keyColumns(spec)[0].kind;
    const start = floorToInterval(now, interval);
    const partitions: DesiredPartition[] = [];
    for (let k = 0; k <= spec.rolling.premake; k++) {
        partitions.push(rollingPartition(spec.name, addInterval(start, interval, k), interval, kind));
    }
    const retention = spec.rolling.retention ? parseInterval(spec.rolling.retention) : null;
    return { interval, kind, partitions, expireBefore: retention ? addInterval(now, retention, -1) : null };
}

export function rollingPartition(table: string, from: Date, interval: CalendarInterval, kind: KeyKind): DesiredPartition {
    const to = addInterval(from, interval);
    return {
        name: rollingPartitionName(table, from, interval),
        bound: { kind: "range", from: [boundText(from, kind)], to: [boundText(to, kind)] },
        origin: "rolling",
    };
}

/** True when a partition has exactly the name and range the window would give it: it belongs to the window. */
export function isRollingPartition(table: string, name: string, fromMicros: bigint, toMicros: bigint, interval: CalendarInterval): boolean {
    const from = new Date(Number(fromMicros / 1000n));
    if (BigInt(from.getTime()) * 1000n !== fromMicros) return false;
    if (floorToInterval(from, interval).getTime() !== from.getTime()) return false;
    return name === rollingPartitionName(table, from, interval) && BigInt(addInterval(from, interval).getTime()) * 1000n === toMicros;
}

/** The literal text of an instant for a key of `kind`, in the form PostgreSQL prints it with TimeZone=UTC. */
export function boundText(d: Date, kind: KeyKind): string {
    const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
    const date = iso.slice(0, 10);
    const time = iso.slice(11, 19);
    if (kind === "date") return date;
    if (kind === "timestamp") return `${date} ${time}`;
    return `${date} ${time}+00`;
}
