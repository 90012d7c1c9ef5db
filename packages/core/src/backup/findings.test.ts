import { readFileSync } from "fs";
import { join } from "path";
import { BackupFacts, backupFindings, errorLine, formatDuration, graceSeconds, parseSchedulerStatus, SchedulerStatus } from "./findings";
import { parsePgBackRestInfo } from "./info";

// The real info answer (info.test.ts): full stopped 05:17:56, diff 05:17:58, incr 05:17:59 on 2026-12-04 UTC.
const INFO = parsePgBackRestInfo(readFileSync(join(__dirname, "fixtures", "pgbackrest-info-full-diff-incr.json"), "utf8"), "pg-main");
const INCR_STOP = Date.parse("2026-12-04T05:17:59Z") / 1000;
const FULL_STOP = Date.parse("2026-12-04T05:17:56Z") / 1000;
const after = (seconds: number) => new Date((INCR_STOP + seconds) * 1000);

const success = { kind: "incr" as const, startedAt: INCR_STOP - 1, finishedAt: INCR_STOP, ok: true };
const healthy: BackupFacts = {
    info: INFO,
    intervals: { full: 86400, incr: 3600 },
    checkSeconds: 15,
    schedulers: [
        { container: "pg-main-0", status: { stanza: "pg-main", checkedAt: INCR_STOP + 590, lastSuccess: success, lastRun: success } },
        { container: "pg-main-1", status: { stanza: "pg-main", checkedAt: INCR_STOP + 595 } },
    ],
};
const findings = (f: Partial<BackupFacts>, now = after(600)) => backupFindings({ ...healthy, ...f }, now);
const summary = (f: Partial<BackupFacts>, now?: Date) => findings(f, now).findings.map((x) => [x.check, x.severity]);

describe("backupFindings", () => {
    it("is ok when every kind is within its interval and the last run succeeded", () => {
        const r = findings({});
        expect(r.status).toBe("ok");
        expect(r.findings.map((x) => [x.check, x.detail])).toEqual([
            ["backup.repository", "stanza pg-main: ok, 3 backup(s), aes-256-cbc"],
            ["backup.full", "last full backup 20261204-051755F finished 10.1 min ago; full every 24.0 h"],
            // A diff restarts the incr clock, and the incr is the newest: what the scheduler counts.
            ["backup.incr", "last incr backup 20261204-051755F_20261204-051758I finished 10.0 min ago; incr every 1.0 h"],
            ["backup.archive", "newest archived WAL 000000010000000000000007 (oldest 000000010000000000000001); restorable from 2026-12-04T05:17:56.000Z to the end of WAL 000000010000000000000007"],
            ["backup.scheduler", "last scheduled run: incr backup ok at 2026-12-04T05:17:59.000Z on pg-main-0"],
        ]);
        expect(r.counts).toEqual({ ok: 5, warning: 0, critical: 0 });
    });

    it("a backup missed past its interval and grace warns; two intervals late is critical", () => {
        const hour = 3600;
        expect(summary({}, after(hour + graceSeconds(hour) - 1))).toContainEqual(["backup.incr", "ok"]);
        const late = findings({}, after(hour + graceSeconds(hour) + 1));
        expect(late.status).toBe("warning");
        expect(late.findings.find((x) => x.check === "backup.incr")).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^missed: last incr backup .* finished 1\.1 h ago; incr every 1\.0 h$/) });
        expect(summary({}, after(2 * hour + 1))).toContainEqual(["backup.incr", "critical"]);
        // The full is judged on fulls alone: 2 days after it, critical, whatever the incrs.
        expect(summary({}, new Date((FULL_STOP + 2 * 86400 + 1) * 1000))).toContainEqual(["backup.full", "critical"]);
    });

    it("the grace is 10% of the interval, at least a minute, under half the interval", () => {
        expect([graceSeconds(60), graceSeconds(3600), graceSeconds(86400)]).toEqual([30, 360, 8640]);
    });

    it("a kind never backed up without errors counts as missing; no backup at all is critical", () => {
        const errored = { ...INFO, backups: INFO.backups.map((b) => (b.type === "full" ? { ...b, error: true } : b)) };
        expect(findings({ info: errored }).findings.find((x) => x.check === "backup.full")).toMatchObject({ severity: "critical", detail: "no full backup without errors in the repository (full every 24.0 h)" });
        const empty = { ...INFO, status: { code: 2, message: "no valid backups" }, backups: [], restorable: null };
        const r = findings({ info: empty, schedulers: [] });
        expect(r.findings.map((x) => [x.check, x.severity])).toEqual([
            ["backup.repository", "ok"], ["backup.none", "critical"], ["backup.archive", "ok"], ["backup.scheduler", "ok"],
        ]);
        expect(r.findings[1].fix).toMatch(/pgscale backup run --container/);
    });

    it("the last scheduled run failing is critical and names pgBackRest's error line", () => {
        const lastError = { at: INCR_STOP + 300, step: "incr backup", message: "WARN: a warning\nERROR: [047]: unable to create path '/var/lib/pgbackrest/backup/pg-main/x': [13] Permission denied\n" };
        const r = findings({ schedulers: [...healthy.schedulers.slice(1), { container: "pg-main-0", status: { ...healthy.schedulers[0].status, lastError } }] });
        expect(r.status).toBe("critical");
        expect(r.findings.find((x) => x.check === "backup.scheduler")).toMatchObject({
            severity: "critical",
            detail: "the last scheduled run failed: incr backup at 2026-12-04T05:22:59.000Z on pg-main-0: ERROR: [047]: unable to create path '/var/lib/pgbackrest/backup/pg-main/x': [13] Permission denied",
        });
        // A failure followed by a success, or by a good backup in the repository (one run by hand), is history.
        const older = { ...lastError, at: INCR_STOP - 10 };
        expect(summary({ schedulers: [{ container: "pg-main-0", status: { checkedAt: INCR_STOP + 590, lastError: older } }] })).toContainEqual(["backup.scheduler", "ok"]);
    });

    it("the primary's last pgbackrest check: passed is ok, failed is critical naming pgBackRest's error, whatever the backups", () => {
        const passed = { at: INCR_STOP + 100, member: "pg-main-0", ok: true };
        const withCheck = (c: NonNullable<SchedulerStatus["lastCheck"]>) => [{ container: "pg-main-0", status: { ...healthy.schedulers[0].status, lastCheck: c } }, healthy.schedulers[1]];
        expect(findings({ schedulers: withCheck(passed) }).findings.find((x) => x.check === "backup.check"))
            .toMatchObject({ severity: "ok", detail: "pgbackrest check passed at 2026-12-04T05:19:39.000Z on pg-main-0" });
        const failed = { ...passed, at: INCR_STOP - 100, ok: false, message: "exit 82: ERROR: [082]: WAL segment 000000010000000000000008 was not archived before the 30000ms timeout" };
        // Older than the last successful backup, and still critical: backups can succeed while the archive does not.
        const r = findings({ schedulers: withCheck(failed) });
        expect(r.status).toBe("critical");
        expect(r.findings.find((x) => x.check === "backup.check")).toMatchObject({
            severity: "critical", detail: "pgbackrest check failed at 2026-12-04T05:16:19.000Z on pg-main-0: exit 82: ERROR: [082]: WAL segment 000000010000000000000008 was not archived before the 30000ms timeout",
        });
        expect(parseSchedulerStatus(JSON.stringify({ lastCheck: failed }), "status.json").lastCheck).toEqual(failed);
        expect(summary({})).not.toContainEqual(["backup.check", expect.anything()]);
    });

    it("a member whose scheduler status is missing or stale is a warning naming it", () => {
        const r = findings({ schedulers: [healthy.schedulers[0], { container: "pg-main-1", error: "No such container: pg-main-1" }, { container: "pg-main-2", status: { checkedAt: INCR_STOP } }] });
        expect(r.status).toBe("warning");
        expect(r.findings.filter((x) => x.severity === "warning").map((x) => x.detail)).toEqual([
            "pg-main-1: no scheduler status (No such container: pg-main-1)",
            "pg-main-2: the scheduler last checked 10.0 min ago: it is not running there",
        ]);
    });

    it("a due backup another member's lease kept from starting is reported while recent, naming the holder, until a backup succeeds", () => {
        const holder = { member: "pg-main-0", kind: "full", startedAt: INCR_STOP + 100 };
        const refused = (at: number, lastSuccess = success) => ({ schedulers: [
            { container: "pg-main-0", status: { checkedAt: INCR_STOP + 590, lastSuccess, lastRun: lastSuccess } },
            { container: "pg-main-1", status: { checkedAt: INCR_STOP + 595, lastRefusal: { at, kind: "incr" as const, holder } } },
        ] });
        const lease = (f: Partial<BackupFacts>) => findings(f).findings.filter((x) => x.check === "backup.lease");
        expect(lease(refused(INCR_STOP + 580))).toEqual([{ severity: "ok", check: "backup.lease",
            detail: "pg-main-1 did not start the incr backup at 2026-12-04T05:27:39.000Z: the backup lease is held by pg-main-0 (full backup since 2026-12-04T05:19:39.000Z); it tries again at its next look" }]);
        // Older than the schedulers' staleness window (3 looks, at least a minute), or a backup succeeded since: history.
        expect(lease(refused(INCR_STOP + 600 - 61))).toEqual([]);
        expect(lease(refused(INCR_STOP + 580, { ...success, finishedAt: INCR_STOP + 585 }))).toEqual([]);
        // The lease's record gone by the time it was read: no member named.
        const gone = refused(INCR_STOP + 580);
        gone.schedulers[1].status.lastRefusal!.holder = { member: null } as never;
        expect(lease(gone)[0].detail).toMatch(/held by another member; it tries/);
    });

    it("a repository pgBackRest cannot read, or a stanza in error, is critical", () => {
        expect(findings({ info: { error: "WARN: x\nERROR: [043]: WAL segment ... unable to open file" } }).findings.map((x) => [x.check, x.severity, x.detail])).toEqual([
            ["backup.repository", "critical", "pgbackrest info failed: ERROR: [043]: WAL segment ... unable to open file"],
            ["backup.scheduler", "ok", "last scheduled run: incr backup ok at 2026-12-04T05:17:59.000Z on pg-main-0"],
        ]);
        const missing = { ...INFO, status: { code: 1, message: "missing stanza path" }, backups: [], archive: { min: null, max: null }, restorable: null };
        const r = findings({ info: missing });
        expect(r.findings.slice(0, 3).map((x) => [x.check, x.severity])).toEqual([["backup.repository", "critical"], ["backup.none", "critical"], ["backup.archive", "warning"]]);
        expect(r.findings[0].detail).toBe("stanza pg-main: missing stanza path (pgBackRest status 1)");
    });
});

describe("helpers", () => {
    it("parseSchedulerStatus reads the scheduler's file and names the bad field", () => {
        const text = JSON.stringify({ stanza: "pg-main", lastSuccess: success, lastRun: success, checkedAt: 1796361600.5 });
        expect(parseSchedulerStatus(text, "pg-0:/tmp/s.json")).toEqual(JSON.parse(text));
        expect(() => parseSchedulerStatus(JSON.stringify({ lastError: { at: "now" } }), "pg-0:/tmp/s.json")).toThrow(/^pg-0:\/tmp\/s\.json: invalid input\n {2}- lastError\.at: /);
        expect(() => parseSchedulerStatus("", "pg-0:/tmp/s.json")).toThrow("pg-0:/tmp/s.json: not JSON: ");
    });

    it("formatDuration and errorLine", () => {
        expect([45, 600, 5400, 90000, 604800].map(formatDuration)).toEqual(["45 s", "10.0 min", "1.5 h", "25.0 h", "7.0 d"]);
        expect(errorLine("P00 INFO: x\nP00 ERROR: [056]: bad\nP00 INFO: done")).toBe("P00 ERROR: [056]: bad");
        expect(errorLine("exit 1\n")).toBe("exit 1");
    });

    describe("backup.drill (a scheduled drill)", () => {
        const drill = { everySeconds: 3600, script: "/etc/pgscale/restore-drill.sh", checkBase64: "", objectives: { restoreSeconds: 30, rpoSeconds: 300 } };
        const output = (seconds: number) => [
            "PGSCALE-DRILL backup=20261204-051755F start=2026-12-04 05:17:55+00", `PGSCALE-DRILL seconds=${seconds}`,
            "PGSCALE-DRILL last=2026-12-04 05:25:00+00", "PGSCALE-DRILL check=42",
        ].join("\n");
        // The drill finished 2 min after the last commit it restored: a 120 s loss window.
        const ranAt = Date.parse("2026-12-04T05:27:00Z") / 1000;
        type Drill = { startedAt: number; finishedAt: number; exitCode: number; output: string };
        const withDrill = (lastDrill: Drill | undefined) => ({
            drill,
            schedulers: [{ container: "pg-main-1", status: { stanza: "pg-main", checkedAt: INCR_STOP + 595, ...(lastDrill ? { lastDrill } : {}) } }, healthy.schedulers[0]],
        });
        const drillFinding = (lastDrill: Drill | undefined, now = after(600)) => {
            const r = findings(withDrill(lastDrill), now);
            return { finding: r.findings.find((x) => x.check === "backup.drill"), drill: r.drill, status: r.status };
        };

        it("reports the figures of the newest drill when the objectives are met", () => {
            const r = drillFinding({ startedAt: ranAt - 12, finishedAt: ranAt, exitCode: 0, output: output(8.04) });
            expect(r.finding).toEqual({ severity: "ok", check: "backup.drill",
                detail: 'restored 20261204-051755F in 8 s at 2026-12-04T05:27:00.000Z on pg-main-1; restorable point 2026-12-04T05:25:00.000Z (loss window 120 s), check "42"; objectives met' });
            expect(r.drill).toMatchObject({ container: "pg-main-1", ok: true, restoreSeconds: 8, lossWindowSeconds: 120, shortfalls: [] });
            // Without a drill schedule there is no such finding.
            expect(findings({}).findings.map((x) => x.check)).not.toContain("backup.drill");
        });

        it("a missed objective or a failed drill is critical with the figures or pgBackRest's error; an old one is overdue", () => {
            const missed = drillFinding({ startedAt: ranAt - 50, finishedAt: ranAt, exitCode: 0, output: output(45) });
            expect(missed.status).toBe("critical");
            expect(missed.finding).toMatchObject({ severity: "critical",
                detail: expect.stringMatching(/, but objectives\.restoreSeconds: the restore took 45 s, over the objective of 30 s$/) });
            const failed = drillFinding({ startedAt: ranAt - 5, finishedAt: ranAt, exitCode: 1, output: "P00  ERROR: [075]: no backup set found to restore" });
            expect(failed.finding).toMatchObject({ severity: "critical",
                detail: "the last scheduled drill failed at 2026-12-04T05:27:00.000Z on pg-main-1: exit 1: P00  ERROR: [075]: no backup set found to restore" });
            // Past its interval, a grace and one look of the scheduler.
            const old = drillFinding({ startedAt: ranAt - 12, finishedAt: ranAt, exitCode: 0, output: output(8) }, new Date((ranAt + 3600 + 360 + 16) * 1000));
            expect(old.finding).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^overdue: the last scheduled drill ran 1\.1 h ago \(every 1\.0 h\)/) });
            expect(drillFinding({ startedAt: ranAt - 12, finishedAt: ranAt, exitCode: 0, output: output(8) }, new Date((ranAt + 3600 + 360 + 14) * 1000)).finding?.severity).toBe("ok");
        });

        it("no drill yet is ok until the first full backup is older than the interval, then overdue", () => {
            expect(drillFinding(undefined).finding).toMatchObject({ severity: "ok", detail: "no scheduled drill yet (every 1.0 h, once a full backup exists)" });
            expect(drillFinding(undefined, new Date((FULL_STOP + 3600 + 360 + 16) * 1000)).finding).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^overdue: no scheduled drill recorded/) });
        });
    });
});
