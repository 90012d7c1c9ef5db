import { quoteIdent, quoteLiteral, quoteQualified } from "../sql/quote";
import type { PartitionedTableSpec } from "./spec";

// pg_partman mode: create_parent once, part_config for premake and retention,
// run_maintenance scheduled through pg_cron. pg_partman 4.x (Debian bookworm, PostgreSQL 15) and
// 5.x (trixie, PostgreSQL 17), which differ here only in create_parent's p_type (see below).

type Table = Pick<PartitionedTableSpec, "schema" | "name">;

/** pg_partman identifies a partition set by 'schema.table' text (validation keeps both parts plain). */
export function partmanParent(t: Table): string {
    return `${t.schema}.${t.name}`;
}

export function cronJobName(t: Table): string {
    return `pgscale_partman_${t.schema}.${t.name}`;
}

export function ensurePartmanSql(partmanSchema: string): string[] {
    return [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(partmanSchema)}`, `CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA ${quoteIdent(partmanSchema)}`];
}

/** pg_partman's major from its extension version ("4.7.3", "5.2.4"); 4 when unknown (the oldest pgscale supports). */
export function partmanMajor(version: string | null | undefined): number {
    const major = Number(/^(\d+)\./.exec(version ?? "")?.[1]);
    return Number.isInteger(major) ? major : 4;
}

/**
 * create_parent. pg_partman 4 names declarative partitioning `native`; 5 dropped trigger-based
 * sets and names the strategy instead (`range`), refusing `native`.
 */
export function createParentSql(partmanSchema: string, spec: PartitionedTableSpec, partmanVersion?: string | null): string {
    const m = spec.maintenance!;
    const type = partmanMajor(partmanVersion) >= 5 ? "range" : "native";
    return (
        `SELECT ${quoteIdent(partmanSchema)}.create_parent(p_parent_table := ${quoteLiteral(partmanParent(spec))}, ` +
        `p_control := ${quoteLiteral(spec.partitionBy.columns[0])}, p_type := '${type}', ` +
        `p_interval := ${quoteLiteral(String(m.interval))}, p_premake := ${m.premake})`
    );
}

export function configurePartmanSql(partmanSchema: string, spec: PartitionedTableSpec): string {
    const m = spec.maintenance!;
    const retention = m.retention === undefined ? "NULL" : quoteLiteral(String(m.retention));
    return (
        `UPDATE ${quoteQualified(partmanSchema, "part_config")} SET premake = ${m.premake}, retention = ${retention}, ` +
        `retention_keep_table = ${m.onExpire === "detach"} WHERE parent_table = ${quoteLiteral(partmanParent(spec))}`
    );
}

export function maintenanceCommand(partmanSchema: string, t: Table): string {
    return `SELECT ${quoteIdent(partmanSchema)}.run_maintenance(p_parent_table := ${quoteLiteral(partmanParent(t))})`;
}

/** cron.schedule with a job name replaces the job of that name, so this is idempotent. */
export function scheduleMaintenanceSql(t: Table, schedule: string, command: string): string {
    return `SELECT cron.schedule(${quoteLiteral(cronJobName(t))}, ${quoteLiteral(schedule)}, ${quoteLiteral(command)})`;
}

export function unscheduleMaintenanceSql(t: Table): string {
    return `SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = ${quoteLiteral(cronJobName(t))}`;
}

/** Forget the partition set: its config row and the template table create_parent made. */
export function forgetPartmanSql(partmanSchema: string, t: Table): string[] {
    return [
        `DELETE FROM ${quoteQualified(partmanSchema, "part_config")} WHERE parent_table = ${quoteLiteral(partmanParent(t))}`,
        `DROP TABLE IF EXISTS ${quoteQualified(partmanSchema, `template_${t.schema}_${t.name}`)}`,
    ];
}

/**
 * A comparable key for an interval as written in a spec ("1 month", 10000) or as
 * PostgreSQL prints it in part_config ("1 mon", "7 days", "01:00:00", "10000").
 */
export function intervalKey(text: string | number): string {
    const t = String(text).trim().toLowerCase();
    if (/^\d+$/.test(t)) return `n:${t}`;
    let months = 0, days = 0, seconds = 0;
    const re = /(\d+)\s*(years?|months?|mons?|weeks?|days?|hours?|minutes?|mins?)|(\d+):(\d{2}):(\d{2})/g;
    let m: RegExpExecArray | null;
    let consumed = "";
    while ((m = re.exec(t))) {
        consumed += m[0];
        if (m[3] !== undefined) {
            seconds += Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
            continue;
        }
        const n = Number(m[1]);
        const unit = m[2];
        if (unit.startsWith("year")) months += 12 * n;
        else if (unit.startsWith("mon")) months += n;
        else if (unit.startsWith("week")) days += 7 * n;
        else if (unit.startsWith("day")) days += n;
        else if (unit.startsWith("hour")) seconds += 3600 * n;
        else seconds += 60 * n;
    }
    if (consumed.replace(/\s/g, "") !== t.replace(/\s/g, "")) return `raw:${t}`;
    return `i:${months}:${days}:${seconds}`;
}
