import { DASHBOARD_ROWS, dashboardQueries, grafanaDashboard } from "./dashboard";
import { PGSCALE_QUERY_METRICS } from "./queries";
import { BACKUP_DRILL_METRICS, BACKUP_SCHEDULER_METRICS } from "./rules";

describe("Grafana dashboard", () => {
    const d = grafanaDashboard() as any;

    it("is a Grafana JSON model asking for a Prometheus data source, with a cluster variable", () => {
        expect(d.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", pluginId: "prometheus" })]);
        expect(d.templating.list.map((v: any) => v.name)).toEqual(["cluster"]);
        expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    });

    it("has a row per area and unique panel ids, each panel with its queries on the data source", () => {
        const rows = d.panels.filter((p: any) => p.type === "row").map((p: any) => p.title);
        expect(rows).toEqual(["Cluster", "Replication", "Pooler and router", "Partitions", "Backups"]);
        const ids = d.panels.map((p: any) => p.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const p of d.panels.filter((x: any) => x.type !== "row")) {
            expect(p.targets.length).toBeGreaterThan(0);
            for (const t of p.targets) expect(t.datasource.uid).toBe("${DS_PROMETHEUS}");
        }
        expect(d.panels.filter((p: any) => p.type !== "row")).toHaveLength(DASHBOARD_ROWS.flatMap((r) => r.panels).length);
    });

    it("reads pgscale's query metrics, its backup scheduler's or the exporters' own, nothing else", () => {
        const names = dashboardQueries().flatMap((q) => [...q.matchAll(/\b([a-z_]+)\{/g)].map((m) => m[1]));
        const external = /^(up|patroni_(primary|postgres_running)|pgbouncer_pools_client_(active|waiting)_connections|pgbouncer_pools_client_maxwait_seconds|haproxy_server_status)$/;
        const ours: readonly string[] = [...PGSCALE_QUERY_METRICS, ...BACKUP_SCHEDULER_METRICS, ...BACKUP_DRILL_METRICS];
        expect(names.filter((n) => !ours.includes(n) && !external.test(n))).toEqual([]);
    });
});
