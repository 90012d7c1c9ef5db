import { drillScratchDir, drillShortfalls, judgeDrill, lossWindowSeconds, parseDrillOutput, renderDrillScript, renderScheduledDrillScript, restoreDrillArgs, restoreDrillSpec } from "./drill";

const output = [
    "PGSCALE-DRILL backup=20261203-223109F start=2026-12-03 22:31:07+00",
    "PGSCALE-DRILL seconds=3.456",
    "PGSCALE-DRILL last=2026-12-03 22:40:01.123+00",
    "PGSCALE-DRILL check=220",
].join("\n");

describe("restore drill", () => {
    it("reads the backup set, the time, the newest restorable commit and the check's value from the drill's output", () => {
        expect(parseDrillOutput(`noise\n${output}\n`)).toEqual({
            backupSet: "20261203-223109F", restoreSeconds: 3.5, restorablePoint: "2026-12-03T22:40:01.123Z", checkResult: "220",
        });
    });

    it("falls back to the backup's start when no commit was replayed, and names a missing figure", () => {
        const noCommit = output.split("\n").filter((l) => !l.includes("last=")).join("\n");
        expect(parseDrillOutput(noCommit).restorablePoint).toBe("2026-12-03T22:31:07.000Z");
        expect(() => parseDrillOutput("PGSCALE-DRILL seconds=1")).toThrow(/has no backup/);
    });

    it("names each missed objective with its figures, and the loss window is now minus the restorable point", () => {
        const r = parseDrillOutput(output);
        const now = new Date("2026-12-03T22:50:01.123Z");
        expect(lossWindowSeconds(r, now)).toBe(600);
        expect(drillShortfalls(r, { restoreSeconds: 10, rpoSeconds: 900 }, now)).toEqual([]);
        expect(drillShortfalls(r, { restoreSeconds: 2, rpoSeconds: 300 }, now)).toEqual([
            "objectives.restoreSeconds: the restore took 3.5 s, over the objective of 2 s",
            "objectives.rpoSeconds: the newest restorable commit (2026-12-03T22:40:01.123Z) is 600 s old, over the objective of 300 s",
        ]);
    });

    it("restores with archiving off, to the target, and takes the check query from its argument", () => {
        const script = renderDrillScript({ stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", target: { lsn: "0/3000060" }, database: "appdb" });
        expect(script).toContain("--stanza=pg --archive-mode=off --log-level-console=info '--type=lsn' '--target=0/3000060' '--target-action=promote' restore");
        expect(script).toContain("-c archive_mode=off");
        // The restored configuration names the cluster's TLS files, which the throwaway container lacks.
        expect(script).toContain("-c ssl=off");
        expect(script).toContain(`echo "$1" | base64 -d > /tmp/check.sql`);
        expect(script).toMatch(/psql -h \/tmp -p 5433 -XAt -v ON_ERROR_STOP=1 -f \/tmp\/check.sql appdb/);
    });

    it("validates its options, naming the field", () => {
        expect(restoreDrillSpec.parse({})).toEqual({ target: "latest", database: "postgres", check: "SELECT 1", objectives: {} });
        const bad = restoreDrillSpec.safeParse({ objectives: { restoreSeconds: 0 }, database: "App" });
        expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["database", "objectives.restoreSeconds"]);
    });

    it("drills in a member into a scratch directory, with the member's configuration and a lock and spool of its own, and always cleans up", () => {
        const script = renderScheduledDrillScript("pg", drillScratchDir("/var/lib/postgresql/data"), "appdb");
        const lines = script.split("\n");
        expect(lines[2]).toBe("trap 'pg_ctl -D '/var/lib/postgresql/data/restore-drill' -m immediate stop >/dev/null 2>&1 || true; rm -rf '/var/lib/postgresql/data/restore-drill' /tmp/pgbackrest-restore' EXIT");
        expect(lines[3]).toBe("rm -rf '/var/lib/postgresql/data/restore-drill'");
        expect(script).toContain("pgbackrest --config=/etc/pgbackrest/pgbackrest.conf --stanza=pg --archive-mode=off --log-level-console=info '--pg1-path=/var/lib/postgresql/data/restore-drill' '--lock-path=/tmp/pgbackrest-restore/lock' '--spool-path=/tmp/pgbackrest-restore/spool' restore");
        expect(script).toContain("-f /tmp/check.sql appdb");
        // The throwaway container's drill: its copied configuration, the cluster's data directory, nothing removed.
        const throwaway = renderDrillScript({ stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", target: "latest", database: "postgres" });
        expect(throwaway).toContain("pgbackrest --config=/etc/pgscale/pgbackrest.conf --stanza=pg --archive-mode=off --log-level-console=info restore");
        expect(throwaway).not.toMatch(/rm -rf|trap/);
    });

    it("a RestoreDrill's outputs: the figures and the loss window, or the update fails naming each missed objective", () => {
        const r = { ...parseDrillOutput(output), pod: "main-drill-a1b2c3" };
        const now = new Date("2026-12-03T22:50:01.123Z");
        expect(judgeDrill("RestoreDrill d", r, { rpoSeconds: 900 }, now)).toEqual({
            backupSet: "20261203-223109F", restoreSeconds: 3.5, restorablePoint: "2026-12-03T22:40:01.123Z", checkResult: "220", lossWindowSeconds: 600, ranAt: now.toISOString(),
        });
        expect(() => judgeDrill("RestoreDrill d", r, { restoreSeconds: 2 }, now))
            .toThrow("RestoreDrill d: restored 20261203-223109F in 3.5 s, but objectives.restoreSeconds: the restore took 3.5 s, over the objective of 2 s");
    });

    it("runOn: every-up makes a new trigger each deployment, create a constant; anything else is named", () => {
        const now = new Date("2026-12-06T12:00:00Z");
        expect(restoreDrillArgs({}, now)).toMatchObject({ issues: [], trigger: now.toISOString(), spec: { target: "latest", database: "postgres", check: "SELECT 1" } });
        expect(restoreDrillArgs({ runOn: "create" }, now).trigger).toBe("create");
        expect(restoreDrillArgs({ runOn: "always" as never, objectives: { rpoSeconds: 0 } }, now).issues.map((i) => i.field)).toEqual(["objectives.rpoSeconds", "runOn"]);
    });
});
