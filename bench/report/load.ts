// Reads every file in bench/results/ and sorts it into what the report can use like for like
// (format 2, written by the harness), chaos runs (pass/fail checks, no baseline), and legacy files
// (older formats): listed with what they recorded and why they are not compared, never dropped.
import * as fs from "fs";
import * as path from "path";
import type { ResultFile } from "../harness/types";

export interface Legacy {
    file: string;
    benchmark: string;
    date: string;
    recorded: string;
    reason: string;
    data: any;
}

export interface ChaosFile {
    file: string;
    /** `incomplete`: scenarios begun that never recorded their figures (a failed test); absent in files before it was written. */
    data: { machine: string; command: string; finishedAt: string; scenarios: Record<string, any>[]; incomplete?: string[] };
}

export interface Results {
    runs: Array<ResultFile & { file: string }>;
    chaos: ChaosFile[];
    legacy: Legacy[];
}

/** Legacy file names carry the time since the epoch, in seconds or milliseconds. */
function dateOf(name: string, data: any): string {
    const iso = data.started ?? data.finishedAt;
    if (typeof iso === "string") return iso.slice(0, 16).replace("T", " ") + " UTC";
    const n = Number(/-(\d{10,13})\.json$/.exec(name)?.[1]);
    if (!n) return "unknown";
    return new Date(n < 1e12 ? n * 1000 : n).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

const list = (xs: unknown) => (Array.isArray(xs) ? xs.join(", ") : String(xs));

/** What a legacy file recorded, in one line, from its own fields. */
function recorded(data: any): string {
    const parts: string[] = [];
    if (data.up) parts.push(`up: baseline ${list(data.up.baselineS)} s; pulumi up ready ${list(data.up.pulumiUpS)} s`);
    if (data.upInline) parts.push(`up-inline: baseline ${list(data.upInline.baselineS)} s; Automation API ${list(data.upInline.automationApiUpS)} s`);
    if (data.floor) parts.push(`floor: docker run ${list(data.floor.dockerRunS)} s; pulumi up to container start ${list(data.floor.pulumiUpToContainerS)} s`);
    if (data.failover) for (const [k, v] of Object.entries<any>(data.failover)) parts.push(`failover ${k} (ttl ${v.ttl}, loop_wait ${v.loopWait}): SIGKILL ${list(v.sigkillS)} s, SIGTERM ${list(v.sigtermS)} s`);
    if (data.pool) parts.push(`pgbench -S 40 clients: direct ${list(data.pool.pgbenchSelectOnly40.directTps.map(Math.round))} tps, pooled ${list(data.pool.pgbenchSelectOnly40.pooledTps.map(Math.round))} tps`);
    if (Array.isArray(data.results)) for (const r of data.results) parts.push(`${r.partitions} partitions (medians): psql ${(r.sqlMs / 1000).toFixed(2)} s, pg_partman ${(r.partmanMs / 1000).toFixed(2)} s, pulumi up ${(r.upMs / 1000).toFixed(2)} s`);
    if (data.summary) for (const [k, v] of Object.entries<any>(data.summary)) parts.push(`${k}: up ${list(v.upS)} s, destroy ${list(v.destroyS)} s, memory at rest ${list(v.memMiB)} MiB`);
    if (data.snapshots) for (const [k, v] of Object.entries<any>(data.snapshots)) parts.push(`${k}: snapshot ${v.snapshotMs} ms, restore ${v.restoreMs} ms of a 10 000-row database (medians of 10)`);
    if (data.coldBuildS) parts.push(`image builds without cache: ${Object.entries(data.coldBuildS).map(([k, v]) => `${k} ${v} s`).join(", ")}`);
    return parts.join("; ") || `fields: ${Object.keys(data).join(", ")}`;
}

/** Why a legacy file cannot be compared like for like, from what it lacks. */
function reason(name: string, data: any): string {
    if (name.startsWith("testing-")) return "sides at unequal settings (the test clusters at loop_wait 1 and wal_retrieve_retry_interval 500ms against a baseline at loop_wait 10 and 5 s; a 1-node startPostgres() against a 3-node baseline); settings not recorded";
    if (name.startsWith("partition-")) return "medians only, no per-round samples; all rounds of one side ran before the next side's (not alternated); no load recorded";
    if (data.failover || data.pool) return "no baseline (absolute figures against bounds); no settings, load or versions recorded";
    return "settings of each side not recorded (parameters and HAProxy checks unknown); the baseline ran first every round; no load or versions recorded";
}

export function loadResults(dir: string): Results {
    const out: Results = { runs: [], chaos: [], legacy: [] };
    for (const name of fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
        const data = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
        const file = `bench/results/${name}`;
        if (data.format === 2) out.runs.push({ ...data, file });
        else if (name.startsWith("chaos-") && Array.isArray(data.scenarios)) out.chaos.push({ file, data });
        else out.legacy.push({ file, benchmark: name.replace(/-\d+\.json$/, ""), date: dateOf(name, data), recorded: recorded(data), reason: reason(name, data), data });
    }
    // Oldest first, so "latest" is the last of a benchmark.
    out.runs.sort((a, b) => a.started.localeCompare(b.started));
    return out;
}
