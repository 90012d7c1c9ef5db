// Backups with pgBackRest on a real cluster: the scheduler takes the first full backup by itself,
// every WAL segment reaches the repository (and keeps reaching it from the new primary after a
// SIGKILL failover), and the repository restores, in a throwaway container of the same image,
// to exactly the rows written before the last archived segment.
import { spawn, spawnSync } from "child_process";
import { Stack } from "@pulumi/pulumi/automation";
import { DEFAULT_IMAGES, parseSchedulerStatus } from "@pgscale/core";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { asSuperuser, eventually, query } from "../support/pg";
import { clusterMembers, leaderName, restCall } from "../support/patroni";
import { pgscaleCli } from "../support/cli";

jest.setTimeout(15 * 60 * 1000);

interface Outputs {
    primaryUri: string;
    superuserPassword: string;
    scope: string;
    backupVolume: string;
    backupPassphrase: string;
    restApiPassword: string;
    members: Array<{ name: string; container: string; restUrl: string }>;
}

describe("backup: pgBackRest archive, scheduled full backup, restore", () => {
    const name = uniqueStackName("backup");
    let stack: Stack | undefined;
    let out: Outputs;
    let su: string;
    let t1: string;

    /** pgBackRest as the postgres user inside a member. */
    const pgbackrest = (container: string, ...args: string[]) => docker("exec", "-u", "postgres", container, "pgbackrest", `--stanza=${out.scope}`, ...args);
    const containerOf = async () => {
        const leader = (await leaderName(out.members.map((m) => m.restUrl)))!;
        return out.members.find((m) => m.name === leader)!;
    };
    /** Switches WAL on the primary and waits until the finished segment is in the repository. */
    const archived = async () => {
        const [{ wal }] = await query<{ wal: string }>(su, "SELECT pg_walfile_name(pg_switch_wal()) AS wal");
        try {
            await eventually(async () => {
                const [{ last }] = await query<{ last: string | null }>(su, "SELECT last_archived_wal AS last FROM pg_stat_archiver");
                return last !== null && last >= wal;
            }, 60000, `segment ${wal} archived`);
        } catch (e) {
            // Why: the archiver's counters, and pgBackRest's archive-push logs and the scheduler's in the primary.
            const primary = await containerOf();
            const [stats] = await query(su, "SELECT * FROM pg_stat_archiver");
            const logs = docker("exec", primary.container, "sh", "-c", "tail -n 15 /var/log/pgbackrest/*archive-push* 2>&1; true");
            const own = spawnSync("docker", ["logs", "--tail", "40", primary.container], { encoding: "utf8" });
            throw new Error(`${(e as Error).message}\non ${primary.name}: ${JSON.stringify(stats)}\n${logs}\n${own.stdout}${own.stderr}`);
        }
        return wal;
    };
    /**
     * What a restore drill does: restore the repository's latest backup and archive into a throwaway
     * container (no network, the repository read-only), let PostgreSQL replay to the end of the
     * archive, and count the marked rows. The configuration comes on stdin, never in argv or env.
     */
    const restoreAndCount = (): { rows: Record<string, number>; seconds: number } => {
        const conf = [
            "[global]", "repo1-path=/var/lib/pgbackrest", "repo1-cipher-type=aes-256-cbc", `repo1-cipher-pass=${out.backupPassphrase}`,
            "log-level-console=warn", "spool-path=/tmp/spool", "lock-path=/tmp/lock",
            // The members' data directory: Patroni's postgresql.conf, restored with it, names files there.
            `[${out.scope}]`, "pg1-path=/var/lib/postgresql/data/pg17", "",
        ].join("\n");
        const script = [
            "set -eu", "umask 077", "cat > /tmp/pgbackrest.conf", "mkdir -p /tmp/spool",
            `pgbackrest --config=/tmp/pgbackrest.conf --stanza=${out.scope} --archive-mode=off restore`,
            "pg_ctl -D /var/lib/postgresql/data/pg17 -l /tmp/pg.log -w -t 120 -o \"-c port=5433 -c listen_addresses='' -c unix_socket_directories=/tmp -c archive_mode=off -c ssl=off\" start >/dev/null || { tail -20 /tmp/pg.log >&2; exit 1; }",
            // Replay to the end of the archive, then promotion (no target: the default).
            "for i in $(seq 1 240); do [ \"$(psql -h /tmp -p 5433 -XAtc 'SELECT pg_is_in_recovery()' postgres)\" = f ] && break; sleep 0.5; done",
            "psql -h /tmp -p 5433 -XAtc \"SELECT phase || '=' || count(*) FROM marks GROUP BY phase ORDER BY phase\" appdb",
        ].join("\n");
        const startedAt = Date.now();
        const res = spawnSync("docker", ["run", "--rm", "-i", "--network", "none", "-v", `${out.backupVolume}:/var/lib/pgbackrest:ro`,
            "--entrypoint", "/bin/sh", DEFAULT_IMAGES["patroni-17"], "-c", script], { input: conf, encoding: "utf8" });
        if (res.status !== 0) throw new Error(`restore failed (exit ${res.status}): ${res.stderr}\n${res.stdout}`);
        const rows = Object.fromEntries(res.stdout.trim().split("\n").filter(Boolean).map((l) => l.split("=")).map(([k, v]) => [k, Number(v)]));
        return { rows, seconds: (Date.now() - startedAt) / 1000 };
    };
    /** The primary's scheduler's last pgbackrest check, once there is one after `since` (epoch seconds). */
    const checkOf = async (container: string, since = 0) => {
        try {
            return await eventually(async () => {
                const c = JSON.parse(docker("exec", container, "cat", "/tmp/pgscale-backup-status.json")).lastCheck;
                return c && c.at > since ? c : undefined;
            }, 60000, `pgbackrest check by the scheduler of ${container}`, 1000);
        } catch (e) {
            // Why: what the scheduler wrote, and what it and Patroni logged.
            const status = spawnSync("docker", ["exec", container, "cat", "/tmp/pgscale-backup-status.json"], { encoding: "utf8" });
            const own = spawnSync("docker", ["logs", "--tail", "60", container], { encoding: "utf8" });
            throw new Error(`${(e as Error).message}\nstatus: ${status.stdout}${status.stderr}\n${own.stdout}${own.stderr}`);
        }
    };
    const mark = async (phase: string, n: number) =>
        query(out.primaryUri, "INSERT INTO marks (phase, n) SELECT $1, g FROM generate_series(1, $2) g ON CONFLICT DO NOTHING", [phase, n]);

    beforeAll(async () => {
        stack = await fixtureStack("backup", name);
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        su = asSuperuser(out.primaryUri, out.superuserPassword, "appdb");
        await query(out.primaryUri, "CREATE TABLE marks (phase text NOT NULL, n int NOT NULL, PRIMARY KEY (phase, n))");
    });
    afterAll(async () => {
        await destroyAndRemove(stack);
        if (out?.backupVolume) spawnSync("docker", ["volume", "rm", out.backupVolume]);
    });

    it("takes the first full backup by itself, and archives WAL from the primary", async () => {
        const leader = await containerOf();
        const info = await eventually(async () => {
            const doc = JSON.parse(pgbackrest(leader.container, "--output=json", "info"));
            return doc[0]?.backup?.length ? doc[0] : undefined;
        }, 180000, "the scheduler's first full backup", 2000);
        expect(info.status.code).toBe(0);
        expect(info.backup.map((b: any) => b.type)).toEqual(["full"]);
        // The repository is encrypted with the generated passphrase.
        expect(info.cipher).toBe("aes-256-cbc");
        // The scheduler that took it (the first streaming replica's, or the primary's when none streamed yet) says what it did.
        const statuses = out.members.map((m) => JSON.parse(docker("exec", m.container, "cat", "/tmp/pgscale-backup-status.json")));
        expect(statuses.map((st) => st.lastSuccess).filter(Boolean)).toEqual([expect.objectContaining({ kind: "full", ok: true })]);
        // The primary's scheduler ran pgbackrest check once the stanza existed: its archive reaches the repository.
        expect(await checkOf(leader.container)).toMatchObject({ member: leader.name, ok: true });
        await mark("after-full", 100);
        // pgBackRest picks a time target's backup by whole seconds (a set counts when it stopped in an
        // earlier second): take the point after the second the full backup stopped in.
        const stopMs = info.backup[0].timestamp.stop * 1000;
        await new Promise((r) => setTimeout(r, Math.max(0, stopMs + 1000 - Date.now() + 50)));
        // The point a restore to a time stops at: after those rows, before the next ones.
        [{ t1 }] = await query<{ t1: string }>(su, `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t1`);
        await new Promise((r) => setTimeout(r, 1100));
        await mark("after-t1", 30);
        await archived();
        pgbackrest(leader.container, "check");
    });

    it("restores the repository in a throwaway container to every row written before the last archived segment", async () => {
        const { rows, seconds } = restoreAndCount();
        console.log(`restore of the latest backup + archive: ${seconds.toFixed(1)} s, rows ${JSON.stringify(rows)}`);
        expect(rows).toEqual({ "after-full": 100, "after-t1": 30 });
    });

    it("a repository that refuses writes never stops the cluster: commits go on, doctor reports the failing archive, archiving resumes", async () => {
        const leader = await containerOf();
        const archiveCheck = async () => {
            const r = await pgscaleCli("doctor", "--primary-uri", su, "--json");
            return (JSON.parse(r.stdout).findings as Array<{ check: string; severity: string; detail: string }>).find((f) => f.check === "replication.archive")!;
        };
        expect(await archiveCheck()).toMatchObject({ severity: "ok", detail: expect.stringContaining("segments archived") });
        // The repository's archive directory made unwritable, as a full or broken repository would be.
        docker("exec", "-u", "postgres", leader.container, "chmod", "-R", "a-w", `/var/lib/pgbackrest/archive/${out.scope}`);
        try {
            await mark("while-failing", 20);
            await query(su, "SELECT pg_switch_wal()");
            const failing = await eventually(async () => {
                const f = await archiveCheck();
                return f.severity !== "ok" ? f : undefined;
            }, 60000, "doctor to see archiving fail", 1000);
            expect(failing).toMatchObject({ severity: "warning", detail: expect.stringMatching(/^archiving fails: /) });
            // Commits are unaffected.
            await mark("while-failing", 40);
        } finally {
            docker("exec", "-u", "postgres", leader.container, "chmod", "-R", "u+w", `/var/lib/pgbackrest/archive/${out.scope}`);
        }
        await archived();
        expect(await archiveCheck()).toMatchObject({ severity: "ok" });
    });

    it("creates a new replica from the repository, not from the primary, and it streams", async () => {
        await stack!.setConfig("nodes", { value: "4" });
        const res = await stack!.up({ onOutput: () => undefined });
        out = plainOutputs(res.outputs) as Outputs;
        const added = out.members.find((m) => m.name === "pg-3")!;
        const log = spawnSync("docker", ["logs", added.container], { encoding: "utf8" });
        expect(`${log.stdout}${log.stderr}`).toContain("replica has been created using pgbackrest");
        const [{ n }] = await query<{ n: string }>(su, "SELECT count(*) AS n FROM pg_stat_replication WHERE application_name = 'pg-3' AND state = 'streaming'");
        expect(Number(n)).toBe(1);
    });

    it("keeps archiving from the new primary after a SIGKILL failover, and a restore replays across the timeline change", async () => {
        const old = await containerOf();
        const killedAt = Date.now() / 1000;
        docker("kill", "--signal", "KILL", old.container);
        await eventually(async () => {
            await mark("after-failover", 50);
            return true;
        }, 90000, "a write through primaryUri after the failover", 500);
        const fresh = await containerOf();
        expect(fresh.name).not.toBe(old.name);
        const wal = await archived();
        // The new timeline's segment, archived from the new primary into the same stanza.
        expect(Number.parseInt(wal.slice(0, 8), 16)).toBeGreaterThan(1);
        pgbackrest(fresh.container, "check");
        // ...and its scheduler checked by itself once it was the primary.
        expect(await checkOf(fresh.container, killedAt)).toMatchObject({ member: fresh.name, ok: true });
        const { rows } = restoreAndCount();
        expect(rows).toEqual({ "after-failover": 50, "after-full": 100, "after-t1": 30, "while-failing": 40 });
    });

    it("keeps archiving through a switchover: the new primary's scheduler checks the archive again", async () => {
        const from = await containerOf();
        // The failover before left replicas that may still be following the new primary: a candidate
        // is one that streams from it.
        const to = (await eventually(async () => (await clusterMembers(from.restUrl))
            .find((m) => m.role === "sync_standby" || (m.role === "replica" && m.state === "streaming")), 60000, "a streaming replica to switch over to", 500))!;
        const startedAt = Date.now() / 1000;
        const res = await restCall(from.restUrl, "/switchover", { method: "POST", body: { leader: from.name, candidate: to.name }, auth: { username: "patroni", password: out.restApiPassword }, timeoutMs: 60000 });
        expect({ status: res.status, text: res.text }).toMatchObject({ status: 200 });
        const fresh = (await eventually(async () => {
            const c = await containerOf().catch(() => undefined);
            return c && c.name === to.name ? c : undefined;
        }, 60000, `${to.name} leading after the switchover`))!;
        await eventually(async () => (await query(su, "SELECT 1"), true), 60000, "a query through primaryUri after the switchover", 500);
        const wal = await archived();
        expect(wal.slice(0, 8)).not.toBe("00000001");
        expect(await checkOf(fresh.container, startedAt)).toMatchObject({ member: to.name, ok: true });
        pgbackrest(fresh.container, "check");
    });

    it("restores into a new HA cluster to a point in time: the rows before it, with the new cluster's own passwords", async () => {
        await stack!.setConfig("restoreTime", { value: t1 });
        const startedAt = Date.now();
        const res = await stack!.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        const copy = plainOutputs(res.outputs) as { copyPrimaryUri: string; copyMembers: Array<{ name: string; restUrl: string }> };
        console.log(`restore to ${t1} into a new 2-member cluster: pulumi up ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
        // The generated owner password of the new cluster logs in: the source's is not the one.
        expect(new URL(copy.copyPrimaryUri).password).not.toBe(new URL(out.primaryUri).password);
        const rows = await query<{ phase: string; n: string }>(copy.copyPrimaryUri, "SELECT phase, count(*) AS n FROM marks GROUP BY phase ORDER BY phase");
        expect(rows.map((r) => `${r.phase}=${r.n}`)).toEqual(["after-full=100"]);
        // An ordinary HA cluster: writable, its replica streams (up waited for it).
        await query(copy.copyPrimaryUri, "INSERT INTO marks VALUES ('in-copy', 1)");
        const leader = await leaderName(copy.copyMembers.map((m) => m.restUrl));
        expect(copy.copyMembers.map((m) => m.name)).toContain(leader);
    });

    it("a restore that cannot succeed fails up naming the field: before any member exists, or at the first failed attempt", async () => {
        try {
            await badRestores();
        } finally {
            await stack!.removeConfig("badRestore");
        }
    });
    /** Three clusters restored from pg's repository that cannot be: how and when each `up` fails. */
    const badRestores = async () => {
        const badUp = async (badRestore: object) => {
            await stack!.setConfig("badRestore", { value: JSON.stringify(badRestore) });
            const startedAt = Date.now();
            const message = await stack!.up({ onOutput: () => undefined }).then(() => "succeeded", (e: Error) => e.message);
            return { message, seconds: (Date.now() - startedAt) / 1000, endedAt: Date.now() };
        };
        const badContainers = () => docker("ps", "-a", "--quiet", "--filter", `label=pgscale.stack=${name}`, "--filter", "name=-bad-").split("\n").filter(Boolean);
        // Read off the repository by a throwaway container: no member of the cluster is created.
        const early = await badUp({ target: { time: "2020-01-01T00:00:00Z" } });
        expect(early.message).toMatch(/PatroniCluster bad: invalid input\s+- bootstrap\.fromBackup\.target\.time: is before the oldest backup \(\d{8}-\d{6}F, ended [^)]+\): the restorable range is /);
        expect(badContainers()).toEqual([]);
        // A wrong passphrase decrypts the info files to bytes as random as their salt, which pgBackRest
        // fails to read as a FormatError (whichever ini rule they break) or a CryptoError.
        const passphrase = await badUp({ passphrase: "not-the-passphrase" });
        expect(passphrase.message).toMatch(/PatroniCluster bad: invalid input\s+- bootstrap\.fromBackup\.passphrase: pgBackRest: other: \[(FormatError|CryptoError)\] unable to load info file/);
        expect(badContainers()).toEqual([]);
        // Past the end of the archive: pgBackRest restores, PostgreSQL's recovery ends short of the
        // target, and up fails at that first attempt with PostgreSQL's message, not at a timeout.
        const late = await badUp({ target: { lsn: "FF/0" } });
        const [member] = badContainers();
        const afterCreate = (late.endedAt - Date.parse(docker("inspect", "-f", "{{.Created}}", member))) / 1000;
        console.log(`restore failures: up refused before creation in ${early.seconds.toFixed(1)} s and ${passphrase.seconds.toFixed(1)} s; `
            + `up failed ${afterCreate.toFixed(1)} s after the member was created (${late.seconds.toFixed(1)} s in all)`);
        expect(late.message).toMatch(/PatroniCluster bad: the restore from the backup failed on [\w-]+-bad-0: bootstrap\.fromBackup\.target: PostgreSQL: recovery ended before configured recovery target was reached/);
        // From the member's creation: its start, the restore, the replay, PostgreSQL's FATAL, and the
        // end of `up`; not the 300 s readiness timeout the cluster's readiness wait gives up after.
        expect(afterCreate).toBeLessThan(90);
    };

    it("a RestoreDrill restores the latest backup on up and reports its figures; a missed objective fails the update naming it", async () => {
        await stack!.setConfig("drill", { value: "true" });
        const res = await stack!.up({ onOutput: () => undefined });
        const drill = plainOutputs(res.outputs) as { drillRestoreSeconds: number; drillCheck: string; drillLossWindowSeconds: number; drillBackupSet: string };
        console.log(`RestoreDrill: ${drill.drillBackupSet} restored in ${drill.drillRestoreSeconds} s, loss window ${drill.drillLossWindowSeconds} s, check ${drill.drillCheck}`);
        // Every row but the one written in the copy cluster: 100 + 30 + 40 + 50.
        expect(drill.drillCheck).toBe("220");
        expect(drill.drillRestoreSeconds).toBeGreaterThan(0);
        expect(drill.drillBackupSet).toMatch(/^\d{8}-\d{6}F$/);
        // The drill leaves no container behind.
        expect(docker("ps", "-a", "--quiet", "--filter", "label=pgscale.role=restore-drill")).toBe("");
        await stack!.setConfig("drillRestoreSeconds", { value: "0.01" });
        const failed = await stack!.up({ onOutput: () => undefined }).then(() => "succeeded", (e: Error) => e.message);
        expect(failed).toMatch(/RestoreDrill drill: restored \d{8}-\d{6}F in [\d.]+ s, but objectives\.restoreSeconds: the restore took [\d.]+ s, over the objective of 0\.01 s/);
    });

    /** `--container` for each name, as an operator passes a cluster's members. */
    const flags = (containers: string[]) => containers.flatMap((c) => ["--container", c]);
    /** The members' containers that run now (the one SIGKILLed above may have stayed down). */
    const running = () => out.members.map((m) => m.container).filter((c) => docker("inspect", "-f", "{{.State.Running}}", c) === "true");
    /** PIDs in a member of the processes whose command line starts with `prefix`. */
    const pidsOf = (container: string, prefix: string) => docker("exec", "-u", "postgres", container, "sh", "-c",
        `for p in /proc/[0-9]*; do tr '\\0' ' ' < $p/cmdline 2>/dev/null | grep -q '^${prefix}' && echo \${p#/proc/}; done; true`).split("\n").filter(Boolean);

    it("pgscale backup list shows the repository's backups, sizes and WAL, and the range a restore reaches", async () => {
        const r = await pgscaleCli("backup", "list", ...flags(out.members.map((m) => m.container)), "--json");
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        const info = JSON.parse(r.stdout);
        expect(info).toMatchObject({ stanza: out.scope, status: { code: 0, message: "ok" }, cipher: "aes-256-cbc" });
        expect(info.backups[0]).toMatchObject({ type: "full", label: expect.stringMatching(/^\d{8}-\d{6}F$/), walStart: expect.stringMatching(/^[0-9A-F]{24}$/) });
        expect(info.backups[0].databaseBytes).toBeGreaterThan(info.backups[0].repositoryBytes);
        expect(info.restorable).toEqual({ from: info.backups[0].stoppedAt, newestBackupStop: info.backups.at(-1).stoppedAt, toWal: info.archive.max });
        const text = await pgscaleCli("backup", "list", ...flags(running()));
        expect(text.stdout).toMatch(new RegExp(`^stanza ${out.scope} \\(read in \\S+\\): ok\n\nLabel +Type +Started +Stopped +Duration +DB size +Backup size +WAL start +WAL stop\n`));
        expect(text.stdout).toContain(`\n${info.backups[0].label}  `);
    });

    it("pgscale backup verify reads every file of the repository and checks the archive from the primary; a damaged file is critical, named by its backup", async () => {
        const verify = async () => {
            const r = await pgscaleCli("backup", "verify", ...flags(running()), "--json");
            return { code: r.code, result: JSON.parse(r.stdout) };
        };
        const leader = await containerOf();
        const whole = await verify();
        expect(whole.code).toBe(0);
        expect(whole.result).toMatchObject({ stanza: out.scope, problems: [], check: { container: leader.container, ok: true }, repository: { status: "ok" } });
        const labels = whole.result.repository.backups.map((b: { label: string }) => b.label);
        expect(labels.length).toBeGreaterThan(0);
        expect(whole.result.repository.backups.every((b: { status: string; filesChecked: number; filesValid: number }) => b.status === "valid" && b.filesChecked > 0 && b.filesValid === b.filesChecked)).toBe(true);
        expect(whole.result.repository.archives[0].walChecked).toBeGreaterThan(0);
        // One file of the newest backup damaged in place (its bytes kept, and put back after).
        const label = labels.at(-1);
        const dir = `/var/lib/pgbackrest/backup/${out.scope}/${label}`;
        const file = docker("exec", "-u", "postgres", leader.container, "sh", "-c", `find ${dir} -type f ! -name 'backup.manifest*' -size +1k | sort | head -1`);
        expect(file).toMatch(new RegExp(`^${dir}/`));
        docker("exec", "-u", "postgres", leader.container, "sh", "-c", `cp -p ${file} /tmp/verify-orig && printf XXXXXXXX | dd of=${file} bs=1 seek=200 conv=notrunc 2>/dev/null`);
        try {
            const damaged = await verify();
            expect(damaged.code).toBe(3);
            expect(damaged.result.repository.status).toBe("error");
            expect(damaged.result.problems).toEqual([expect.stringMatching(new RegExp(`^backup ${label}: invalid, `))]);
            const text = await pgscaleCli("backup", "verify", ...flags(running()));
            expect(text.code).toBe(3);
            expect(text.stdout).toContain(`CRITICAL: backup ${label}: invalid, `);
        } finally {
            docker("exec", "-u", "postgres", leader.container, "sh", "-c", `cp -p /tmp/verify-orig ${file} && rm /tmp/verify-orig`);
        }
        expect((await verify()).code).toBe(0);
    });

    /** The member whose scheduler takes the backups (the first streaming replica, else the primary), as the schedulers choose it. */
    const actingMember = () => {
        const choice = JSON.parse(docker("exec", "-u", "postgres", running()[0], "python3", "/usr/local/bin/pgscale-backup-scheduler", "/etc/pgscale/backup.json", "which"));
        return out.members.find((m) => m.name === choice.acting)!;
    };

    it("pgscale backup run takes a backup on a streaming replica, which reads the data files; the primary only starts and stops it", async () => {
        const leader = await containerOf();
        const acting = actingMember();
        expect(acting.name).not.toBe(leader.name);
        const others = running().filter((c) => c !== acting.container);
        const r = await pgscaleCli("backup", "run", ...flags([...others, acting.container]), "--type", "full", "--json");
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        const taken = JSON.parse(r.stdout);
        expect(taken).toMatchObject({ container: acting.container, fromStandby: true, stanza: out.scope, requestedType: "full", backup: { type: "full", label: expect.stringMatching(/^\d{8}-\d{6}F$/) } });
        const list = JSON.parse((await pgscaleCli("backup", "list", ...flags(others), "--json")).stdout);
        expect(list.backups.at(-1)).toEqual(taken.backup);
        // pgBackRest's log of that backup, in the replica: it waited for the standby to replay to the
        // backup's start, read every relation file locally, and fetched from the primary's server
        // (host-prefixed) only files PostgreSQL does not replicate, such as pg_control.
        const log = docker("exec", "-u", "postgres", acting.container, "cat", `/var/log/pgbackrest/${out.scope}-backup.log`);
        const run = log.slice(log.lastIndexOf("backup command begin"));
        expect(run).toContain("--backup-standby");
        expect(run).toMatch(/INFO: replay on the standby reached /);
        const files = run.split("\n").filter((l) => / backup file /.test(l));
        const relations = files.filter((l) => /\/base\/\d+\/\d+ /.test(l));
        expect(relations.length).toBeGreaterThan(100);
        expect(relations.filter((l) => / backup file [\w-]+:\//.test(l))).toEqual([]);
        expect(files.filter((l) => l.includes(` backup file ${leader.name}:`)).join("\n")).toContain("/global/pg_control ");
        const refused = await pgscaleCli("backup", "run", "--container", leader.container);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/^pgscale backup run: refused: none of the given containers is the member that takes the backups/);
        expect(refused.stderr).toContain(`\n  ${leader.container}: ${leader.name}: the backups are taken on ${acting.name}`);
    });

    it("one backup at a time across members: while another member holds the backup lease in etcd, neither a run nor the schedule starts one", async () => {
        const acting = actingMember();
        const other = out.members.find((m) => m.name !== acting.name && running().includes(m.container))!;
        // What a scheduler that believes it acts does first (a view change seen half-done on its
        // side): take the lease, with the image's own module, from another member; held until stdin closes.
        const hold = [
            "import sys, time", "sys.path[:0] = ['/usr/local/lib/pgscale']", "import pgscale_dcs as d",
            "e = d.PatroniEtcd('/etc/patroni/patroni.yml'); lease = d.Lease(e.call, e.key(d.LEASE_KEY), 30)",
            "print('holder:', lease.take({'member': sys.argv[1], 'kind': 'full', 'startedAt': time.time()}), flush=True)",
            "sys.stdin.read(); lease.release(); print('released', flush=True)",
        ].join("\n");
        const holder = spawn("docker", ["exec", "-i", "-u", "postgres", other.container, "python3", "-c", hold, other.name], { stdio: ["pipe", "pipe", "inherit"] });
        let said = "";
        holder.stdout.on("data", (b) => { said += b; });
        const ended = new Promise((r) => holder.on("exit", r));
        const due = "/tmp/backup-lease-test.json";
        try {
            await eventually(async () => said.includes("holder: None"), 30000, "the lease taken in another member", 100);
            const r = await pgscaleCli("backup", "run", ...flags([acting.container]), "--type", "incr");
            expect(r.code).toBe(1);
            expect(r.stderr).toMatch(new RegExp(`\\npgscale backup run: refused: ${acting.name} did not start the incr backup: the backup lease is held by ${other.name} \\(full backup since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\)`));
            // The acting member's schedule, with an incr due at once (and no second metrics port or
            // pgBackRest server in the member): it does not back up, and says who holds the lease.
            docker("exec", "-u", "postgres", acting.container, "python3", "-c",
                "import json; c = json.load(open('/etc/pgscale/backup.json')); c['intervals']['incr'] = 1; c['statusFile'] = '/tmp/backup-lease-status.json'; "
                + `[c.pop(k, None) for k in ('metricsPort', 'standbyOptions', 'drill')]; json.dump(c, open('${due}', 'w'))`);
            docker("exec", "-d", "-u", "postgres", acting.container, "sh", "-c", `python3 /usr/local/bin/pgscale-backup-scheduler ${due} > /tmp/backup-lease.log 2>&1`);
            const refused = await eventually(async () => {
                const st = docker("exec", "-u", "postgres", acting.container, "sh", "-c", "cat /tmp/backup-lease-status.json 2>/dev/null || true");
                // The file as `pgscale backup status` reads it (its backup.lease finding).
                return st ? parseSchedulerStatus(st, "backup-lease-status.json").lastRefusal : undefined;
            }, 30000, "the scheduler's refusal", 250);
            expect(refused).toMatchObject({ kind: "incr", holder: { member: other.name, kind: "full" } });
            expect(docker("exec", acting.container, "cat", "/tmp/backup-lease.log"))
                .toContain(`pgscale-backup: ${acting.name} did not start the incr backup: the backup lease is held by ${other.name} (full backup since `);
        } finally {
            const own = pidsOf(acting.container, `python3 /usr/local/bin/pgscale-backup-scheduler ${due}`);
            if (own.length) docker("exec", "-u", "postgres", acting.container, "kill", ...own);
            holder.stdin.end();
            await ended;
        }
        expect(said).toContain("released");
        // Released: the next run takes it.
        const r = await pgscaleCli("backup", "run", ...flags([acting.container]), "--type", "incr", "--json");
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    });

    it("pgscale backup status is ok while backups keep up, critical naming pgBackRest's error once a scheduled run fails", async () => {
        const names = running();
        const status = async () => {
            const r = await pgscaleCli("backup", "status", ...flags(names), "--json");
            return { code: r.code, report: JSON.parse(r.stdout) as { status: string; findings: Array<{ check: string; severity: string; detail: string }> } };
        };
        const healthy = await status();
        // Backups keep up; the scheduled drill (the fixture's objective of 0.5 s no restore meets) is
        // the one critical finding, with its figures.
        expect(healthy.report.findings.filter((f) => f.severity !== "ok")).toEqual([{
            severity: "critical", check: "backup.drill",
            detail: expect.stringMatching(/^the last scheduled drill restored \d{8}-\d{6}F\S* in [\d.]+ s at \S+ on \S+; restorable point \S+ \(loss window \d+ s\), check "\d+", but objectives\.restoreSeconds: the restore took [\d.]+ s, over the objective of 0\.5 s$/),
            fix: expect.any(String),
        }]);
        expect(healthy.code).toBe(3);
        expect(healthy.report.findings.map((f) => f.check)).toEqual(["backup.repository", "backup.full", "backup.archive", "backup.scheduler", "backup.check", "backup.drill"]);
        // The drill's figures: the rpo objective (3600 s) met, the restore one missed.
        const { drill } = healthy.report as unknown as { drill: { ok: boolean; restoreSeconds: number; lossWindowSeconds: number; shortfalls: string[]; checkResult: string } };
        console.log(`scheduled drill: restored in ${drill.restoreSeconds} s, loss window ${drill.lossWindowSeconds} s`);
        expect(drill).toMatchObject({ ok: true, shortfalls: [expect.stringMatching(/^objectives\.restoreSeconds: /)] });
        expect(Number(drill.checkResult)).toBeGreaterThanOrEqual(3);
        // doctor shows the same findings in its backups area.
        const doc = JSON.parse((await pgscaleCli("doctor", "--primary-uri", su, ...names.flatMap((c) => ["--backup-container", c]), "--json")).stdout);
        expect(doc.findings.filter((f: { area: string }) => f.area === "backups").map((f: { check: string; severity: string }) => `${f.check}=${f.severity}`))
            .toEqual(["backup.repository=ok", "backup.full=ok", "backup.archive=ok", "backup.scheduler=ok", "backup.check=ok", "backup.drill=critical"]);

        // A scheduled run that fails for real: the repository's backup directory refuses writes, and
        // the acting member's scheduler is replaced by one whose incr is due at once (same status file).
        const leader = actingMember();
        const SCHEDULER = "python3 /usr/local/bin/pgscale-backup-scheduler";
        const own = pidsOf(leader.container, `${SCHEDULER} /etc/pgscale/backup.json`);
        expect(own).toHaveLength(1);
        docker("exec", "-u", "postgres", leader.container, "kill", ...own);
        docker("exec", "-u", "postgres", leader.container, "python3", "-c",
            "import json; c = json.load(open('/etc/pgscale/backup.json')); c['intervals']['incr'] = 1; json.dump(c, open('/tmp/backup-due.json', 'w'))");
        docker("exec", "-u", "postgres", leader.container, "chmod", "-R", "a-w", `/var/lib/pgbackrest/backup/${out.scope}`);
        docker("exec", "-d", "-u", "postgres", leader.container, "python3", "/usr/local/bin/pgscale-backup-scheduler", "/tmp/backup-due.json");
        try {
            const failing = await eventually(async () => {
                const s = await status();
                return s.report.findings.some((f) => f.check === "backup.scheduler" && f.severity === "critical") ? s : undefined;
            }, 120000, "backup status to report the failed scheduled run", 2000);
            expect(failing!.code).toBe(3);
            expect(failing!.report.findings.filter((f) => f.severity === "critical" && f.check !== "backup.drill")).toEqual([{
                severity: "critical", check: "backup.scheduler",
                detail: expect.stringMatching(new RegExp(`^the last scheduled run failed: incr backup at \\S+ on ${leader.container}: .*ERROR: \\[047\\]: unable to create path '/var/lib/pgbackrest/backup/${out.scope}/.*Permission denied$`)),
                fix: expect.stringContaining("pgscale backup run"),
            }]);
            const text = await pgscaleCli("backup", "status", ...flags(names));
            expect(text.code).toBe(3);
            expect(text.stdout).toMatch(/^pgscale backup status: CRITICAL \(2 critical, 0 warning, 4 ok\)/);
        } finally {
            docker("exec", "-u", "postgres", leader.container, "kill", ...pidsOf(leader.container, `${SCHEDULER} /tmp/backup-due.json`));
            docker("exec", "-u", "postgres", leader.container, "chmod", "-R", "u+w", `/var/lib/pgbackrest/backup/${out.scope}`);
            docker("exec", "-d", "-u", "postgres", leader.container, "python3", "/usr/local/bin/pgscale-backup-scheduler", "/etc/pgscale/backup.json");
        }
    });

    it("pgscale backup drill restores the repository into a throwaway container and reports the window; a missed objective is critical", async () => {
        const names = running();
        const before = docker("ps", "-aq", "--filter", "label=pgscale.role=restore-drill");
        const r = await pgscaleCli("backup", "drill", ...flags(names), "--check", "SELECT count(*) FROM pg_database", "--json");
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        const d = JSON.parse(r.stdout);
        const list = JSON.parse((await pgscaleCli("backup", "list", ...flags(names), "--json")).stdout);
        // The newest backup set, restored to the end of the archive: the restorable point is the last
        // commit replayed, or the set's start when none was (pgBackRest's times are whole seconds).
        expect(d).toMatchObject({ container: names[0], stanza: out.scope, backupSet: list.backups.at(-1).label, shortfalls: [] });
        expect(Number(d.checkResult)).toBeGreaterThanOrEqual(3);
        expect(d.restoreSeconds).toBeGreaterThan(0);
        expect(Date.parse(d.restorablePoint)).toBeGreaterThanOrEqual(Date.parse(list.backups.at(-1).startedAt) - 1000);
        expect(d.lossWindowSeconds).toBeGreaterThanOrEqual(0);
        // An objective no restore meets: exit 3, the figures named; the throwaway containers are gone.
        const missed = await pgscaleCli("backup", "drill", ...flags(names), "--restore-seconds", "0.001");
        expect(missed.code).toBe(3);
        expect(missed.stdout).toMatch(/^pgscale backup drill: restored \S+ of stanza \S+ \(repository of \S+\) in .+\n/);
        expect(missed.stdout).toMatch(/CRITICAL: objectives\.restoreSeconds: the restore took [\d.]+ s, over the objective of 0\.001 s/);
        expect(docker("ps", "-aq", "--filter", "label=pgscale.role=restore-drill")).toBe(before);
    });

    it("pgscale backup drill recovers to a restore point (--name) and to an LSN (--lsn): the rows before it, none after", async () => {
        const names = running();
        await mark("before-point", 5);
        const [{ lsn }] = await query<{ lsn: string }>(su, "SELECT pg_create_restore_point('pgscale-e2e-point')::text AS lsn");
        await mark("after-point", 7);
        await archived();
        const count = "SELECT count(*) FILTER (WHERE phase = 'before-point') || '/' || count(*) FILTER (WHERE phase = 'after-point') FROM marks";
        for (const target of [["--name", "pgscale-e2e-point"], ["--lsn", lsn]]) {
            const r = await pgscaleCli("backup", "drill", ...flags(names), ...target, "--database", "appdb", "--check", count, "--json");
            expect({ target, code: r.code, stderr: r.stderr }).toEqual({ target, code: 0, stderr: "" });
            expect({ target, check: JSON.parse(r.stdout).checkResult }).toEqual({ target, check: "5/0" });
        }
    });

    it("retention.full 2: a third full backup expires the oldest full and the WAL only it needed; the two newest stay restorable", async () => {
        const list = async () => JSON.parse((await pgscaleCli("backup", "list", ...flags(running()), "--json")).stdout);
        const before = await list();
        const fulls = before.backups.filter((b: { type: string }) => b.type === "full").map((b: { label: string }) => b.label);
        expect(fulls.length).toBe(2);
        const r = await pgscaleCli("backup", "run", ...flags(running()), "--type", "full", "--json");
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
        const taken = JSON.parse(r.stdout).backup.label;
        const after = await list();
        // The oldest full and what depends on it are gone; the kept fulls are the previous newest and the new one.
        expect(after.backups.filter((b: { type: string }) => b.type === "full").map((b: { label: string }) => b.label)).toEqual([fulls[1], taken]);
        expect(after.backups.every((b: { label: string }) => !b.label.startsWith(fulls[0]))).toBe(true);
        const oldest = after.backups[0];
        expect(oldest.label).toBe(fulls[1]);
        expect(after.archive.min > before.archive.min).toBe(true);
        expect(after.archive.min <= oldest.walStart).toBe(true);
        expect(after.restorable.from).toBe(oldest.stoppedAt);
    });

    it("keeps the repository volume when the stack is destroyed, and it restores with every member and data volume gone; the copy's, removalPolicy destroy, goes", async () => {
        const dataVolumes = docker("volume", "ls", "--quiet", "--filter", `label=pgscale.stack=${name}`).split("\n").filter((v) => v && v !== out.backupVolume);
        expect(dataVolumes.length).toBeGreaterThan(0);
        // The restored copy backs up into a repository of its own, which its removalPolicy deletes with it.
        const copyRepository = plainOutputs(await stack!.outputs()).copyBackupVolume as string;
        expect(dataVolumes).toContain(copyRepository);
        await destroyAndRemove(stack);
        stack = undefined;
        expect(docker("volume", "ls", "--quiet", "--filter", `name=^${out.backupVolume}$`)).toBe(out.backupVolume);
        for (const v of dataVolumes) expect(docker("volume", "ls", "--quiet", "--filter", `name=^${v}$`)).toBe("");
        expect(docker("ps", "-a", "--quiet", "--filter", `label=pgscale.stack=${name}`)).toBe("");
        // Nothing of the cluster left but its repository: every acknowledged row archived before the end is there.
        expect(restoreAndCount().rows).toEqual({ "after-failover": 50, "after-full": 100, "after-point": 7, "after-t1": 30, "before-point": 5, "while-failing": 40 });
    });
});
