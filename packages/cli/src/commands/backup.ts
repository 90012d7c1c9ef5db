import { BACKUP_KINDS, BackupKind, RestoreDrillSpec, addedBackups, errorLine, formatDuration, restoreDrillSpec, verifyProblems } from "@pgscale/core";
import { drillMember, engineDrill } from "../backup/drill";
import { drillInPod } from "../backup/drill-pod";
import { Command, defineCommand } from "../command";
import { BACKUP_LEASE_HELD, ContainerExec, Unanswered, backupReport, checkArchive, engineExec, findActing, findPrimary, firstMember, readInfo, runBackup, verifyRepository } from "../backup/members";
import type { KubectlTarget } from "@pgscale/core";
import { kubectlExec, kubectlTargetArgs } from "../backup/kubectl";
import { EXIT, Io } from "../io";
import { UsageError } from "../options";
import { renderBackupList, renderBackupStatus, renderBackupTable, renderDrill, renderVerify } from "../render/backup-text";
import { EXIT_CRITICAL } from "./doctor";

const USAGE = `usage: pgscale backup list MEMBERS [--stanza STANZA] [--json]
       pgscale backup status MEMBERS [--stanza STANZA] [--json]
       pgscale backup run MEMBERS [--type full|diff|incr] [--stanza STANZA] [--json]
       pgscale backup verify MEMBERS [--stanza STANZA] [--json]
       pgscale backup drill MEMBERS [--time ISO | --lsn LSN | --name POINT]
                          [--database DB] [--check SQL] [--restore-seconds N] [--rpo-seconds N]
                          [--stanza STANZA] [--json]
  MEMBERS: --container NAME [--container NAME]...                              (Docker)
        or --pod NAME [--pod NAME]... [--namespace NS] [--context CONTEXT]     (Kubernetes)

The backups of a PatroniCluster with \`backup\`, read and taken with pgBackRest inside its members
as postgres: on Docker in the member containers, through the Docker engine at DOCKER_HOST, else
the local socket; on Kubernetes in the member pods' patroni container, with kubectl exec (your
kubeconfig, context and RBAC: pods/exec in the cluster's namespace).

  list     the repository's backups (type, times, sizes, WAL range) and the range a restore can reach
  status   is the repository kept up to date: a backup of each scheduled kind within its interval,
           the last scheduled run, the archive; findings with their fixes, like pgscale doctor
  run      takes a backup now on the member that takes the backups (the first streaming replica,
           else the primary, as each container's scheduler sees the cluster); refused when none of
           the given containers is that member
  verify   reads every backup file and WAL segment in the repository and checks its checksum and
           size (pgbackrest verify, which exits 0 whatever it finds: its report is judged here),
           and runs pgbackrest check on the primary: a WAL segment reaches the repository through
           archive_command; the primary must be one of the given members
  drill    restores the repository (latest, or a point in time) into a throwaway container of the
           cluster's image (repository read-only, no network), runs a check query, removes it, and
           reports the restore time and the data-loss window, as the RestoreDrill resource does; on
           Kubernetes into a throwaway pod beside the members (the member pod's image, security
           context and resources, the restore on emptyDir; pods create, delete and exec)

  --container NAME   a member's container; repeatable. list and status use the first that answers
                     (status also reads every one's scheduler status); run looks for the
                     member that takes the backups
  --pod NAME         a member pod (Kubernetes), used as --container is; repeatable
  --namespace NS     with --pod: the cluster's namespace (default: the context's)
  --context CONTEXT  with --pod: the kubeconfig context (default: the current one)
  --stanza STANZA    the stanza; default: the cluster's scope, from /etc/pgscale/backup.json
  --type KIND        run only: full, diff or incr (default incr; pgBackRest takes a full instead
                     when the repository has none)
  --time ISO, --lsn LSN, --name POINT
                     drill only: recover to this time (ISO 8601 with a zone), LSN or restore point
                     instead of the end of the archive; at most one
  --database DB      drill only: the database the check query runs in (default postgres)
  --check SQL        drill only: the check query; its first column is reported (default SELECT 1)
  --restore-seconds N, --rpo-seconds N
                     drill only: objectives; a restore slower, or a restorable point older, is critical
  --json             print the result (or the errors) as JSON
  -h, --help         this help

Exit status: 0 done (status: no critical finding; verify: every file valid and the check passed;
drill: objectives met), 3 status found a critical finding, verify an invalid or missing file or
a failed check, or the drill missed an objective, 1 no container answered or the backup, verify
or restore failed, 2 invalid options.`;

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

interface ReadArgs {
    /** Member containers (Docker) or, with `kubernetes`, member pods. */
    containers: string[];
    stanza?: string;
    /** --pod: the members are pods, reached with kubectl exec. */
    kubernetes?: KubectlTarget;
}

interface RunArgs extends ReadArgs {
    type: BackupKind;
}

const shared = {
    container: { type: "string", multiple: true }, pod: { type: "string", multiple: true }, namespace: { type: "string" }, context: { type: "string" }, stanza: { type: "string" },
} as const;

interface SharedValues { container?: string[]; pod?: string[]; namespace?: string; context?: string; stanza?: string }

function sharedArgs(values: SharedValues, errors: UsageError[]): ReadArgs {
    const containers = values.container ?? [];
    const pods = values.pod ?? [];
    if (containers.length && pods.length) errors.push({ option: "--pod", message: "cannot be combined with --container: the members are containers (Docker) or pods (Kubernetes)" });
    else if (!containers.length && !pods.length) errors.push({ option: "--container", message: "is required (a member container of the cluster; on Kubernetes, --pod)" });
    for (const c of containers) if (!NAME.test(c)) errors.push({ option: "--container", message: `${JSON.stringify(c)} is not a container name or ID` });
    const kubernetes = kubectlTargetArgs("--pod", { pods, namespace: values.namespace, context: values.context }, errors);
    if (values.stanza !== undefined && !NAME.test(values.stanza)) errors.push({ option: "--stanza", message: "must be a stanza name (the cluster's scope)" });
    return pods.length ? { containers: pods, stanza: values.stanza, kubernetes } : { containers, stanza: values.stanza };
}

/** Reports a failure past argument checks: the reason, no stack trace (it is the engine or the cluster). */
function failed(sub: string, io: Io, json: boolean, error: string, unanswered: Unanswered[] = []): number {
    if (json) io.out(JSON.stringify({ error, unanswered }, null, 2));
    else io.err([`pgscale backup ${sub}: ${error}`, ...unanswered.map((u) => `  ${u.container}: ${u.error}`)].join("\n"));
    return EXIT.failure;
}

/** What the members are called on their platform, in messages. */
const kind = (args: ReadArgs) => (args.kubernetes ? "pod" : "container");

/** kubectl's exec for pods, else the engine's; or the failure already reported. */
function execOrFail(sub: string, io: Io, json: boolean, args: ReadArgs): ContainerExec | number {
    if (args.kubernetes) return kubectlExec(args.kubernetes);
    const exec = engineExec();
    return typeof exec === "function" ? exec : failed(sub, io, json, exec.error);
}

type AnsweringMember = NonNullable<Awaited<ReturnType<typeof firstMember>>["member"]>;

/** list, status and verify: the same options, then the first member that answers, and its stanza. */
function readCommand(sub: "list" | "status" | "verify", run: (exec: ContainerExec, member: AnsweringMember, stanza: string, args: ReadArgs, io: Io, json: boolean) => Promise<number>) {
    return defineCommand({
        name: `backup ${sub}`,
        summary: "",
        usage: USAGE,
        options: shared,
        toArgs(values): { args: ReadArgs } | { errors: UsageError[] } {
            const errors: UsageError[] = [];
            const args = sharedArgs(values, errors);
            return errors.length ? { errors } : { args };
        },
        async execute(args, io, json) {
            const exec = execOrFail(sub, io, json, args);
            if (typeof exec === "number") return exec;
            const { member, unanswered } = await firstMember(exec, args.containers);
            if (!member) return failed(sub, io, json, `no ${kind(args)} answered with a backup configuration`, unanswered);
            return run(exec, member, args.stanza ?? member.config.stanza, args, io, json);
        },
    });
}

const listCommand = readCommand("list", async (exec, member, stanza, _args, io, json) => {
    try {
        const info = await readInfo(exec, member.container, stanza);
        io.out(json ? JSON.stringify({ container: member.container, ...info }, null, 2) : renderBackupList(member.container, info));
        return EXIT.ok;
    } catch (err) {
        return failed("list", io, json, err instanceof Error ? err.message : String(err));
    }
});

const statusCommand = readCommand("status", async (exec, _member, stanza, args, io, json) => {
    const { container, report } = await backupReport(exec, args.containers, stanza);
    io.out(json ? JSON.stringify({ container, stanza, ...report }, null, 2) : renderBackupStatus(container, stanza, report));
    return report.status === "critical" ? EXIT_CRITICAL : EXIT.ok;
});

const runCommand = defineCommand({
    name: "backup run",
    summary: "",
    usage: USAGE,
    options: { ...shared, type: { type: "string" } },
    toArgs(values): { args: RunArgs } | { errors: UsageError[] } {
        const errors: UsageError[] = [];
        const base = sharedArgs(values, errors);
        const type = values.type ?? "incr";
        if (!(BACKUP_KINDS as readonly string[]).includes(type)) errors.push({ option: "--type", message: `must be ${BACKUP_KINDS.join(", ")}` });
        return errors.length ? { errors } : { args: { ...base, type: type as BackupKind } };
    },
    async execute(args, io, json) {
        const exec = execOrFail("run", io, json, args);
        if (typeof exec === "number") return exec;
        const { acting: primary, others } = await findActing(exec, args.containers);
        if (!primary) return failed("run", io, json, `refused: none of the given ${kind(args)}s is the member that takes the backups (the first streaming replica, else the primary)`, others);
        const stanza = args.stanza ?? primary.config.stanza;
        if (stanza !== primary.config.stanza) return failed("run", io, json, `refused: --stanza ${stanza}: a member backs up its own cluster's stanza (${primary.config.stanza})`);
        try {
            const before = await readInfo(exec, primary.container, stanza);
            if (!json) io.err(`pgscale backup run: ${args.type} backup of stanza ${stanza} on ${primary.container} (${primary.standby ? "a streaming replica" : "the primary"})...`);
            const startedAt = Date.now();
            const r = await runBackup(exec, primary, args.type);
            const seconds = (Date.now() - startedAt) / 1000;
            const output = `${r.stdout}${r.stderr}`.trim();
            // Exit 5: another member holds the backup lease (its backup runs); the scheduler names it.
            if (r.exitCode === BACKUP_LEASE_HELD) return failed("run", io, json, `refused: ${output}`);
            if (r.exitCode !== 0) return failed("run", io, json, `${args.type} backup on ${primary.container} failed (exit ${r.exitCode}): ${output || "no output"}`);
            const [backup] = addedBackups(before, await readInfo(exec, primary.container, stanza)).slice(-1);
            if (json) io.out(JSON.stringify({ container: primary.container, fromStandby: primary.standby, stanza, requestedType: args.type, seconds, backup: backup ?? null, output }, null, 2));
            else {
                io.out([
                    ...(output ? [output, ""] : []),
                    `pgscale backup run: ${backup ? `${backup.type} backup ${backup.label}` : "backup (not in pgbackrest info afterwards)"} done on ${primary.container} in ${formatDuration(seconds)}`,
                    ...(backup ? ["", ...renderBackupTable([backup])] : []),
                ].join("\n"));
            }
            return EXIT.ok;
        } catch (err) {
            return failed("run", io, json, err instanceof Error ? err.message : String(err));
        }
    },
});

const verifyCommand = readCommand("verify", async (exec, member, stanza, args, io, json) => {
    try {
        const { primary, others } = await findPrimary(exec, args.containers);
        if (!primary) return failed("verify", io, json, `none of the given ${kind(args)}s is the primary, where pgbackrest check runs: give every member`, others);
        if (!json) io.err(`pgscale backup verify: reading every file of stanza ${stanza}'s repository in ${member.container}...`);
        const repository = await verifyRepository(exec, member.container, stanza);
        const startedAt = Date.now();
        const r = await checkArchive(exec, primary, stanza);
        const check = { container: primary.container, ok: r.exitCode === 0, seconds: (Date.now() - startedAt) / 1000, output: r.exitCode === 0 ? "" : `exit ${r.exitCode}: ${errorLine(r.stderr || r.stdout)}` };
        const problems = verifyProblems(repository);
        const result = { container: member.container, stanza, repository, problems, check };
        io.out(json ? JSON.stringify(result, null, 2) : renderVerify(result));
        return problems.length || !check.ok ? EXIT_CRITICAL : EXIT.ok;
    } catch (err) {
        return failed("verify", io, json, err instanceof Error ? err.message : String(err));
    }
});

interface DrillArgs extends ReadArgs {
    spec: RestoreDrillSpec;
}

/** --time/--lsn/--name and the rest as the RestoreDrill spec, with errors named by option. */
function drillSpec(values: Record<string, string | undefined>, errors: UsageError[]): RestoreDrillSpec | undefined {
    const given = (["time", "lsn", "name"] as const).filter((k) => values[k] !== undefined);
    if (given.length > 1) errors.push({ option: `--${given[1]}`, message: `cannot be combined with --${given[0]}: a restore has one target` });
    const number = (option: string, v: string | undefined) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!(Number.isFinite(n) && n > 0)) errors.push({ option, message: "must be a positive number of seconds" });
        return n;
    };
    const objectives = { restoreSeconds: number("--restore-seconds", values["restore-seconds"]), rpoSeconds: number("--rpo-seconds", values["rpo-seconds"]) };
    const input = {
        ...(given.length === 1 ? { target: { [given[0]]: values[given[0]] } } : {}),
        ...(values.database !== undefined ? { database: values.database } : {}),
        ...(values.check !== undefined ? { check: values.check } : {}),
        objectives: Object.fromEntries(Object.entries(objectives).filter(([, v]) => v !== undefined && Number.isFinite(v) && v > 0)),
    };
    const parsed = restoreDrillSpec.safeParse(input);
    if (parsed.success) return parsed.data;
    // The spec's fields, as the options that set them.
    const option = (path: PropertyKey[]) => (path[0] === "target" ? `--${given[0]}` : `--${String(path[0])}`);
    for (const i of parsed.error.issues) errors.push({ option: option(i.path), message: i.message });
    return undefined;
}

const drillCommand = defineCommand({
    name: "backup drill",
    summary: "",
    usage: USAGE,
    options: { ...shared, time: { type: "string" }, lsn: { type: "string" }, name: { type: "string" }, database: { type: "string" }, check: { type: "string" }, "restore-seconds": { type: "string" }, "rpo-seconds": { type: "string" } },
    toArgs(values): { args: DrillArgs } | { errors: UsageError[] } {
        const errors: UsageError[] = [];
        const base = sharedArgs(values, errors);
        const spec = drillSpec(values as Record<string, string | undefined>, errors);
        return errors.length || !spec ? { errors } : { args: { ...base, spec } };
    },
    async execute(args, io, json) {
        const exec = execOrFail("drill", io, json, args);
        if (typeof exec === "number") return exec;
        // The throwaway restore: a pod beside the members on Kubernetes, else a container on the engine.
        const docker = args.kubernetes ? undefined : engineDrill();
        if (docker && "error" in docker) return failed("drill", io, json, docker.error);
        const { member, unanswered } = await firstMember(exec, args.containers);
        if (!member) return failed("drill", io, json, `no ${kind(args)} answered with a backup configuration`, unanswered);
        if (!json) io.err(`pgscale backup drill: restoring the repository of ${member.container} into a throwaway ${kind(args)}...`);
        try {
            const stanza = args.stanza ?? member.config.stanza;
            const outcome = docker ? await drillMember(docker, exec, member, stanza, args.spec) : await drillInPod(args.kubernetes!, exec, member, stanza, args.spec);
            io.out(json ? JSON.stringify(outcome, null, 2) : renderDrill(outcome, args.spec.check));
            return outcome.shortfalls.length ? EXIT_CRITICAL : EXIT.ok;
        } catch (err) {
            return failed("drill", io, json, err instanceof Error ? err.message : String(err));
        }
    },
});

const SUBCOMMANDS: Record<string, Command> = { list: listCommand, status: statusCommand, run: runCommand, verify: verifyCommand, drill: drillCommand };

/** `pgscale backup list | status | run | verify | drill`. */
export const backupCommand: Command = {
    name: "backup",
    summary: "a cluster's pgBackRest backups: list them, check they keep up, take one now, verify the repository, drill a restore",
    usage: USAGE,
    options: [...new Set(Object.values(SUBCOMMANDS).flatMap((c) => c.options))],
    async run(argv: string[], io: Io) {
        const [sub, ...rest] = argv;
        const command = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
        if (command) return command.run(rest, io);
        if (sub === "--help" || sub === "-h") {
            io.out(USAGE);
            return EXIT.ok;
        }
        io.err(`pgscale backup: ${sub === undefined ? "name a subcommand (list, status, run, verify, drill)" : `unknown subcommand "${sub}"`}\n\n${USAGE}`);
        return EXIT.usage;
    },
};
