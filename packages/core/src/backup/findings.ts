import { z } from "zod";
import { Severity, worstSeverity } from "../doctor/finding";
import { parseJsonSpec } from "../validation";
import { BACKUP_KINDS, BackupKind, BackupSet, StanzaInfo } from "./info";
import { SchedulerConfig } from "./render";
import { drillShortfalls, lossWindowSeconds, parseDrillOutput } from "./drill";

// `pgscale backup status`: is the repository being kept up to date? Pure judgement over the
// repository's info, the schedule (backup.json) and what each member's scheduler last wrote.

const runDoc = z.object({ kind: z.enum(BACKUP_KINDS), startedAt: z.number(), finishedAt: z.number(), ok: z.boolean(), message: z.string().optional() });

/** What backup-scheduler.py writes to its statusFile; times are epoch seconds. */
const schedulerStatusSpec = z.object({
    stanza: z.string().optional(),
    checkedAt: z.number().optional(),
    lastSuccess: runDoc.optional(),
    lastError: z.object({ at: z.number(), step: z.string(), message: z.string() }).optional(),
    lastRun: runDoc.optional(),
    /** The primary's last pgbackrest check (run once per primary: bootstrap, failover, switchover). */
    lastCheck: z.object({ at: z.number(), member: z.string().nullable().optional(), ok: z.boolean(), message: z.string().optional() }).optional(),
    /** The last scheduled drill: its exit status and output (the drill script's marks, then the tail of its errors). */
    lastDrill: z.object({ startedAt: z.number(), finishedAt: z.number(), exitCode: z.number(), output: z.string() }).optional(),
    /** The last due backup this member did not start because another member held the backup lease: the lease's record as the holder wrote it. */
    lastRefusal: z.object({
        at: z.number(),
        kind: z.enum(BACKUP_KINDS),
        holder: z.object({ member: z.string().nullable().optional(), kind: z.string().optional(), startedAt: z.number().optional() }),
    }).optional(),
});
export type SchedulerStatus = z.output<typeof schedulerStatusSpec>;

/** The scheduler's status file; throws naming `source` and the field when it has another shape. */
export function parseSchedulerStatus(text: string, source: string): SchedulerStatus {
    return parseJsonSpec(schedulerStatusSpec, text, source);
}

/** One member's scheduler status file, or why it could not be read. */
export interface MemberScheduler {
    container: string;
    status?: SchedulerStatus;
    error?: string;
}

export interface BackupFacts {
    /** The repository's info, or why `pgbackrest info` failed. */
    info: StanzaInfo | { error: string };
    intervals: SchedulerConfig["intervals"];
    checkSeconds: number;
    schedulers: MemberScheduler[];
    /** The scheduled drill (backup.json's `drill`); absent: drills are not scheduled. */
    drill?: SchedulerConfig["drill"];
}

/** A scheduled drill as `pgscale backup status --json` reports it: the figures, or why it failed. */
export interface ScheduledDrill {
    container: string;
    ranAt: string;
    ok: boolean;
    backupSet?: string;
    restoreSeconds?: number;
    restorablePoint?: string;
    /** The restorable point's age when the drill finished. */
    lossWindowSeconds?: number;
    checkResult?: string;
    /** The objectives missed, with their figures. */
    shortfalls: string[];
    error?: string;
}

export interface BackupFinding {
    severity: Severity;
    /** Stable id, e.g. "backup.full", "backup.scheduler". */
    check: string;
    detail: string;
    /** What to do; absent when the check is ok. */
    fix?: string;
}

export interface BackupReport {
    status: Severity;
    counts: Record<Severity, number>;
    findings: BackupFinding[];
    /** The newest scheduled drill any member recorded, with backup.drill. */
    drill?: ScheduledDrill;
}

/** 45 -> "45 s", 5400 -> "1.5 h": backup ages span seconds to weeks. */
export function formatDuration(seconds: number): string {
    const s = Math.max(0, seconds);
    if (s < 120) return `${Math.round(s)} s`;
    if (s < 3600) return `${(s / 60).toFixed(1)} min`;
    if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
    return `${(s / 86400).toFixed(1)} d`;
}

/**
 * Slack after an interval before a backup counts as missed: the scheduler looks every
 * checkSeconds and a backup takes a while. 10% of the interval, at least a minute, and under half
 * the interval so that a missed backup warns before it is two intervals late (critical).
 */
export function graceSeconds(intervalSeconds: number): number {
    return Math.min(Math.max(0.1 * intervalSeconds, 60), intervalSeconds / 2);
}

/** Kinds whose backups restart `kind`'s clock, as the scheduler counts them: a full for every kind, a diff for diff and incr. */
const covering = (kind: BackupKind) => BACKUP_KINDS.slice(0, BACKUP_KINDS.indexOf(kind) + 1) as readonly BackupKind[];

const epoch = (iso: string) => Date.parse(iso) / 1000;
const at = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString();

/** The last line pgBackRest printed with ERROR (its reason), else the last line. */
export function errorLine(message: string): string {
    const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
    return [...lines].reverse().find((l) => /ERROR/.test(l)) ?? lines[lines.length - 1] ?? "(no message)";
}

const RUN_NOW = "Take one now with `pgscale backup run --container <member>...` (it runs on the member that takes the backups).";

function repositoryFinding(info: BackupFacts["info"]): BackupFinding | undefined {
    if ("error" in info) {
        return { severity: "critical", check: "backup.repository", detail: `pgbackrest info failed: ${errorLine(info.error)}`,
            fix: "The repository cannot be read: check its volume (mounted at /var/lib/pgbackrest in every member) and its permissions, or its S3 bucket, endpoint and keys, and the passphrase, all in /etc/pgbackrest/pgbackrest.conf." };
    }
    // 2 is "no valid backups", which backup.none reports with what to do.
    if (info.status.code !== 0 && info.status.code !== 2) {
        return { severity: "critical", check: "backup.repository", detail: `stanza ${info.stanza}: ${info.status.message} (pgBackRest status ${info.status.code})`,
            fix: "The primary's scheduler creates the stanza; its log lines start with pgscale-backup: (docker logs <primary>). A repository kept from another cluster of the same name holds another database's stanza: remove that volume or name another." };
    }
    return { severity: "ok", check: "backup.repository",
        detail: `stanza ${info.stanza}: ${info.status.message}, ${info.backups.length} backup(s)${info.cipher && info.cipher !== "none" ? `, ${info.cipher}` : ""}${info.backupRunning ? "; a backup is running now" : ""}` };
}

function kindFinding(kind: BackupKind, interval: number, backups: BackupSet[], now: number): BackupFinding {
    const kinds = covering(kind);
    const last = backups.filter((b) => kinds.includes(b.type) && !b.error).at(-1);
    const every = formatDuration(interval);
    const check = `backup.${kind}`;
    if (!last) {
        return { severity: "critical", check, detail: `no ${kinds.join("/")} backup without errors in the repository (${kind} every ${every})`, fix: RUN_NOW };
    }
    const age = now - epoch(last.stoppedAt);
    const what = `last ${last.type} backup ${last.label} finished ${formatDuration(age)} ago; ${kind} every ${every}`;
    if (age <= interval + graceSeconds(interval)) return { severity: "ok", check, detail: what };
    return {
        severity: age > 2 * interval ? "critical" : "warning",
        check,
        detail: `missed: ${what}`,
        fix: `One member's scheduler takes the backups (the first streaming replica, else the primary): see backup.scheduler and its log lines (docker logs <member> | grep pgscale-backup:). ${RUN_NOW}`,
    };
}

/** Each member's scheduler writes its status every checkSeconds; one silent for 3 checks is not running. */
function schedulerFindings(f: BackupFacts, backups: BackupSet[], now: number): BackupFinding[] {
    const findings: BackupFinding[] = [];
    const stale = Math.max(3 * f.checkSeconds, 60);
    for (const m of f.schedulers) {
        const checked = m.status?.checkedAt;
        if (m.error !== undefined || checked === undefined) {
            findings.push({ severity: "warning", check: "backup.scheduler", detail: `${m.container}: no scheduler status (${m.error ?? "it has no checkedAt"})`,
                fix: "The scheduler runs beside Patroni in every member and writes its status every few seconds: is the container running? Its log lines start with pgscale-backup: (docker logs)." });
        } else if (now - checked > stale) {
            findings.push({ severity: "warning", check: "backup.scheduler", detail: `${m.container}: the scheduler last checked ${formatDuration(now - checked)} ago: it is not running there`,
                fix: "Restart the member's container (the scheduler starts with it); until then this member takes no backup when it is the one to take them." });
        }
    }
    const newest = <T>(pick: (s: SchedulerStatus) => T | undefined, time: (v: T) => number) =>
        f.schedulers.flatMap((m) => (m.status && pick(m.status) !== undefined ? [{ container: m.container, v: pick(m.status)! }] : []))
            .sort((a, b) => time(b.v) - time(a.v))[0];
    const success = newest((s) => s.lastSuccess, (r) => r.finishedAt);
    const error = newest((s) => s.lastError, (e) => e.at);
    const supersededBy = error && backups.find((b) => epoch(b.stoppedAt) > error.v.at && !b.error);
    if (error && (!success || error.v.at > success.v.finishedAt) && !supersededBy) {
        findings.push({ severity: "critical", check: "backup.scheduler",
            detail: `the last scheduled run failed: ${error.v.step} at ${at(error.v.at)} on ${error.container}: ${errorLine(error.v.message)}`,
            fix: `The scheduler retries a minute later; fix the cause pgBackRest names (repository volume full or not writable, stanza, passphrase). ${RUN_NOW}` });
    } else if (success) {
        findings.push({ severity: "ok", check: "backup.scheduler", detail: `last scheduled run: ${success.v.kind} backup ok at ${at(success.v.finishedAt)} on ${success.container}` });
    } else {
        findings.push({ severity: "ok", check: "backup.scheduler", detail: "no scheduled run recorded since the members' schedulers started" });
    }
    const check = newest((s) => s.lastCheck, (c) => c.at);
    if (check && !check.v.ok)
        findings.push({ severity: "critical", check: "backup.check", detail: `pgbackrest check failed at ${at(check.v.at)} on ${check.container}: ${errorLine(check.v.message ?? "")}`,
            fix: "The primary's WAL does not reach the repository, or its configuration does not match the server: fix what pgBackRest names; the primary's scheduler checks again a minute later (pgscale backup verify runs it now)." });
    else if (check) findings.push({ severity: "ok", check: "backup.check", detail: `pgbackrest check passed at ${at(check.v.at)} on ${check.container}` });
    const lease = leaseFinding(newest((s) => s.lastRefusal, (r) => r.at), success?.v.finishedAt, now, stale);
    if (lease) findings.push(lease);
    return findings;
}

/**
 * A due backup not started because another member held the backup lease (one backup at a time
 * across members): why a schedule slips while, say, a former acting member finishes a long full
 * backup. Reported while it is recent (within the schedulers' staleness window) and no scheduled
 * backup succeeded since; the kind checks above say whether the schedule is missed.
 */
function leaseFinding(refusal: { container: string; v: NonNullable<SchedulerStatus["lastRefusal"]> } | undefined, lastSuccess: number | undefined, now: number, window: number): BackupFinding | undefined {
    if (!refusal || now - refusal.v.at > window || (lastSuccess !== undefined && lastSuccess > refusal.v.at)) return undefined;
    const h = refusal.v.holder;
    const holding = `${h.member ?? "another member"}${h.kind ? ` (${h.kind} backup${h.startedAt !== undefined ? ` since ${at(h.startedAt)}` : ""})` : ""}`;
    return { severity: "ok", check: "backup.lease",
        detail: `${refusal.container} did not start the ${refusal.v.kind} backup at ${at(refusal.v.at)}: the backup lease is held by ${holding}; it tries again at its next look` };
}

/** The newest drill the members' schedulers recorded, read: figures and shortfalls, or the failure. */
export function newestDrill(f: BackupFacts): ScheduledDrill | undefined {
    const newest = f.schedulers.flatMap((m) => (m.status?.lastDrill ? [{ container: m.container, d: m.status.lastDrill }] : []))
        .sort((a, b) => b.d.finishedAt - a.d.finishedAt)[0];
    if (!newest) return undefined;
    const { container, d } = newest;
    const ranAt = at(d.finishedAt);
    if (d.exitCode !== 0) return { container, ranAt, ok: false, shortfalls: [], error: `exit ${d.exitCode}: ${errorLine(d.output)}` };
    try {
        const r = parseDrillOutput(d.output);
        const finished = new Date(d.finishedAt * 1000);
        return { container, ranAt, ok: true, ...r, lossWindowSeconds: lossWindowSeconds(r, finished), shortfalls: drillShortfalls(r, f.drill?.objectives ?? {}, finished) };
    } catch (err) {
        return { container, ranAt, ok: false, shortfalls: [], error: err instanceof Error ? err.message : String(err) };
    }
}

/** The scheduled drill: failed, an objective missed (critical), overdue (warning), or its figures. */
function drillFinding(f: BackupFacts, drill: ScheduledDrill | undefined, backups: BackupSet[], now: number): BackupFinding | undefined {
    if (!f.drill) return undefined;
    const every = f.drill.everySeconds;
    const check = "backup.drill";
    const late = every + graceSeconds(every) + f.checkSeconds;
    const fix = "The member that takes the backups drills a restore on the schedule (backup.drill); its log lines start with pgscale-backup: (docker logs; on Kubernetes kubectl logs <pod> -c patroni). On Docker, `pgscale backup drill --container <member>...` runs one now.";
    if (!drill) {
        const since = backups.find((b) => b.type === "full" && !b.error);
        if (since && now - epoch(since.stoppedAt) > late) return { severity: "warning", check, detail: `overdue: no scheduled drill recorded, and the first full backup finished ${formatDuration(now - epoch(since.stoppedAt))} ago; a drill every ${formatDuration(every)}`, fix };
        return { severity: "ok", check, detail: `no scheduled drill yet (every ${formatDuration(every)}, once a full backup exists)` };
    }
    const age = now - epoch(drill.ranAt);
    if (!drill.ok) return { severity: "critical", check, detail: `the last scheduled drill failed at ${drill.ranAt} on ${drill.container}: ${drill.error}`, fix };
    const figures = `restored ${drill.backupSet} in ${drill.restoreSeconds} s at ${drill.ranAt} on ${drill.container}; restorable point ${drill.restorablePoint} (loss window ${drill.lossWindowSeconds} s), check ${JSON.stringify(drill.checkResult)}`;
    if (drill.shortfalls.length) return { severity: "critical", check, detail: `the last scheduled drill ${figures}, but ${drill.shortfalls.join("; ")}`, fix: "A real restore would miss the same objective: faster storage or more frequent full/differential backups shorten the restore; a smaller rpoSeconds archives more often." };
    if (age > late) return { severity: "warning", check, detail: `overdue: the last scheduled drill ran ${formatDuration(age)} ago (every ${formatDuration(every)}): ${figures}`, fix };
    return { severity: "ok", check, detail: `${figures}; objectives met` };
}

function archiveFinding(info: StanzaInfo): BackupFinding {
    if (!info.archive.max) {
        return { severity: "warning", check: "backup.archive", detail: "no WAL archived yet: a restore can only reach the end of a backup",
            fix: "pgscale doctor reports archiving on the primary (replication.archive); archiving starts with the cluster and needs the stanza." };
    }
    const range = info.restorable ? `; restorable from ${info.restorable.from} to the end of WAL ${info.archive.max}` : "";
    return { severity: "ok", check: "backup.archive", detail: `newest archived WAL ${info.archive.max} (oldest ${info.archive.min})${range}` };
}

/** The findings of `pgscale backup status`, worst first within each check's order. */
export function backupFindings(f: BackupFacts, now: Date): BackupReport {
    const nowS = now.getTime() / 1000;
    const findings: BackupFinding[] = [];
    const repository = repositoryFinding(f.info);
    if (repository) findings.push(repository);
    const backups = "error" in f.info ? [] : f.info.backups;
    if (!("error" in f.info)) {
        if (!backups.length) {
            findings.push({ severity: "critical", check: "backup.none", detail: "no backup in the repository: nothing can be restored",
                fix: `The scheduler takes the first full backup as soon as the cluster is up; see backup.scheduler. ${RUN_NOW}` });
        } else {
            for (const kind of BACKUP_KINDS) {
                const interval = f.intervals[kind];
                if (interval !== undefined) findings.push(kindFinding(kind, interval, backups, nowS));
            }
        }
        findings.push(archiveFinding(f.info));
    }
    findings.push(...schedulerFindings(f, backups, nowS));
    const drill = f.drill ? newestDrill(f) : undefined;
    const drillCheck = drillFinding(f, drill, backups, nowS);
    if (drillCheck) findings.push(drillCheck);
    const counts: Record<Severity, number> = { ok: 0, warning: 0, critical: 0 };
    for (const x of findings) counts[x.severity]++;
    return { status: worstSeverity(findings.map((x) => x.severity)), counts, findings, ...(drill ? { drill } : {}) };
}
