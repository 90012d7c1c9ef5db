import { parse } from "yaml";
import { PGSCALE_QUERIES, PGSCALE_QUERY_METRICS, renderPostgresExporterQueries } from "./queries";

// Structure only: that each query answers on PostgreSQL 15 and 17, primary and standby, as a
// pg_monitor role, was checked against real servers (and postgres_exporter 0.17) when written.

type Entry = { query: string; master: boolean; cache_seconds?: number; metrics: Array<Record<string, { usage: string; description: string }>> };
/** The select list of the statement's outermost SELECT (outside every parenthesis: not a CTE's, not a subquery's). */
function outerSelectList(sql: string): string {
    let depth = 0;
    let start = -1;
    for (let i = 0; i < sql.length; i++) {
        const c = sql[i];
        if (c === "(") depth++;
        else if (c === ")") depth--;
        else if (depth === 0 && sql.startsWith("SELECT ", i)) start = i + "SELECT ".length;
        else if (depth === 0 && start >= 0 && sql.startsWith(" FROM ", i)) return sql.slice(start, i);
    }
    return start >= 0 ? sql.slice(start) : "";
}

const file = () => parse(renderPostgresExporterQueries()) as Record<string, Entry>;

describe("renderPostgresExporterQueries", () => {
    it("writes postgres_exporter's format: query, master, and one {column: {usage, description}} per column", () => {
        const doc = file();
        expect(Object.keys(doc)).toEqual(PGSCALE_QUERIES.map((q) => q.name));
        for (const [name, q] of Object.entries(doc)) {
            expect(Object.keys(q).filter((k) => k !== "cache_seconds").sort()).toEqual(["master", "metrics", "query"]);
            expect(typeof q.query).toBe("string");
            expect(q.master).toBe(true);
            for (const m of q.metrics) {
                expect(Object.keys(m)).toHaveLength(1);
                const [col] = Object.keys(m);
                expect(["LABEL", "GAUGE", "COUNTER"]).toContain(m[col].usage);
                expect(m[col].description.length).toBeGreaterThan(10);
            }
            expect(name).toMatch(/^pgscale_[a-z_]+$/);
        }
    });

    it("declares every output column of each query (an undeclared one would be published as an untyped metric)", () => {
        for (const q of PGSCALE_QUERIES) {
            const aliases = [...outerSelectList(q.sql).matchAll(/ AS "?([a-z_]+)"?(?=,|$)/g)].map((m) => m[1]);
            expect(aliases).toEqual(q.columns.map((c) => c.column));
        }
    });

    it("names metrics <query>_<column>, all pgscale_, valid and unique, as PGSCALE_QUERY_METRICS lists them", () => {
        const names = Object.entries(file()).flatMap(([q, e]) =>
            e.metrics.flatMap((m) => Object.entries(m).filter(([, v]) => v.usage !== "LABEL").map(([col]) => `${q}_${col}`)));
        expect(names).toEqual([...PGSCALE_QUERY_METRICS]);
        expect(new Set(names).size).toBe(names.length);
        for (const n of names) expect(n).toMatch(/^pgscale_[a-z_]+[a-z]$/);
        // The ones the alert rules and dashboards are built on.
        expect(PGSCALE_QUERY_METRICS).toEqual(expect.arrayContaining([
            "pgscale_replication_lag_bytes", "pgscale_replication_replay_lag_seconds",
            "pgscale_wal_receiver_streaming", "pgscale_wal_receiver_last_msg_age_seconds",
            "pgscale_recovery_in_recovery", "pgscale_replication_slot_retained_bytes",
            "pgscale_connections_count", "pgscale_settings_max_connections",
            "pgscale_archiver_failed_count", "pgscale_archiver_archived_count",
            "pgscale_archiver_last_archived_time_seconds", "pgscale_archiver_last_failed_time_seconds",
            "pgscale_partition_default_rows", "pgscale_partition_newest_upper_bound_seconds",
            "pgscale_partition_interval_seconds", "pgscale_partition_ahead_seconds",
        ]));
    });

    it("gives labels valid Prometheus label names, never the exporter's own `server`", () => {
        for (const q of PGSCALE_QUERIES) {
            for (const c of q.columns.filter((c) => c.usage === "LABEL")) {
                expect(c.column).toMatch(/^[a-z_][a-z0-9_]*$/);
                expect(c.column).not.toBe("server");
            }
            expect(q.columns.some((c) => c.usage !== "LABEL")).toBe(true);
        }
    });

    it("calls pg_current_wal_lsn(), which errors during recovery, only behind a pg_is_in_recovery() CASE", () => {
        for (const q of PGSCALE_QUERIES) {
            const calls = q.sql.split("pg_current_wal_lsn()").length - 1;
            const guarded = (q.sql.match(/CASE WHEN pg_is_in_recovery\(\) THEN [^ ]+ ELSE (pg_wal_lsn_diff\()?pg_current_wal_lsn\(\)/g) ?? []).length;
            expect(guarded).toBe(calls);
        }
    });

    it("keeps the partition query within catalogs and statistics views pg_monitor can read", () => {
        const q = PGSCALE_QUERIES.find((x) => x.name === "pgscale_partition")!;
        const relations = [...q.sql.matchAll(/(?:FROM|JOIN) (pg_[a-z_]+)/g)].map((m) => m[1]);
        expect(new Set(relations)).toEqual(new Set(["pg_partitioned_table", "pg_opclass", "pg_inherits", "pg_class", "pg_namespace"]));
        const d = PGSCALE_QUERIES.find((x) => x.name === "pgscale_partition_default")!;
        expect(new Set([...d.sql.matchAll(/(?:FROM|JOIN) (pg_[a-z_]+)/g)].map((m) => m[1]))).toEqual(new Set(["pg_partitioned_table", "pg_class", "pg_namespace", "pg_stat_user_tables"]));
        // Casts of bound literals only under the time-key guard: a text or integer bound never reaches ::timestamptz.
        expect(q.sql.match(/::timestamptz/g)).toHaveLength(2);
        expect(q.sql.match(/CASE WHEN time_range AND m\[[12]\] IS NOT NULL THEN extract\(epoch FROM m\[[12]\]::timestamptz\)/g)).toHaveLength(2);
    });

    it("renders each query on one line", () => {
        for (const q of Object.values(file())) expect(q.query).not.toMatch(/\n/);
    });

    it("caches the partition query a minute, and only it (the rest are cheap and must be current)", () => {
        const cached = Object.entries(file()).filter(([, q]) => q.cache_seconds !== undefined);
        expect(cached.map(([n, q]) => [n, q.cache_seconds])).toEqual([["pgscale_partition", 60]]);
    });
});
