import {
    BackupKind, BackupReport, MemberScheduler, backupFindings, PGBACKREST_PATHS, SchedulerConfig, StanzaInfo, VerifyReport, errorLine, parsePgBackRestInfo, parseSchedulerConfig, parseSchedulerStatus,
    parseVerifyText,
} from "@pgscale/core";

// `pgscale backup` acts inside the members' containers, as `postgres` (pgBackRest's and the
// repository's owner), through @pgscale/docker's execIn: the Docker Engine API at DOCKER_HOST,
// else the local socket, the way the stack's own providers reach the engine.

export interface ExecResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}
/** Runs a command as postgres in a running container; rejects when the engine refuses (no such container, not running). */
export type ContainerExec = (container: string, cmd: string[]) => Promise<ExecResult>;

/** What this command uses of @pgscale/docker, an optional peer: plan, doctor and the rest never load it. */
interface DockerExec {
    execIn(containerId: string, cmd: string[], o?: { user?: string }): Promise<ExecResult>;
}

/** The engine's exec, or why there is none. */
export function engineExec(): ContainerExec | { error: string } {
    let docker: DockerExec;
    try {
        docker = require("@pgscale/docker");
    } catch {
        return { error: "needs @pgscale/docker (npm install @pgscale/docker): it reaches the members through the Docker engine" };
    }
    return (container, cmd) => docker.execIn(container, cmd, { user: "postgres" });
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0].trim();

/** A member with `backup`: its container and the scheduler configuration the cluster rendered into it. */
export interface BackupMember {
    container: string;
    config: SchedulerConfig;
}

export interface Unanswered {
    container: string;
    error: string;
}

async function readMember(exec: ContainerExec, container: string): Promise<BackupMember | Unanswered> {
    const path = PGBACKREST_PATHS.schedulerConfig;
    try {
        const r = await exec(container, ["cat", path]);
        if (r.exitCode !== 0) return { container, error: `no ${path} (${errorLine(r.stderr)}): not a member of a PatroniCluster with backup` };
        return { container, config: parseSchedulerConfig(r.stdout, `${container}:${path}`) };
    } catch (err) {
        return { container, error: message(err) };
    }
}

const answered = (m: BackupMember | Unanswered): m is BackupMember => "config" in m;

/** The first of `containers` that answers with a scheduler configuration, and the ones before it that did not. */
export async function firstMember(exec: ContainerExec, containers: string[]): Promise<{ member?: BackupMember; unanswered: Unanswered[] }> {
    const unanswered: Unanswered[] = [];
    for (const container of containers) {
        const m = await readMember(exec, container);
        if (answered(m)) return { member: m, unanswered };
        unanswered.push(m);
    }
    return { unanswered };
}

/** pgbackrest info of `stanza`, read in `container`; throws with pgBackRest's reason. */
export async function readInfo(exec: ContainerExec, container: string, stanza: string): Promise<StanzaInfo> {
    const r = await exec(container, ["pgbackrest", `--stanza=${stanza}`, "--output=json", "info"]);
    if (r.exitCode !== 0) throw new Error(`pgbackrest info in ${container} failed (exit ${r.exitCode}): ${errorLine(r.stderr || r.stdout)}`);
    return parsePgBackRestInfo(r.stdout, stanza);
}

/** Each member's scheduler status file (every member runs a scheduler; only the primary's acts). */
export async function readSchedulers(exec: ContainerExec, containers: string[], statusFile: string): Promise<MemberScheduler[]> {
    return Promise.all(containers.map(async (container): Promise<MemberScheduler> => {
        try {
            const r = await exec(container, ["cat", statusFile]);
            if (r.exitCode !== 0) return { container, error: `cannot read ${statusFile}: ${errorLine(r.stderr)}` };
            return { container, status: parseSchedulerStatus(r.stdout, `${container}:${statusFile}`) };
        } catch (err) {
            return { container, error: message(err) };
        }
    }));
}

/** The scheduler the image ships; `which` and `backup KIND` are its one-shot forms (`which` bounded by `timeout`). */
const SCHEDULER = ["timeout", "30", "python3", "/usr/local/bin/pgscale-backup-scheduler", PGBACKREST_PATHS.schedulerConfig];

/** What a member's scheduler says of the cluster (its `which`): its own name and who takes the backups. */
interface Choice {
    member: string | null;
    acting: string | null;
    primary?: string;
    standby?: boolean;
}

/**
 * The first of `containers` whose member `pick`s from its scheduler's view of the cluster (its
 * `which`, read from Patroni), or what each member is instead (`other` says it).
 */
async function findByChoice(exec: ContainerExec, containers: string[], pick: (c: Choice) => boolean, other: (c: Choice) => string): Promise<{ found?: BackupMember & { choice: Choice }; others: Unanswered[] }> {
    const others: Unanswered[] = [];
    for (const container of containers) {
        const m = await readMember(exec, container);
        if (!answered(m)) {
            others.push(m);
            continue;
        }
        try {
            const r = await exec(container, [...SCHEDULER, "which"]);
            const choice = JSON.parse(r.stdout) as Choice;
            if (choice.member !== null && pick(choice)) return { found: { ...m, choice }, others };
            others.push({ container, error: other(choice) });
        } catch (err) {
            others.push({ container, error: message(err) });
        }
    }
    return { others };
}

/**
 * The member that takes the backups (the first streaming replica, else the primary), as the
 * scheduler of each given container chooses it from Patroni's view; or what each member is instead.
 */
export async function findActing(exec: ContainerExec, containers: string[]): Promise<{ acting?: BackupMember & { standby: boolean }; others: Unanswered[] }> {
    const { found, others } = await findByChoice(exec, containers, (c) => c.member === c.acting,
        (c) => (c.acting ? `${c.member}: the backups are taken on ${c.acting}` : `${c.member ?? "no Patroni answer"}: no member takes backups now (no running primary)`));
    return found ? { acting: { container: found.container, config: found.config, standby: found.choice.standby === true }, others } : { others };
}

/** The running primary among `containers` (where WAL is archived from), as its scheduler sees the cluster. */
export async function findPrimary(exec: ContainerExec, containers: string[]): Promise<{ primary?: BackupMember; others: Unanswered[] }> {
    const { found, others } = await findByChoice(exec, containers, (c) => c.member === c.primary,
        (c) => (c.primary ? `${c.member}: a replica; the primary is ${c.primary}` : `${c.member ?? "no Patroni answer"}: no running primary`));
    return found ? { primary: { container: found.container, config: found.config }, others } : { others };
}

/**
 * pgBackRest's `check` in the primary: the configuration matches the running server, and a WAL
 * segment it switches to reaches the repository through archive_command (within 30 s).
 */
export function checkArchive(exec: ContainerExec, primary: BackupMember, stanza: string): Promise<ExecResult> {
    return exec(primary.container, ["pgbackrest", `--stanza=${stanza}`, "--archive-timeout=30", "check"]);
}

/** pgBackRest's `verify` of the whole repository (every backup file and WAL segment read and checked), parsed. */
export async function verifyRepository(exec: ContainerExec, container: string, stanza: string): Promise<VerifyReport> {
    const r = await exec(container, ["pgbackrest", `--stanza=${stanza}`, "--output=text", "--verbose", "verify"]);
    if (r.exitCode !== 0) throw new Error(`pgbackrest verify in ${container} failed (exit ${r.exitCode}): ${errorLine(r.stderr || r.stdout)}`);
    return parseVerifyText(r.stdout, stanza);
}

/** The scheduler's exit status for a backup it did not start: another member holds the backup lease (named on stderr). */
export const BACKUP_LEASE_HELD = 5;

/**
 * One backup of `type` in the acting member's container, as its scheduler runs them (under the
 * backup lease); its exit code and output. Not under `timeout`: a backup takes as long as the data.
 */
export async function runBackup(exec: ContainerExec, member: BackupMember, type: BackupKind): Promise<ExecResult> {
    return exec(member.container, [...SCHEDULER.slice(2), "backup", type]);
}

/**
 * `pgscale backup status`'s report (also doctor's with --backup-container): the repository read in
 * the first member that answers, every member's scheduler status, the schedule and the drills.
 * A repository pgBackRest cannot read is a finding; no member answering throws.
 */
export async function backupReport(exec: ContainerExec, containers: string[], stanza?: string): Promise<{ container: string; stanza: string; report: BackupReport }> {
    const { member, unanswered } = await firstMember(exec, containers);
    if (!member) throw new Error(`no container answered with a backup configuration${unanswered.map((u) => `; ${u.container}: ${u.error}`).join("")}`);
    const s = stanza ?? member.config.stanza;
    // A repository pgBackRest cannot read is the worst finding, not a failure of this command.
    const info = await readInfo(exec, member.container, s).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
    const schedulers = await readSchedulers(exec, containers, member.config.statusFile);
    const { intervals, checkSeconds, drill } = member.config;
    return { container: member.container, stanza: s, report: backupFindings({ info, intervals, checkSeconds, schedulers, drill }, new Date()) };
}
