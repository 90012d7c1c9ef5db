import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { ChaosCluster } from "./cluster";
import { checkWrites, WriteCheck } from "./checks";
import { collapse, isSubsequence, overlappingPrimaries, primaryRuns, RoleSampler } from "./roles";
import { Reader, Writer } from "./workload";
import { sleep } from "@pgscale/core";

/** PGSCALE_CHAOS_FULL=1: the long form (20 SIGKILL cycles and more); default: the bounded form CI runs. */
export const FULL = process.env.PGSCALE_CHAOS_FULL === "1";

export interface ScenarioRun {
    name: string;
    writers: Writer[];
    reader?: Reader;
    startedAt: number;
}

/** What a scenario measured and checked; written to the results file and docs/reliability.md. */
export interface ScenarioRecord {
    scenario: string;
    mode: "ci" | "full";
    injected: string;
    cycles: number;
    startedAt: string;
    durationMs: number;
    acknowledgedWrites: number;
    failedOperations: number;
    retries: number;
    missingAcknowledged: number;
    duplicated: number;
    overlappingPrimaries: number;
    /** Longest time without an acknowledged write, per writer. */
    longestWriteGapMs: Record<string, number>;
    [k: string]: unknown;
}

export interface ScenarioOutcome {
    check: WriteCheck;
    overlaps: ReturnType<typeof overlappingPrimaries>;
    /** Members that committed the scenario's rows, in commit order, repeats collapsed. */
    sources: string[];
    /** Members seen as primary during the scenario, in order, repeats collapsed. */
    primaries: string[];
    /** Every committed row came from the member that was primary then (sources follow primaries). */
    sourcesFollowPrimaries: boolean;
    record: ScenarioRecord;
}

export class Harness {
    readonly records: ScenarioRecord[] = [];
    /** Scenarios begun and not (yet) ended: a failed one stays here and goes into the results file. */
    private readonly unfinished = new Set<string>();
    private readonly active = new Set<ScenarioRun>();

    constructor(readonly c: ChaosCluster, readonly roles: RoleSampler) {}

    /** Writers through primaryUri (and poolerUri), optionally a reader through replicaUri; started once each acknowledged some writes. */
    async begin(name: string, opts: { pooler?: boolean; reader?: boolean } = {}): Promise<ScenarioRun> {
        this.unfinished.add(name);
        await this.c.cluster.waitForHealthy({ timeoutMs: 180_000 });
        const writers = [new Writer("haproxy", this.c.primaryUri, name).start()];
        if (opts.pooler) writers.push(new Writer("pgbouncer", this.c.poolerUri, name).start());
        const reader = opts.reader ? new Reader(this.c.replicaUri, this.c.primaryUri).start() : undefined;
        const run = { name, writers, reader, startedAt: Date.now() };
        this.active.add(run);
        await Promise.all(writers.map((w) => w.waitForAcks(20, 60_000)));
        run.startedAt = Date.now();
        return run;
    }

    /** After recovery: more writes must go through, then everything stops and is checked. */
    async end(run: ScenarioRun, fields: Omit<Partial<ScenarioRecord>, "scenario"> & { injected: string; cycles: number }): Promise<ScenarioOutcome> {
        try {
            await Promise.all(run.writers.map((w) => w.waitForAcks(20, 120_000)));
        } finally {
            await this.stop(run);
        }
        const endedAt = Date.now();
        const firstAck = Math.min(...run.writers.map((w) => w.acked[0]?.startedAt ?? endedAt));
        // The probes sample every 200 ms; a little margin on both sides.
        await sleep(500);
        const samples = this.roles.between(firstAck - 1000, endedAt + 500);
        const check = await checkWrites(this.c.primaryUri, run.name, run.writers);
        const overlaps = overlappingPrimaries(samples);
        const sources = collapse(check.rows.map((r) => r.source));
        const primaries = collapse(primaryRuns(samples).map((r) => r.member));
        const record: ScenarioRecord = {
            scenario: run.name,
            mode: FULL ? "full" : "ci",
            startedAt: new Date(run.startedAt).toISOString(),
            durationMs: endedAt - run.startedAt,
            acknowledgedWrites: check.acknowledged,
            failedOperations: run.writers.reduce((n, w) => n + w.failures.length, 0),
            retries: run.writers.reduce((n, w) => n + w.retries.length, 0),
            missingAcknowledged: check.missing.length,
            duplicated: check.duplicated.length,
            overlappingPrimaries: overlaps.length,
            longestWriteGapMs: Object.fromEntries(run.writers.map((w) => [w.name, w.longestGapMs(run.startedAt, endedAt)])),
            ...fields,
        };
        if (run.reader) {
            record.reads = run.reader.reads.length;
            record.failedReads = run.reader.failures.length;
        }
        const failures = run.writers.flatMap((w) => w.failures.map((f) => `${w.name}: ${f.message}`));
        process.stderr.write(`chaos: ${JSON.stringify(record)}${failures.length ? `\nchaos: failures: ${[...new Set(failures)].slice(0, 5).join(" | ")}` : ""}\n`);
        this.records.push(record);
        this.unfinished.delete(run.name);
        return { check, overlaps, sources, primaries, sourcesFollowPrimaries: isSubsequence(sources, primaries), record };
    }

    private async stop(run: ScenarioRun): Promise<void> {
        this.active.delete(run);
        await Promise.all(run.writers.map((w) => w.stop()));
        await run.reader?.stop();
    }

    /** Stops the clients of a scenario that failed before end(): the next one starts clean. */
    async stopAll(): Promise<void> {
        for (const run of [...this.active]) await this.stop(run);
    }

    /** Raw figures: PGSCALE_CHAOS_OUT if set (docs/reliability.md cites bench/results/), else .pgscale/chaos-results.json. */
    save(): string {
        const out = process.env.PGSCALE_CHAOS_OUT ?? path.resolve(__dirname, "../../../.pgscale/chaos-results.json");
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out, JSON.stringify({
            machine: machine(),
            command: command(),
            finishedAt: new Date().toISOString(),
            scenarios: this.records,
            // A run is green only when every scenario it began ended (bench/report).
            incomplete: [...this.unfinished],
        }, null, 2));
        return out;
    }
}

/** How the run was started, with jest's scenario filter (-t) when only some scenarios ran. */
function command(): string {
    const argv = process.argv;
    const i = argv.findIndex((a) => a === "-t" || a === "--testNamePattern" || a.startsWith("--testNamePattern="));
    const pattern = i < 0 ? undefined : argv[i].includes("=") ? argv[i].slice(argv[i].indexOf("=") + 1) : argv[i + 1];
    return `${FULL ? "PGSCALE_CHAOS_FULL=1 " : ""}npx jest --selectProjects chaos${pattern ? ` -t ${JSON.stringify(pattern)}` : ""}`;
}

function machine(): string {
    try {
        const cpus = execFileSync("nproc", { encoding: "utf8" }).trim();
        const dockerVersion = execFileSync("docker", ["version", "-f", "{{.Server.Version}}"], { encoding: "utf8" }).trim();
        return `${cpus} cores, Docker ${dockerVersion}`;
    } catch {
        return "unknown";
    }
}
