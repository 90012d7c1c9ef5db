// archive-lag: how far the archive trails the writes under a steady write load. One member of
// bench/ha/fixture with `backup` (rpoSeconds --rpo, default 10, so archive_timeout 10s); pgbench's
// TPC-B-like writes (4 clients, 30 s) in the member, while the member's own clock, its current WAL
// position and pg_stat_archiver's last archived segment are sampled every 250 ms (psql on the local
// socket). A sample's lag is the time until the segment holding its WAL position was archived
// (bench/report/archive-lag.ts); a round's figure is its largest lag. pgscale: the archive_command a
// PatroniCluster with `backup` sets (pgBackRest's asynchronous archive-push into the encrypted,
// compressed repository). By hand: `cp` of each segment into a directory of the same disk, set
// through Patroni's dynamic configuration for the baseline's rounds. Target: the largest lag within
// archive_timeout + 5 s.
import { spawn } from "child_process";
import { docker } from "../harness/probe";
import { alternate } from "../harness/rounds";
import { newStack, pulumi, removeStack } from "../harness/pulumi";
import { archiveLags, ArchiveSample } from "../report/archive-lag";
import { median } from "../report/stats";
import { FIXTURE, stackReady } from "./ha-up";
import type { Benchmark, BenchOutput } from "./registry";

const COPY_DIR = "/var/lib/postgresql/data/bench-archive";
const LOAD_SECONDS = 30;

export const archiveLag: Benchmark = {
    name: "archive-lag",
    describe: "how far WAL archiving trails a pgbench write load: pgBackRest's asynchronous push as pgscale sets it vs cp to the same disk (--rpo, default 10 s)",
    async run(ctx): Promise<BenchOutput> {
        const rpo = Number(ctx.options.rpo ?? 10);
        const stack = newStack(FIXTURE, { nodes: 1, ttl: 20, loopWait: 1, retryTimeout: 3, pooler: false, backup: true, rpoSeconds: rpo });
        const sp = `pgscale-bench-ha-${stack}`;
        const member = `${sp}-pg-0`;
        const sh = (script: string) => docker("exec", "-u", "postgres", member, "sh", "-c", script);
        const sql = (q: string) => docker("exec", "-u", "postgres", member, "psql", "-XAtq", "-c", q, "postgres");
        // The archive_command in force, once Patroni has applied a change to the dynamic configuration.
        const useArchiveCommand = async (command: string) => {
            docker("exec", "-u", "postgres", member, "patronictl", "-c", "/etc/patroni/patroni.yml", "edit-config", "--force", "-s", `postgresql.parameters.archive_command=${command}`);
            for (let i = 0; sql("SHOW archive_command") !== command; i++) {
                if (i > 100) throw new Error(`archive_command not applied: ${command}`);
                await new Promise((r) => setTimeout(r, 200));
            }
        };
        // Everything written so far archived, so that a round starts from an empty backlog.
        const settle = async () => {
            const done = sql("SELECT pg_walfile_name(pg_switch_wal())");
            for (let i = 0; (sql("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") || "") < done; i++) {
                if (i > 600) throw new Error(`segment ${done} not archived after 120 s`);
                await new Promise((r) => setTimeout(r, 200));
            }
        };
        let segmentBytes = 16 * 1024 * 1024;
        const tps: Record<"pgscale" | "baseline", number[]> = { pgscale: [], baseline: [] };
        const spread: Record<"pgscale" | "baseline", Record<string, unknown>[]> = { pgscale: [], baseline: [] };
        const round = async (side: "pgscale" | "baseline") => {
            await settle();
            const sampler = spawn("docker", ["exec", "-u", "postgres", member, "sh", "-c",
                `end=$(( $(date +%s) + ${LOAD_SECONDS + rpo + 15} )); while [ "$(date +%s)" -lt "$end" ]; do ` +
                `psql -XAtF' ' -c "SELECT extract(epoch FROM clock_timestamp()), pg_current_wal_lsn(), coalesce(last_archived_wal, '-') FROM pg_stat_archiver" postgres; sleep 0.25; done`]);
            let out = "";
            sampler.stdout.on("data", (d) => (out += d));
            const ended = new Promise((r) => sampler.on("exit", r));
            const from = Number(sql("SELECT extract(epoch FROM clock_timestamp())"));
            const bench = sh(`pgbench -n -c 4 -j 2 -T ${LOAD_SECONDS} postgres 2>&1`);
            const to = Number(sql("SELECT extract(epoch FROM clock_timestamp())"));
            await ended;
            const samples: ArchiveSample[] = out.trim().split("\n").map((l) => l.split(" ")).map(([t, lsn, wal]) => ({ t: Number(t), lsn, lastArchived: wal === "-" ? null : wal }));
            const { lags, unarchived } = archiveLags(samples, segmentBytes, from, to);
            if (unarchived) throw new Error(`${side}: ${unarchived} samples' WAL not archived ${rpo + 15} s after the load ended`);
            tps[side].push(Math.round(Number(/tps = ([\d.]+)/.exec(bench)?.[1] ?? NaN)));
            spread[side].push({ samples: lags.length, medianLagS: Math.round(median(lags) * 100) / 100 });
            return Math.max(...lags);
        };
        try {
            pulumi(FIXTURE, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
            await stackReady(sp, 0, Date.now());
            // Archiving needs the stanza, which the scheduler creates before the first full backup.
            for (let i = 0; !/"type":"full"/.test(docker("exec", "-u", "postgres", member, "pgbackrest", "--stanza=pg", "--output=json", "info")); i++) {
                if (i > 300) throw new Error("no first full backup after 300 s");
                await new Promise((r) => setTimeout(r, 1000));
            }
            segmentBytes = Number(sql("SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'"));
            const pgscaleCommand = sql("SHOW archive_command");
            const copyCommand = `test ! -f ${COPY_DIR}/%f && cp %p ${COPY_DIR}/%f`;
            sh(`mkdir -p ${COPY_DIR} && pgbench -i -q -s 10 postgres >/dev/null 2>&1`);
            const samples = await alternate(ctx.rounds, {
                pgscale: async () => { await useArchiveCommand(pgscaleCommand); return round("pgscale"); },
                baseline: async () => { await useArchiveCommand(copyCommand); return round("baseline"); },
            }, (m) => ctx.log(`archive lag ${m}`));
            const settings = { nodes: 1, load: `pgbench -n -c 4 -j 2 -T ${LOAD_SECONDS} (TPC-B-like), scale 10`, archive_timeout: `${rpo}s`, sampleEveryMs: 250 };
            return {
                rows: [{
                    id: "archive-lag", title: `largest archive lag under a write load (archive_timeout ${rpo}s)`, unit: "s",
                    measure: "per round, the largest time from a sample of the WAL position until the segment holding it was archived (pg_stat_archiver), in the member",
                    pgscale: { label: "pgBackRest async archive-push", how: pgscaleCommand, settings, observed: [], samples: samples.pgscale },
                    baseline: { label: "cp to the same disk", how: copyCommand, settings, observed: [], samples: samples.baseline },
                    target: { on: "pgscaleMax", max: rpo + 5 },
                }],
                notes: [
                    `pgbench tps per round: pgscale ${tps.pgscale.join(", ")}; cp ${tps.baseline.join(", ")}.`,
                    `Median lag per round (s): pgscale ${spread.pgscale.map((s) => s.medianLagS).join(", ")}; cp ${spread.baseline.map((s) => s.medianLagS).join(", ")}.`,
                    `A segment is archived whole: a sample waits for its segment to fill (or archive_timeout to switch it) and then for the push; wal_segment_size ${segmentBytes / 1048576} MB.`,
                ],
            };
        } finally {
            removeStack(FIXTURE, stack);
            docker("volume", "rm", `${sp}-pg-backup`);
        }
    },
};
