import { classifyPgError } from "../errors";

export type Severity = "ok" | "warning" | "critical";

/** The playbook's decision-tree branches, in the order doctor walks them. */
export const DOCTOR_AREAS = ["connections", "replication", "partitions", "backups"] as const;
export type DoctorArea = (typeof DOCTOR_AREAS)[number];

export const AREA_TITLES: Readonly<Record<DoctorArea, string>> = {
    connections: "Connection issues",
    replication: "Replication lag",
    partitions: "Partition not used",
    backups: "Backups and restore drills",
};

export interface Finding {
    severity: Severity;
    area: DoctorArea;
    /** Stable id of the check, e.g. "pooler.pool", "replication.lag". */
    check: string;
    /** What was found, with the numbers. */
    detail: string;
    /** The recommended fix, from the playbook; absent when the check is ok. */
    fix?: string;
}

const RANK: Readonly<Record<Severity, number>> = { ok: 0, warning: 1, critical: 2 };

export function worstSeverity(severities: Iterable<Severity>): Severity {
    let worst: Severity = "ok";
    for (const s of severities) if (RANK[s] > RANK[worst]) worst = s;
    return worst;
}

export function ok(area: DoctorArea, check: string, detail: string): Finding {
    return { severity: "ok", area, check, detail };
}

export function problem(severity: Exclude<Severity, "ok">, area: DoctorArea, check: string, detail: string, fix: string): Finding {
    return { severity, area, check, detail, fix };
}

/**
 * A fact that could not be gathered. A missing privilege is named as such, since the fix is
 * a grant and not a repair; connection failures get the error table's advice.
 */
export function notGathered(area: DoctorArea, check: string, what: string, failure: { error: string; code?: string }): Finding {
    if (failure.code === "42501") {
        return problem("warning", area, check, `${what}: permission denied (${failure.error})`,
            "Run doctor with a superuser URI, or GRANT pg_monitor TO the role it connects as.");
    }
    const advice = classifyPgError({ code: failure.code, message: failure.error });
    return problem("warning", area, check, `${what}: ${failure.error}`,
        advice.action === "fail" ? "Check the URI, the role's privileges and the server log." : advice.advice);
}

/** 1536 -> "1.5 KiB"; for details meant to be read. */
export function formatBytes(bytes: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let v = bytes;
    let u = 0;
    while (Math.abs(v) >= 1024 && u < units.length - 1) {
        v /= 1024;
        u++;
    }
    return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** 0.0123 -> "12 ms", 75 -> "75.0 s". */
export function formatSeconds(seconds: number): string {
    return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${seconds.toFixed(1)} s`;
}
