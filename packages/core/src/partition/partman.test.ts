import { partitionedTableFields } from "./spec";
import * as partman from "./partman";

const spec = partitionedTableFields.parse({
    schema: "public",
    name: "events",
    columns: [{ name: "created_at", type: "timestamptz", notNull: true }],
    partitionBy: { strategy: "range", columns: ["created_at"] },
    maintenance: { engine: "pg_partman", interval: "1 month", premake: 3, retention: "12 months" },
});

describe("pg_partman SQL", () => {
    it("registers the parent with create_parent and configures retention", () => {
        expect(partman.createParentSql("partman", spec)).toBe(
            `SELECT "partman".create_parent(p_parent_table := 'public.events', p_control := 'created_at', p_type := 'native', p_interval := '1 month', p_premake := 3)`,
        );
        // pg_partman 5 (PostgreSQL 17's image) refuses 'native' and names the strategy.
        expect(partman.createParentSql("partman", spec, "5.2.4")).toContain("p_type := 'range'");
        expect(partman.createParentSql("partman", spec, "4.7.3")).toContain("p_type := 'native'");
        expect([partman.partmanMajor("5.2.4"), partman.partmanMajor("4.7.3"), partman.partmanMajor(null)]).toEqual([5, 4, 4]);
        expect(partman.configurePartmanSql("partman", spec)).toBe(
            `UPDATE "partman"."part_config" SET premake = 3, retention = '12 months', retention_keep_table = true WHERE parent_table = 'public.events'`,
        );
    });
    it("schedules run_maintenance for this table under a stable job name", () => {
        const cmd = partman.maintenanceCommand("partman", spec);
        expect(cmd).toBe(`SELECT "partman".run_maintenance(p_parent_table := 'public.events')`);
        expect(partman.scheduleMaintenanceSql(spec, "0 * * * *", cmd)).toBe(
            `SELECT cron.schedule('pgscale_partman_public.events', '0 * * * *', 'SELECT "partman".run_maintenance(p_parent_table := ''public.events'')')`,
        );
        expect(partman.unscheduleMaintenanceSql(spec)).toBe(`SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'pgscale_partman_public.events'`);
    });
    it("forgets the partition set", () => {
        expect(partman.forgetPartmanSql("partman", spec)).toEqual([
            `DELETE FROM "partman"."part_config" WHERE parent_table = 'public.events'`,
            'DROP TABLE IF EXISTS "partman"."template_public_events"',
        ]);
    });
    it("compares intervals as PostgreSQL prints them", () => {
        expect(partman.intervalKey("1 month")).toBe(partman.intervalKey("1 mon"));
        expect(partman.intervalKey("12 months")).toBe(partman.intervalKey("1 year"));
        expect(partman.intervalKey("1 week")).toBe(partman.intervalKey("7 days"));
        expect(partman.intervalKey("1 hour")).toBe(partman.intervalKey("01:00:00"));
        expect(partman.intervalKey(10000)).toBe(partman.intervalKey("10000"));
        expect(partman.intervalKey("1 month")).not.toBe(partman.intervalKey("1 day"));
        expect(partman.intervalKey("1 fortnight")).toBe("raw:1 fortnight");
    });
});
