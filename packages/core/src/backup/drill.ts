import { z } from "zod";
import { RestoreTarget, drillCheckFields, restoreTargetSpec } from "./spec";
import { shellQuote } from "../util/shell-quote";
import { PGBACKREST_PATHS, restoreTargetOptions } from "./render";
import { FieldIssue, issuesFromZod } from "../validation";

// A restore drill: restore a repository into a throwaway container, start PostgreSQL on it, run a
// check query, and measure what a real restore would cost (time) and lose (the data-loss window).
// The platform runs the script below and hands its output to parseDrillOutput.

export const restoreDrillSpec = z.strictObject({
    /** Where recovery stops. Default "latest": every archived segment. */
    target: restoreTargetSpec.default("latest"),
    /** `database`, `check` and `objectives` (a missed objective fails the update): see drillCheckFields. */
    ...drillCheckFields,
});
export type RestoreDrillInput = z.input<typeof restoreDrillSpec>;
export type RestoreDrillSpec = z.output<typeof restoreDrillSpec>;

/** What a drill measured. */
export interface DrillResult {
    /** The backup set pgBackRest restored, e.g. 20261203-223109F. */
    backupSet: string;
    /** From the start of the restore until PostgreSQL accepted writes after recovery. */
    restoreSeconds: number;
    /** The newest commit the restored server holds (ISO 8601), or the backup's start when no commit was replayed. */
    restorablePoint: string;
    /** The check query's first column of its first row, as text (empty when it returned no row). */
    checkResult: string;
}

const MARK = "PGSCALE-DRILL";

/** Where a throwaway container's drill reads the repository's configuration (copied in before it starts). */
export const THROWAWAY_DRILL_CONFIG = "/etc/pgscale/pgbackrest.conf";

export interface DrillScriptInput {
    stanza: string;
    /** Where the backup is restored: the cluster's data directory in a throwaway container, a scratch directory in a member. */
    dataDir: string;
    target: RestoreTarget;
    database: string;
    /** The pgbackrest.conf naming the repository. Default THROWAWAY_DRILL_CONFIG. */
    config?: string;
    /**
     * A scheduled drill in a running member: `dataDir` is a scratch directory, emptied before the
     * restore and removed (its server stopped) however the drill ends, and the restore points
     * pgBackRest at it and at a lock and spool of its own, apart from the member's archiving.
     */
    scratch?: boolean;
}

/**
 * The drill's shell script, run in a throwaway container of the cluster's image with the repository
 * volume mounted read-only and no network (an S3 repository: reached over the cluster's network),
 * or by the backup scheduler in a member (`scratch`). In a throwaway container pgbackrest.conf
 * (renderRestoreConf; it holds the passphrase) is copied in as THROWAWAY_DRILL_CONFIG before the
 * start; the check query comes as base64 in $1, so neither is quoted into the script. Archiving is
 * off in the restored server: its new timeline must never reach the repository.
 */
export function renderDrillScript(c: DrillScriptInput): string {
    const config = c.config ?? THROWAWAY_DRILL_CONFIG;
    const own = "/tmp/pgbackrest-restore";
    const scratchOptions = c.scratch ? [`--pg1-path=${c.dataDir}`, `--lock-path=${own}/lock`, `--spool-path=${own}/spool`] : [];
    const restoreOptions = [...scratchOptions, ...restoreTargetOptions(c.target)].map(shellQuote).join(" ");
    return [
        "set -eu",
        "umask 077",
        ...(c.scratch ? [
            `trap 'pg_ctl -D ${shellQuote(c.dataDir)} -m immediate stop >/dev/null 2>&1 || true; rm -rf ${shellQuote(c.dataDir)} ${own}' EXIT`,
            `rm -rf ${shellQuote(c.dataDir)}`,
        ] : []),
        `mkdir -p ${own}/lock ${own}/spool`,
        // A new cluster's first backup may still be running: wait for one (the clock starts after).
        `i=0; until pgbackrest --config=${config} --stanza=${c.stanza} --output=json info 2>/dev/null | grep -q '"type":"full"'; do i=$((i+1)); [ $i -lt 300 ] || { echo 'no full backup in the repository after 600 s' >&2; exit 1; }; sleep 2; done`,
        "started=$(date +%s.%N)",
        `pgbackrest --config=${config} --stanza=${c.stanza} --archive-mode=off --log-level-console=info ${restoreOptions} restore > /tmp/restore.log 2>&1 || { cat /tmp/restore.log >&2; exit 1; }`.replace(/  +/g, " "),
        `sed -n 's/.*restore backup set \\([^,]*\\), recovery will start at \\(.*\\)$/${MARK} backup=\\1 start=\\2/p' /tmp/restore.log`,
        // The restored postgresql.conf is the cluster's: its TLS files are not in the throwaway
        // container, and with no TCP listener there is nothing to encrypt, so ssl goes off here.
        `pg_ctl -D ${c.dataDir} -l /tmp/pg.log -w -t 600 -o "-c port=5433 -c listen_addresses='' -c unix_socket_directories=/tmp -c archive_mode=off -c ssl=off" start > /dev/null || { tail -20 /tmp/pg.log >&2; exit 1; }`,
        // Recovery replays to the target, then promotes.
        "i=0; until [ \"$(psql -h /tmp -p 5433 -XAtc 'SELECT pg_is_in_recovery()' postgres)\" = f ]; do i=$((i+1)); [ $i -lt 1200 ] || { echo 'recovery did not finish in 600 s' >&2; tail -20 /tmp/pg.log >&2; exit 1; }; sleep 0.5; done",
        `echo "${MARK} seconds=$(awk "BEGIN { print $(date +%s.%N) - $started }")"`,
        `sed -n 's/.*last completed transaction was at log time \\(.*\\)$/${MARK} last=\\1/p' /tmp/pg.log`,
        `echo "$1" | base64 -d > /tmp/check.sql`,
        `printf '${MARK} check=%s\\n' "$(psql -h /tmp -p 5433 -XAt -v ON_ERROR_STOP=1 -f /tmp/check.sql ${c.database} | head -1 | cut -d'|' -f1)"`,
        `pg_ctl -D ${c.dataDir} -m immediate stop > /dev/null`,
    ].join("\n");
}

/** Where a scheduled drill restores, in the member's data volume: emptied before and removed after each drill. */
export const drillScratchDir = (dataMount: string) => `${dataMount}/restore-drill`;

/** The scheduled drill's script: the RestoreDrill's, restoring with the member's own configuration into a scratch directory. */
export function renderScheduledDrillScript(stanza: string, scratchDir: string, database: string): string {
    return renderDrillScript({ stanza, dataDir: scratchDir, target: "latest", database, config: PGBACKREST_PATHS.config, scratch: true });
}

/** pgBackRest and PostgreSQL print times as "2026-12-03 22:31:09.1+00"; ISO 8601 for outputs. */
function isoTime(pgTime: string): string {
    const d = new Date(pgTime.trim().replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00"));
    if (Number.isNaN(d.getTime())) throw new Error(`restore drill: cannot read the time ${JSON.stringify(pgTime)}`);
    return d.toISOString();
}

/** The figures of a drill from its output; throws with the output's tail when a marker is missing. */
export function parseDrillOutput(stdout: string): DrillResult {
    const marks = new Map<string, string>();
    for (const line of stdout.split("\n")) {
        const m = new RegExp(`^${MARK} (.*)$`).exec(line.trim());
        if (!m) continue;
        for (const part of m[1].split(/ (?=\w+=)/)) {
            const eq = part.indexOf("=");
            marks.set(part.slice(0, eq), part.slice(eq + 1));
        }
    }
    const need = (k: string) => {
        const v = marks.get(k);
        if (v === undefined) throw new Error(`restore drill: its output has no ${k}: ${stdout.slice(-500)}`);
        return v;
    };
    const seconds = Number(need("seconds"));
    if (!Number.isFinite(seconds)) throw new Error(`restore drill: unreadable duration ${need("seconds")}`);
    return {
        backupSet: need("backup"),
        restoreSeconds: Math.round(seconds * 10) / 10,
        restorablePoint: isoTime(marks.get("last") ?? need("start")),
        checkResult: marks.get("check") ?? "",
    };
}

/** The objectives a drill missed, each with its figures; empty when it met them all. */
export function drillShortfalls(r: DrillResult, objectives: RestoreDrillSpec["objectives"], now: Date): string[] {
    const out: string[] = [];
    if (objectives.restoreSeconds !== undefined && r.restoreSeconds > objectives.restoreSeconds)
        out.push(`objectives.restoreSeconds: the restore took ${r.restoreSeconds} s, over the objective of ${objectives.restoreSeconds} s`);
    const window = lossWindowSeconds(r, now);
    if (objectives.rpoSeconds !== undefined && window > objectives.rpoSeconds)
        out.push(`objectives.rpoSeconds: the newest restorable commit (${r.restorablePoint}) is ${window} s old, over the objective of ${objectives.rpoSeconds} s`);
    return out;
}

/** Seconds between the newest restorable commit and `now`: what losing everything but the repository would lose. */
export function lossWindowSeconds(r: DrillResult, now: Date): number {
    return Math.max(0, Math.round((now.getTime() - Date.parse(r.restorablePoint)) / 1000));
}

/** A RestoreDrill's outputs: its figures and the loss window at `now`. */
export interface DrillOutputs extends DrillResult {
    lossWindowSeconds: number;
    ranAt: string;
}

/** A RestoreDrill's outputs from what it measured; throws naming each missed objective with its figures, so the update fails. */
export function judgeDrill(subject: string, result: DrillResult, objectives: RestoreDrillSpec["objectives"], now = new Date()): DrillOutputs {
    const shortfalls = drillShortfalls(result, objectives, now);
    if (shortfalls.length) throw new Error(`${subject}: restored ${result.backupSet} in ${result.restoreSeconds} s, but ${shortfalls.join("; ")}`);
    const { backupSet, restoreSeconds, restorablePoint, checkResult } = result;
    return { backupSet, restoreSeconds, restorablePoint, checkResult, lossWindowSeconds: lossWindowSeconds(result, now), ranAt: now.toISOString() };
}

/** When a RestoreDrill runs: "create" (once, and again whenever an input changes) or "every-up" (each `pulumi up`). */
export type DrillRunOn = "create" | "every-up";

/** The RestoreDrill outputs the provider fills in, in the order both platforms declare them. */
export const DRILL_OUTPUT_KEYS = ["backupSet", "restoreSeconds", "restorablePoint", "checkResult", "lossWindowSeconds", "ranAt"] as const;

/**
 * A RestoreDrill's `runOn` and the other arguments both platforms share, checked before anything
 * is registered; returns the spec, the issues (each naming its field), and the input whose change
 * makes a new drill: the time of this deployment with "every-up", a constant with "create".
 */
export function restoreDrillArgs(args: RestoreDrillInput & { runOn?: DrillRunOn }, now = new Date()): { spec?: RestoreDrillSpec; issues: FieldIssue[]; trigger: string } {
    const { runOn, ...rest } = args;
    const parsed = restoreDrillSpec.safeParse(rest);
    const issues = parsed.success ? [] : issuesFromZod(parsed.error);
    if (runOn !== undefined && runOn !== "create" && runOn !== "every-up") issues.push({ field: "runOn", message: 'must be "create" or "every-up"' });
    return { spec: parsed.success ? parsed.data : undefined, issues, trigger: (runOn ?? "every-up") === "every-up" ? now.toISOString() : "create" };
}
