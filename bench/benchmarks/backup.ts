// backup: a full backup and its restore, of a pgbench database of scale S (--scale, default 140:
// about 2 GB), on one server. The server is the single member of a bench/ha/fixture stack with
// `backup` (pgBackRest as pgscale configures it: zstd level 1, aes-256-cbc, small files bundled,
// start-fast, the repository on its engine volume, backup.processes at its default). pgscale:
// `pgbackrest --type=full backup` in the member, the command the scheduler and
// `pgscale backup run --type full` run; restore: `pgbackrest restore`
// into an empty directory. By hand: `pg_basebackup -Fp -X stream -c fast` of the same server to a
// directory of the member's data volume (the same disk), and its restore: copying that directory
// (`cp -a`) into an empty one. The sides alternate on the same data in every round; the bytes each
// wrote are read back (observed).
import { docker } from "../harness/probe";
import { alternate, timed } from "../harness/rounds";
import { newStack, pulumi, removeStack } from "../harness/pulumi";
import type { Row } from "../harness/types";
import { FIXTURE, stackReady } from "./ha-up";
import type { Benchmark, BenchOutput } from "./registry";

const SCRATCH = "/var/lib/postgresql/data/bench-backup";

export const backup: Benchmark = {
    name: "backup",
    describe: "full backup and restore of a pgbench database (--scale, default 140 ~ 2 GB): pgscale's pgBackRest vs pg_basebackup and a copy, same server and disk",
    async run(ctx): Promise<BenchOutput> {
        const scale = Number(ctx.options.scale ?? 140);
        // Replication over the member's socket for pg_basebackup (pgscale's rules allow it over TCP with the replication user only).
        const stack = newStack(FIXTURE, { nodes: 1, ttl: 20, loopWait: 1, retryTimeout: 3, pooler: false, backup: true, pgHba: ["local replication postgres peer"] });
        const sp = `pgscale-bench-ha-${stack}`;
        const member = `${sp}-pg-0`;
        const sh = (script: string) => docker("exec", "-u", "postgres", member, "sh", "-c", script);
        const pgbackrest = (...args: string[]) => docker("exec", "-u", "postgres", member, "pgbackrest", "--stanza=pg", ...args);
        try {
            pulumi(FIXTURE, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
            await stackReady(sp, 0, Date.now());
            // The scheduler's first full backup of the empty cluster, then the data.
            for (let i = 0; !/"type":"full"/.test(pgbackrest("--output=json", "info")); i++) {
                if (i > 300) throw new Error("no first full backup after 300 s");
                await new Promise((r) => setTimeout(r, 1000));
            }
            ctx.log(`loading pgbench scale ${scale}`);
            sh(`pgbench -i -q -s ${scale} postgres >/dev/null 2>&1 && psql -Xq -c CHECKPOINT postgres`);
            const databaseMB = Number(sh("psql -XAtc \"SELECT pg_database_size('postgres') / 1048576\" postgres"));
            const observed: Record<"backup" | "restore", Record<"pgscale" | "baseline", Record<string, unknown>[]>> = {
                backup: { pgscale: [], baseline: [] }, restore: { pgscale: [], baseline: [] },
            };
            const observedLevel3: Record<string, unknown>[] = [];
            const observedUnbundled: Record<string, unknown>[] = [];
            const restoreSamples: Record<"pgscale" | "baseline", number[]> = { pgscale: [], baseline: [] };
            const mb = (dir: string) => Number(sh(`du -sm ${dir} | cut -f1`));
            const repoBytes = () => Number(JSON.parse(pgbackrest("--output=json", "info"))[0].backup.slice(-1)[0].info.repository.delta);
            const samples = await alternate(ctx.rounds, {
                pgscale: async () => {
                    const s = timed(() => pgbackrest("--type=full", "backup"));
                    observed.backup.pgscale.push({ databaseMB, writtenMB: Math.round(repoBytes() / 1048576) });
                    // Its restore into an empty directory on the same disk.
                    sh(`rm -rf ${SCRATCH} && mkdir -p -m 0700 ${SCRATCH}`);
                    restoreSamples.pgscale.push(timed(() => pgbackrest(`--pg1-path=${SCRATCH}`, "--archive-mode=off", "restore")));
                    observed.restore.pgscale.push({ databaseMB, restoredMB: mb(SCRATCH) });
                    sh(`rm -rf ${SCRATCH}`);
                    return s;
                },
                // The same backup at pgBackRest's own default level (3), to show what pgscale's level 1 saves.
                level3: async () => {
                    const s = timed(() => pgbackrest("--type=full", "--compress-level=3", "backup"));
                    observedLevel3.push({ databaseMB, writtenMB: Math.round(repoBytes() / 1048576) });
                    return s;
                },
                // The same backup with each file a repository file of its own, to show what bundling saves.
                unbundled: async () => {
                    const s = timed(() => pgbackrest("--type=full", "--no-repo1-bundle", "backup"));
                    observedUnbundled.push({ databaseMB, writtenMB: Math.round(repoBytes() / 1048576) });
                    return s;
                },
                baseline: async () => {
                    sh(`rm -rf ${SCRATCH} && mkdir -p ${SCRATCH}`);
                    const s = timed(() => sh(`pg_basebackup -h /var/run/postgresql -U postgres -D ${SCRATCH}/copy -Fp -X stream -c fast`));
                    observed.backup.baseline.push({ databaseMB, writtenMB: mb(`${SCRATCH}/copy`) });
                    restoreSamples.baseline.push(timed(() => sh(`mkdir -m 0700 ${SCRATCH}/restored && cp -a ${SCRATCH}/copy/. ${SCRATCH}/restored/ && sync`)));
                    observed.restore.baseline.push({ databaseMB, restoredMB: mb(`${SCRATCH}/restored`) });
                    sh(`rm -rf ${SCRATCH}`);
                    return s;
                },
            }, (m) => ctx.log(m));
            const settings = { nodes: 1, pgbenchScale: scale, kind: "full", checkpoint: "fast", disk: "the same engine volume disk" };
            // pgBackRest's processes as the member's configuration sets them (backup.processes); pg_basebackup has one.
            const conf = (key: string, otherwise: string) => sh(`sed -n 's/^${key}=//p' /etc/pgbackrest/pgbackrest.conf`) || otherwise;
            const processMax = conf("process-max", "1");
            // The compression as the member's configuration sets it (pgBackRest's defaults otherwise).
            const compression = `${conf("compress-type", "gz")} level ${conf("compress-level", "default")}`;
            const bundled = conf("repo1-bundle", "n") === "y" ? "small files bundled" : "a repository file per file";
            const rows: Row[] = [
                {
                    id: "backup-full", title: `Full backup, pgbench scale ${scale} (${databaseMB} MB)`, unit: "s",
                    measure: "the backup command, start to exit, in the member",
                    pgscale: { label: "pgscale (pgBackRest)", how: `pgbackrest --type=full backup (${compression}, aes-256-cbc, process-max ${processMax}, ${bundled}, expire after)`, settings, observed: observed.backup.pgscale, samples: samples.pgscale },
                    baseline: { label: "pg_basebackup", how: "pg_basebackup -Fp -X stream -c fast (uncompressed copy)", settings, observed: observed.backup.baseline, samples: samples.baseline },
                    target: { on: "ratioOfMedians", max: 1.0 },
                },
                {
                    id: "backup-compress-level", title: `Full backup at ${compression} (pgscale) against zst level 3 (pgBackRest's default), ${databaseMB} MB`, unit: "s",
                    measure: "the backup command, start to exit, in the member",
                    pgscale: { label: "pgscale (pgBackRest)", how: `pgbackrest --type=full backup (${compression})`, settings, observed: observed.backup.pgscale, samples: samples.pgscale },
                    baseline: { label: "pgBackRest, zstd level 3", how: "pgbackrest --type=full --compress-level=3 backup (the member's configuration otherwise)", settings, observed: observedLevel3, samples: samples.level3 },
                },
                {
                    id: "backup-bundle", title: `Full backup with small files bundled (pgscale) against a repository file per file (pgBackRest's default), ${databaseMB} MB`, unit: "s",
                    measure: "the backup command, start to exit, in the member",
                    pgscale: { label: "pgscale (pgBackRest)", how: `pgbackrest --type=full backup (${bundled})`, settings, observed: observed.backup.pgscale, samples: samples.pgscale },
                    baseline: { label: "pgBackRest, unbundled", how: "pgbackrest --type=full --no-repo1-bundle backup (the member's configuration otherwise)", settings, observed: observedUnbundled, samples: samples.unbundled },
                },
                {
                    id: "backup-restore", title: `Restore of that backup into an empty directory (${databaseMB} MB)`, unit: "s",
                    measure: "the restore command, start to exit (the files in place; PostgreSQL not started)",
                    pgscale: { label: "pgscale (pgBackRest)", how: `pgbackrest restore --pg1-path=<empty dir> (process-max ${processMax})`, settings, observed: observed.restore.pgscale, samples: restoreSamples.pgscale },
                    baseline: { label: "copy", how: "cp -a of the pg_basebackup copy, then sync", settings, observed: observed.restore.baseline, samples: restoreSamples.baseline },
                },
            ];
            return {
                rows,
                notes: [
                    `One server, ${databaseMB} MB (pgbench -i -s ${scale}); each round takes one backup of each kind (and one at zstd level 3, one unbundled) and restores the first two. pgBackRest compresses (${compression}) and encrypts what it writes; pg_basebackup writes the files as they are, so its copy is larger on disk (writtenMB).`,
                ],
            };
        } finally {
            removeStack(FIXTURE, stack);
            // The repository volume outlives the stack by design; the benchmark's is removed.
            docker("volume", "rm", `${sp}-pg-backup`);
        }
    },
};
