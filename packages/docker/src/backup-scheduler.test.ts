import { spawnSync } from "child_process";
import * as path from "path";
import { BACKUP_SCHEDULER_METRICS } from "@pgscale/core";
import { IMAGES_DIR } from "./built-image/build";

// The backup scheduler the patroni-17 image ships, run with the real python3: its choice of what
// to back up when. Against real pgBackRest and Patroni: test/e2e/backup.test.ts.

const SCRIPT = path.join(IMAGES_DIR, "patroni-17", "backup-scheduler.py");

/** Runs `lines` of Python with the script loaded as `m`, `input` on stdin; its stdout. */
function withScheduler(lines: string[], input = ""): string {
    const program = [
        "import importlib.util, json, sys",
        `spec = importlib.util.spec_from_file_location("scheduler", ${JSON.stringify(SCRIPT)})`,
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)",
        ...lines,
    ].join("\n");
    const res = spawnSync("python3", ["-c", program], { input, encoding: "utf8" });
    if (res.status !== 0) throw new Error(res.stderr);
    return res.stdout;
}

/** due(intervals, backups, now) of the script, for each case. */
function due(cases: Array<{ intervals: Record<string, number>; backups: Array<{ type: string; stop: number; error?: boolean }>; now: number }>): Array<string | null> {
    return JSON.parse(withScheduler([
        "cases = json.load(sys.stdin)",
        "print(json.dumps([m.due(c['intervals'], [{'type': b['type'], 'error': b.get('error', False), 'timestamp': {'stop': b['stop']}} for b in c['backups']], c['now']) for c in cases]))",
    ], JSON.stringify(cases)));
}

describe("backup scheduler", () => {
    const day = 86400;
    it("takes a full backup first, then each kind when its interval has passed since the last backup covering it", () => {
        const intervals = { full: 7 * day, diff: day, incr: 3600 };
        expect(due([
            // Nothing yet: a full.
            { intervals, backups: [], now: 1000 },
            // A fresh full covers every kind.
            { intervals, backups: [{ type: "full", stop: 1000 }], now: 1000 + 60 },
            // An hour later: an incremental.
            { intervals, backups: [{ type: "full", stop: 1000 }], now: 1000 + 3600 },
            // A day after the full: a differential (which also restarts the incremental clock).
            { intervals, backups: [{ type: "full", stop: 1000 }, { type: "incr", stop: 1000 + 82800 }], now: 1000 + day },
            { intervals, backups: [{ type: "full", stop: 1000 }, { type: "diff", stop: 1000 + day }], now: 1000 + day + 1800 },
            // A week after the full: a full, whatever ran since.
            { intervals, backups: [{ type: "full", stop: 1000 }, { type: "diff", stop: 1000 + 6 * day }], now: 1000 + 7 * day },
        ])).toEqual(["full", null, "incr", "diff", null, "full"]);
    });

    it("does not count a backup pgBackRest marked as having errors, and leaves off kinds not scheduled", () => {
        expect(due([
            { intervals: { full: day }, backups: [{ type: "full", stop: 1000, error: true }], now: 1060 },
            { intervals: { full: day }, backups: [{ type: "full", stop: 1000 }], now: 1000 + day - 1 },
        ])).toEqual(["full", null]);
    });

    it("publishes the metrics the alert rules read, newest backup of each kind without the failed ones", () => {
        const stdout = withScheduler([
            "backups = [{'type': 'full', 'timestamp': {'stop': 100}}, {'type': 'incr', 'timestamp': {'stop': 200}}, {'type': 'incr', 'timestamp': {'stop': 300}, 'error': True}]",
            "facts = {'acting': True, 'failing': False, 'running': False, 'repository': {'ok': True, 'newest': m.newest_by_kind(backups), 'count': {'full': 1, 'incr': 2}}}",
            "print(m.render_metrics({'full': 86400, 'incr': 3600}, facts))",
        ]);
        const samples = stdout.split("\n").filter((l) => l && !l.startsWith("#"));
        const names = new Set(samples.map((l) => l.replace(/[{ ].*$/, "")));
        expect([...names].sort()).toEqual([...BACKUP_SCHEDULER_METRICS].sort());
        expect(samples).toEqual(expect.arrayContaining([
            "pgscale_backup_scheduler_acting 1",
            'pgscale_backup_schedule_interval_seconds{kind="full"} 86400',
            'pgscale_backup_schedule_interval_seconds{kind="incr"} 3600',
            'pgscale_backup_last_completed_timestamp_seconds{kind="full"} 100',
            'pgscale_backup_last_completed_timestamp_seconds{kind="incr"} 200',
            'pgscale_backup_sets{kind="diff"} 0',
            "pgscale_backup_failing 0",
        ]));
        expect(samples.some((l) => l.startsWith('pgscale_backup_schedule_interval_seconds{kind="diff"}'))).toBe(false);
    });

    it("counts a repository pgBackRest could not read as a failure, though info exits 0 with it", () => {
        // The answer of pgBackRest 2.55's info with the repository directory unreadable (mode 000).
        const unreadable = JSON.stringify([{ archive: [], backup: [], db: [], name: "pg", repo: [{ key: 1, status: { code: 99, message: "[PathOpenError] unable to list file info for path '/var/lib/pgbackrest/backup': [13] Permission denied" } }], status: { code: 99, message: "other" } }]);
        const noStanza = JSON.stringify([{ archive: [], backup: [], db: [], name: "pg", repo: [{ key: 1, status: { code: 1, message: "missing stanza path" } }], status: { code: 1, message: "missing stanza path" } }]);
        const out = withScheduler([
            "answers = json.load(sys.stdin)",
            "results = []",
            "for a in answers:",
            "    m.pgbackrest = lambda stanza, *args, a=a: (0, a)",
            "    try:",
            "        results.append(m.backups_of('pg'))",
            "    except RuntimeError as e:",
            "        results.append(str(e))",
            "print(json.dumps(results))",
        ], JSON.stringify([unreadable, noStanza]));
        expect(JSON.parse(out)).toEqual([
            "pgbackrest info: other (status 99): [PathOpenError] unable to list file info for path '/var/lib/pgbackrest/backup': [13] Permission denied",
            [],
        ]);
    });

    it("chooses the first streaming replica by name to take the backups, else the running primary, and no one without one", () => {
        const member = (name: string, role: string, state: string) => ({ name, role, state, host: name, port: 5432 });
        const choose = (clusters: unknown[]) => JSON.parse(withScheduler(["print(json.dumps([m.choose(c) for c in json.load(sys.stdin)]))"], JSON.stringify(clusters)));
        expect(choose([
            { members: [member("pg-0", "leader", "running"), member("pg-2", "replica", "streaming"), member("pg-1", "sync_standby", "streaming")] },
            // A replica still catching up, or being created, does not take them.
            { members: [member("pg-0", "leader", "running"), member("pg-1", "replica", "starting"), member("pg-2", "replica", "running")] },
            { members: [member("pg-0", "leader", "stopped"), member("pg-1", "replica", "streaming")] },
            { members: [member("pg-1", "replica", "streaming")] },
        ])).toEqual([
            { acting: "pg-1", primary: "pg-0", primaryHost: "pg-0", standby: true },
            { acting: "pg-0", primary: "pg-0", primaryHost: "pg-0", standby: false },
            null,
            null,
        ]);
    });

    it("backs up from the standby through the primary's pgBackRest server, and on the primary alone when it acts", () => {
        const args = JSON.parse(withScheduler([
            "cfg = {'standbyOptions': ['--pg2-host-type=tls', '--pg2-path=/data']}",
            "choice = {'acting': 'pg-1', 'primary': 'pg-0', 'primaryHost': 'pg-0', 'standby': True}",
            "print(json.dumps([m.backup_args(cfg, 'incr', 'pg-1', choice), m.backup_args(cfg, 'full', 'pg-0', {**choice, 'acting': 'pg-0'}), m.primary_args(cfg, 'pg-1', choice)]))",
        ]));
        expect(args).toEqual([
            ["--type=incr", "--backup-standby=y", "--pg2-host-type=tls", "--pg2-path=/data", "--pg2-host=pg-0", "backup"],
            ["--type=full", "backup"],
            ["--pg2-host-type=tls", "--pg2-path=/data", "--pg2-host=pg-0"],
        ]);
    });

    it("drills on the schedule: the first at once, then once the interval has passed since the last one started", () => {
        const due = JSON.parse(withScheduler([
            "d = {'everySeconds': 3600}",
            "print(json.dumps([m.drill_due(d, None, 100), m.drill_due(d, {'startedAt': 100}, 3699), m.drill_due(d, {'startedAt': 100}, 3700), m.drill_due(None, None, 100)]))",
        ]));
        expect(due).toEqual([true, false, true, false]);
    });

    it("starts pgBackRest's server again when its certificate file changes (a renewal in place), and when it exits", () => {
        const out = withScheduler([
            "import os, tempfile, time",
            "d = tempfile.mkdtemp(); cert = os.path.join(d, 'server.crt'); open(cert, 'w').write('a')",
            "starts = []",
            "class P:",
            "    def __init__(self): self.returncode = None",
            "    def poll(self): return self.returncode",
            "    def terminate(self): self.returncode = -15",
            "    def wait(self): return self.returncode",
            "m.subprocess.Popen = lambda *a, **k: starts.append(1) or P()",
            "m.log = lambda msg: None",
            "s = m.Server(cert)",
            "s.keep_running(); s.keep_running()",
            "first = len(starts)",
            "os.utime(cert, (time.time() + 10, time.time() + 10)); s.keep_running()",
            "renewed = len(starts)",
            "s.process.returncode = 1; s.keep_running()",
            "print(json.dumps([first, renewed, len(starts)]))",
        ]);
        expect(JSON.parse(out)).toEqual([1, 2, 3]);
    });
});
