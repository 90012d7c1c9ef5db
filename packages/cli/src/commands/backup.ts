import { BACKUP_KINDS, BackupKind, addedBackups, backupFindings, formatDuration } from "@pgscale/core";
import { Command, defineCommand } from "../command";
import { ContainerExec, Unanswered, engineExec, findPrimary, firstMember, readInfo, readSchedulers, runBackup } from "../backup/members";
import { EXIT, Io } from "../io";
import { UsageError } from "../options";
import { renderBackupList, renderBackupStatus, renderBackupTable } from "../render/backup-text";
import { EXIT_CRITICAL } from "./doctor";

const USAGE = `usage: pgscale backup list --container NAME [--container NAME]... [--stanza STANZA] [--json]
       pgscale backup status --container NAME [--container NAME]... [--stanza STANZA] [--json]
       pgscale backup run --container NAME [--container NAME]... [--type full|diff|incr]
                          [--stanza STANZA] [--json]

The backups of a PatroniCluster with \`backup\` (Docker), read and taken with pgBackRest inside its
member containers (as postgres, through the Docker engine at DOCKER_HOST, else the local socket).

  list     the repository's backups (type, times, sizes, WAL range) and the range a restore can reach
  status   is the repository kept up to date: a backup of each scheduled kind within its interval,
           the last scheduled run, the archive; findings with their fixes, like pgscale doctor
  run      takes a backup now on the member that is the running primary (Patroni's own answer in
           each container); refused when none of the given containers is

  --container NAME   a member's container; repeatable. list and status use the first that answers
                     (status also reads every one's scheduler status); run looks for the primary
  --stanza STANZA    the stanza; default: the cluster's scope, from /etc/pgscale/backup.json
  --type KIND        run only: full, diff or incr (default incr; pgBackRest takes a full instead
                     when the repository has none)
  --json             print the result (or the errors) as JSON
  -h, --help         this help

Exit status: 0 done (status: no critical finding), 3 status found a critical finding,
1 no container answered or the backup failed, 2 invalid options.`;

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

interface ReadArgs {
    containers: string[];
    stanza?: string;
}

interface RunArgs extends ReadArgs {
    type: BackupKind;
}

const shared = { container: { type: "string", multiple: true }, stanza: { type: "string" } } as const;

function sharedArgs(values: { container?: string[]; stanza?: string }, errors: UsageError[]): ReadArgs {
    const containers = values.container ?? [];
    if (!containers.length) errors.push({ option: "--container", message: "is required (a member container of the cluster)" });
    for (const c of containers) if (!NAME.test(c)) errors.push({ option: "--container", message: `${JSON.stringify(c)} is not a container name or ID` });
    if (values.stanza !== undefined && !NAME.test(values.stanza)) errors.push({ option: "--stanza", message: "must be a stanza name (the cluster's scope)" });
    return { containers, stanza: values.stanza };
}

/** Reports a failure past argument checks: the reason, no stack trace (it is the engine or the cluster). */
function failed(sub: string, io: Io, json: boolean, error: string, unanswered: Unanswered[] = []): number {
    if (json) io.out(JSON.stringify({ error, unanswered }, null, 2));
    else io.err([`pgscale backup ${sub}: ${error}`, ...unanswered.map((u) => `  ${u.container}: ${u.error}`)].join("\n"));
    return EXIT.failure;
}

/** The engine's exec, or the failure already reported. */
function execOrFail(sub: string, io: Io, json: boolean): ContainerExec | number {
    const exec = engineExec();
    return typeof exec === "function" ? exec : failed(sub, io, json, exec.error);
}

type AnsweringMember = NonNullable<Awaited<ReturnType<typeof firstMember>>["member"]>;

/** list and status: the same options, then the first member that answers, and its stanza. */
function readCommand(sub: "list" | "status", run: (exec: ContainerExec, member: AnsweringMember, stanza: string, args: ReadArgs, io: Io, json: boolean) => Promise<number>) {
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
            const exec = execOrFail(sub, io, json);
            if (typeof exec === "number") return exec;
            const { member, unanswered } = await firstMember(exec, args.containers);
            if (!member) return failed(sub, io, json, "no container answered with a backup configuration", unanswered);
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

const statusCommand = readCommand("status", async (exec, member, stanza, args, io, json) => {
    // A repository pgBackRest cannot read is the worst finding, not a failure of this command.
    const info = await readInfo(exec, member.container, stanza).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
    const schedulers = await readSchedulers(exec, args.containers, member.config.statusFile);
    const report = backupFindings({ info, intervals: member.config.intervals, checkSeconds: member.config.checkSeconds, schedulers }, new Date());
    io.out(json ? JSON.stringify({ container: member.container, stanza, ...report }, null, 2) : renderBackupStatus(member.container, stanza, report));
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
        const exec = execOrFail("run", io, json);
        if (typeof exec === "number") return exec;
        const { primary, others } = await findPrimary(exec, args.containers);
        if (!primary) return failed("run", io, json, "refused: none of the given containers is the running primary (backups are taken on the primary)", others);
        const stanza = args.stanza ?? primary.config.stanza;
        try {
            const before = await readInfo(exec, primary.container, stanza);
            if (!json) io.err(`pgscale backup run: ${args.type} backup of stanza ${stanza} on ${primary.container} (the primary)...`);
            const startedAt = Date.now();
            const r = await runBackup(exec, primary, stanza, args.type);
            const seconds = (Date.now() - startedAt) / 1000;
            const output = `${r.stdout}${r.stderr}`.trim();
            if (r.exitCode !== 0) return failed("run", io, json, `${args.type} backup on ${primary.container} failed (exit ${r.exitCode}): ${output || "no output"}`);
            const [backup] = addedBackups(before, await readInfo(exec, primary.container, stanza)).slice(-1);
            if (json) io.out(JSON.stringify({ container: primary.container, stanza, requestedType: args.type, seconds, backup: backup ?? null, output }, null, 2));
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

const SUBCOMMANDS: Record<string, Command> = { list: listCommand, status: statusCommand, run: runCommand };

/** `pgscale backup list | status | run`. */
export const backupCommand: Command = {
    name: "backup",
    summary: "a cluster's pgBackRest backups: list them, check they keep up, take one now",
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
        io.err(`pgscale backup: ${sub === undefined ? "name a subcommand (list, status, run)" : `unknown subcommand "${sub}"`}\n\n${USAGE}`);
        return EXIT.usage;
    },
};
