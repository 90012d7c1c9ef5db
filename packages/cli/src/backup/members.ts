import {
    BackupKind, MemberScheduler, PGBACKREST_PATHS, SchedulerConfig, StanzaInfo, describeMember, errorLine, isRunningPrimary,
    parsePgBackRestInfo, parseSchedulerConfig, parseSchedulerStatus,
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

/** The member whose own Patroni says it is the running primary, or what each member is instead. */
export async function findPrimary(exec: ContainerExec, containers: string[]): Promise<{ primary?: BackupMember; others: Unanswered[] }> {
    const others: Unanswered[] = [];
    for (const container of containers) {
        const m = await readMember(exec, container);
        if (!answered(m)) {
            others.push(m);
            continue;
        }
        try {
            // The member's own REST API from inside it: no published port or password needed.
            // An https API is verified against the CA file the scheduler uses (backup.json's patroniCaFile).
            const ca = m.config.patroniCaFile ? ["--cacert", m.config.patroniCaFile] : [];
            const r = await exec(container, ["curl", "-s", "--max-time", "3", ...ca, `${m.config.patroniUrl}/patroni`]);
            if (isRunningPrimary(r.stdout)) return { primary: m, others };
            others.push({ container, error: describeMember(r.stdout || r.stderr) });
        } catch (err) {
            others.push({ container, error: message(err) });
        }
    }
    return { others };
}

/** `pgbackrest backup` of one kind in the primary's container; resolves with its exit code and output. */
export async function runBackup(exec: ContainerExec, member: BackupMember, stanza: string, type: BackupKind): Promise<ExecResult> {
    return exec(member.container, ["pgbackrest", `--stanza=${stanza}`, `--type=${type}`, "backup"]);
}
