// PartitionedTable benchmarks, in one run, as ratios (issue 4):
//   - N daily partitions + 2 indexes: `pulumi up` vs the same DDL as a hand-written SQL file through psql (target <= 1.5x)
//     and vs pg_partman create_parent making the same N partitions;
//   - a no-op `pulumi preview` of that stack vs a no-op preview of an empty stack (target <= 1.3x), and vs a stack
//     with one do-nothing dynamic resource, which isolates pgscale's share from the Node dynamic provider's fixed cost;
//   - the floor of up/SQL: `pulumi up` creating that one do-nothing resource, added to the SQL time;
//   at N = 365 and N = 1000 to show how cost grows.
//
// Run:   source scripts/env.sh && npm run build && npx ts-node -P tsconfig.test.json --transpile-only bench/partition/run.ts
// Env:   PGSCALE_TEST_PG_URI (default: scripts/host-postgres start), BENCH_SIZES (default 365,1000), BENCH_REPEAT (default 3),
//        PGSCALE_BENCH_NODE_MODULES: node_modules the stack program resolves @pgscale/* and @pulumi/pulumi from
//        (default: the repository's, which needs `npm run build`).
// Wall-clock times of whole commands (process start to exit), median of BENCH_REPEAT runs; JSON on stdout, table on stderr.

import { execFileSync, spawnSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { cpus, tmpdir } from "os";
import { join, resolve } from "path";

const repo = resolve(__dirname, "../..");
const sizes = (process.env.BENCH_SIZES ?? "365,1000").split(",").map(Number);
const repeat = Number(process.env.BENCH_REPEAT ?? "3");
const uri = process.env.PGSCALE_TEST_PG_URI ?? execFileSync(join(repo, "scripts/host-postgres"), ["start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!;
const work = mkdtempSync(join(tmpdir(), "pgscale-bench-"));
mkdirSync(join(work, "state"));
const env = {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${join(work, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "pgscale-bench",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true",
};

function log(msg: string): void {
    process.stderr.write(`bench/partition: ${msg}\n`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): number {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: opts.cwd, env, input: opts.input, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${(r.stderr || r.stdout || "").slice(-4000)}`);
    return ms;
}

const psql = (sql: string) => run("psql", [uri, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", "-"], { input: sql });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function times(n: number, fn: (i: number) => number): number {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) xs.push(fn(i));
    return median(xs);
}

const day = (d: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + d));
const ts = (d: Date) => `${d.toISOString().slice(0, 10)} 00:00:00+00`;

const createTable = (schema: string) => `CREATE TABLE "${schema}"."events" (
    "id" bigint GENERATED ALWAYS AS IDENTITY,
    "event_type" text NOT NULL,
    "data" jsonb,
    "created_at" timestamptz NOT NULL DEFAULT (now()),
    PRIMARY KEY ("id", "created_at")
) PARTITION BY RANGE ("created_at");\n`;
const indexes = (schema: string) =>
    `CREATE INDEX "events_created_at_idx" ON "${schema}"."events" USING btree ("created_at");\n` +
    `CREATE INDEX "events_event_type_idx" ON "${schema}"."events" USING btree ("event_type");\n`;

/** The hand-written equivalent of what `pulumi up` runs: parent, N partitions, indexes, one transaction. */
function handWrittenSql(schema: string, n: number): string {
    let sql = createTable(schema);
    for (let i = 0; i < n; i++) {
        const from = day(i);
        const name = `events_p${from.toISOString().slice(0, 10).replace(/-/g, "_")}`;
        sql += `CREATE TABLE "${schema}"."${name}" PARTITION OF "${schema}"."events" FOR VALUES FROM ('${ts(from)}') TO ('${ts(day(i + 1))}');\n`;
    }
    return sql + indexes(schema);
}

/** pg_partman making the same N partitions from today (plus its default partition and template table). */
function partmanSql(schema: string, n: number): string {
    return (
        createTable(schema) +
        indexes(schema) +
        `SELECT partman.create_parent(p_parent_table := '${schema}.events', p_control := 'created_at', p_type := 'native', ` +
        `p_interval := '1 day', p_premake := ${n - 1}, p_start_partition := '${ts(day(0))}');\n`
    );
}

function freshSchema(schema: string): void {
    psql(
        `DELETE FROM partman.part_config WHERE parent_table = '${schema}.events';\n` +
            `DROP TABLE IF EXISTS partman."template_${schema}_events";\n` +
            `DROP SCHEMA IF EXISTS "${schema}" CASCADE;\nCREATE SCHEMA "${schema}";\n`,
    );
}

function dropSchema(schema: string): void {
    psql(`DELETE FROM partman.part_config WHERE parent_table = '${schema}.events';\nDROP TABLE IF EXISTS partman."template_${schema}_events";\nDROP SCHEMA IF EXISTS "${schema}" CASCADE;\n`);
}

/** A copy of ./program whose node_modules resolve @pgscale/* and @pulumi/pulumi. */
function programDir(): string {
    const dir = join(work, "program");
    cpSync(join(__dirname, "program"), dir, { recursive: true });
    symlinkSync(process.env.PGSCALE_BENCH_NODE_MODULES ?? join(repo, "node_modules"), join(dir, "node_modules"));
    return dir;
}

function pulumi(dir: string, stack: string, args: string[]): number {
    return run("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd: dir });
}

function stackWith(dir: string, stack: string, config: Record<string, string>, secret: Record<string, string> = {}): void {
    pulumi(dir, stack, ["stack", "init"]);
    for (const [k, v] of Object.entries(config)) pulumi(dir, stack, ["config", "set", k, v]);
    for (const [k, v] of Object.entries(secret)) pulumi(dir, stack, ["config", "set", "--secret", k, v]);
}

interface SizeResult {
    partitions: number;
    sqlMs: number;
    partmanMs: number;
    upMs: number;
    previewNoopMs: number;
    previewEmptyMs: number;
    previewTrivialMs: number;
    /** `pulumi up` creating the trivial stack's one do-nothing dynamic resource. */
    upTrivialMs: number;
    upVsSql: number;
    /** (upTrivialMs + sqlMs) / sqlMs: the least up/SQL a dynamic resource running the same DDL as fast as psql can reach. */
    upFloorVsSql: number;
    upVsPartman: number;
    previewVsEmpty: number;
    previewVsTrivial: number;
}

function main(): void {
    if (spawnSync("pulumi", ["version"], { env }).status !== 0) throw new Error("pulumi is not on PATH: source scripts/env.sh first");
    psql("CREATE SCHEMA IF NOT EXISTS partman;\nCREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;\n");
    const dir = programDir();
    stackWith(dir, "empty", { empty: "true" });
    pulumi(dir, "empty", ["up", "--yes", "--skip-preview"]);
    stackWith(dir, "trivial", { trivial: "true" });
    pulumi(dir, "trivial", ["up", "--yes", "--skip-preview"]);
    const results: SizeResult[] = [];
    for (const n of sizes) {
        log(`${n} partitions: hand-written SQL through psql`);
        const sqlMs = times(repeat, () => {
            freshSchema(`bench_sql_${n}`);
            return psql(handWrittenSql(`bench_sql_${n}`, n));
        });
        dropSchema(`bench_sql_${n}`);

        log(`${n} partitions: pg_partman create_parent`);
        const partmanMs = times(repeat, () => {
            freshSchema(`bench_pm_${n}`);
            return psql(partmanSql(`bench_pm_${n}`, n));
        });
        dropSchema(`bench_pm_${n}`);

        log(`${n} partitions: pulumi up`);
        const schema = `bench_pu_${n}`;
        let previewNoopMs = 0;
        const upMs = times(repeat, (i) => {
            freshSchema(schema);
            const stack = `p${n}-${i}`;
            stackWith(dir, stack, { schema, partitions: String(n) }, { pgUri: uri });
            const ms = pulumi(dir, stack, ["up", "--yes", "--skip-preview"]);
            if (i === 0) previewNoopMs = times(repeat, () => pulumi(dir, stack, ["preview", "--expect-no-changes"]));
            pulumi(dir, stack, ["destroy", "--yes", "--skip-preview"]);
            pulumi(dir, stack, ["stack", "rm", "--yes"]);
            return ms;
        });
        dropSchema(schema);
        const previewEmptyMs = times(repeat, () => pulumi(dir, "empty", ["preview", "--expect-no-changes"]));
        const previewTrivialMs = times(repeat, () => pulumi(dir, "trivial", ["preview", "--expect-no-changes"]));
        const upTrivialMs = times(repeat, () => {
            pulumi(dir, "trivial", ["destroy", "--yes", "--skip-preview"]);
            return pulumi(dir, "trivial", ["up", "--yes", "--skip-preview"]);
        });
        const r = (x: number, y: number) => Math.round((x / y) * 100) / 100;
        results.push({
            partitions: n, sqlMs, partmanMs, upMs, previewNoopMs, previewEmptyMs, previewTrivialMs, upTrivialMs,
            upVsSql: r(upMs, sqlMs), upFloorVsSql: r(upTrivialMs + sqlMs, sqlMs), upVsPartman: r(upMs, partmanMs), previewVsEmpty: r(previewNoopMs, previewEmptyMs), previewVsTrivial: r(previewNoopMs, previewTrivialMs),
        });
    }
    const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, repeat, statistic: "median wall-clock ms" };
    writeFileSync(join(work, "results.json"), JSON.stringify({ machine, results }, null, 2));
    process.stdout.write(JSON.stringify({ machine, results }, null, 2) + "\n");
    log("partitions | psql SQL | pg_partman | pulumi up | up/SQL | floor up/SQL | up/partman | preview no-op | empty | trivial | /empty | /trivial");
    for (const x of results) {
        const ms = (v: number) => v.toFixed(0);
        log(`${x.partitions} | ${ms(x.sqlMs)} | ${ms(x.partmanMs)} | ${ms(x.upMs)} | ${x.upVsSql} | ${x.upFloorVsSql} | ${x.upVsPartman} | ${ms(x.previewNoopMs)} | ${ms(x.previewEmptyMs)} | ${ms(x.previewTrivialMs)} | ${x.previewVsEmpty} | ${x.previewVsTrivial}`);
    }
}

try {
    main();
} finally {
    rmSync(work, { recursive: true, force: true });
}
