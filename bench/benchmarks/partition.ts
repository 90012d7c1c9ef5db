// partition: a PartitionedTable with N daily partitions and two indexes, `pulumi up` of
// bench/partition/program, against the same DDL through psql and against pg_partman's
// create_parent (bench/baseline/partitions.sh), on the host PostgreSQL (scripts/host-postgres).
// Also a no-op `pulumi preview` of that stack, and Pulumi's floor for any dynamic resource: `pulumi up`
// of one do-nothing dynamic resource against a psql call that does nothing.
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { alternate, timed } from "../harness/rounds";
import { newStack, pulumi, removeStack, timedPulumi } from "../harness/pulumi";
import type { BeyondFloor, Row } from "../harness/types";
import { ROOT, script } from "./ha-work";
import type { BenchContext, Benchmark, BenchOutput } from "./registry";

const PROGRAM = path.join(ROOT, "bench/partition/program");

export function hostPostgres(): string {
    return execFileSync(path.join(ROOT, "scripts/host-postgres"), ["start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!;
}

export function psql(uri: string, sql: string): void {
    const r = spawnSync("psql", [uri, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

/** Drops what any side left in `schema` (pg_partman keeps config and a template table outside it). */
function freshSchema(uri: string, schema: string): void {
    psql(uri, `DELETE FROM partman.part_config WHERE parent_table = '${schema}.events'; DROP TABLE IF EXISTS partman."template_${schema}_events"; ` +
        `DROP SCHEMA IF EXISTS "${schema}" CASCADE; CREATE SCHEMA "${schema}";`);
}

async function size(ctx: BenchContext, uri: string, n: number, trivial: string): Promise<Row[]> {
    const preview: number[] = [];
    const schema = `bench_part_${n}`;
    const samples = await alternate(ctx.rounds, {
        psql: async () => {
            freshSchema(uri, schema);
            return timed(() => execFileSync(script("partitions.sh"), ["psql", uri, schema, String(n)]));
        },
        partman: async () => {
            freshSchema(uri, schema);
            return timed(() => execFileSync(script("partitions.sh"), ["partman", uri, schema, String(n)]));
        },
        up: async () => {
            freshSchema(uri, schema);
            const stack = newStack(PROGRAM, { schema, partitions: String(n) }, { pgUri: uri });
            try {
                const s = timedPulumi(PROGRAM, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
                preview.push(timedPulumi(PROGRAM, stack, "preview", "--expect-no-changes"));
                return s;
            } finally {
                removeStack(PROGRAM, stack);
            }
        },
        previewTrivial: async () => timedPulumi(PROGRAM, trivial, "preview", "--expect-no-changes"),
    }, (m) => ctx.log(`${n} partitions ${m}`));
    freshSchema(uri, schema);
    psql(uri, `DROP SCHEMA "${schema}"`);
    const work = { partitions: n, indexes: 2, server: "host PostgreSQL 15 (scripts/host-postgres)" };
    const up = { label: "pulumi up", how: "pulumi up of bench/partition/program (PartitionedTable, rolling 1 day, premake N-1)", settings: work, samples: samples.up };
    return [
        { id: `up-vs-psql-${n}`, title: `${n} daily partitions + 2 indexes: the same DDL through psql`, unit: "s", measure: "whole commands, process start to exit",
            pgscale: up, baseline: { label: "psql", how: "bench/baseline/partitions.sh psql (one transaction)", settings: work, samples: samples.psql },
            target: { on: "ratioOfMedians", max: 1.5 } },
        { id: `up-vs-partman-${n}`, title: `${n} daily partitions + 2 indexes: pg_partman create_parent`, unit: "s", measure: "whole commands, process start to exit",
            pgscale: up, baseline: { label: "pg_partman", how: "bench/baseline/partitions.sh partman (create_parent, premake N-1)",
                settings: { ...work, extra: "pg_partman's default partition, template table and part_config row" }, samples: samples.partman } },
        { id: `preview-${n}`, title: `${n} partitions: no-op pulumi preview against a stack of one do-nothing dynamic resource`, unit: "s",
            measure: "pulumi preview --expect-no-changes, process start to exit",
            pgscale: { label: "preview (table)", how: "pulumi preview of the stack above, unchanged", settings: work, samples: preview },
            baseline: { label: "preview (one no-op resource)", how: "pulumi preview of bench/partition/program with trivial=true", settings: { dynamicResources: 1, work: "none" }, samples: samples.previewTrivial } },
    ];
}

/** Pulumi's floor with `program` (which must honour config trivial=true), measured in the caller's run. */
export async function floorRow(ctx: BenchContext, uri: string, program = PROGRAM): Promise<Row> {
    const samples = await alternate(ctx.rounds, {
        up: async () => {
            const stack = newStack(program, { trivial: "true" });
            try {
                return timedPulumi(program, stack, "up", "--yes", "--skip-preview", "--suppress-progress");
            } finally {
                removeStack(program, stack);
            }
        },
        psql: async () => timed(() => psql(uri, "SELECT 1")),
    }, (m) => ctx.log(`floor ${m}`));
    const settings = { work: "none" };
    return {
        id: "floor", title: "Pulumi's floor: one do-nothing dynamic resource against a psql call that does nothing", unit: "s", measure: "whole commands, process start to exit",
        pgscale: { label: "pulumi up", how: `pulumi up of ${path.relative(ROOT, program)} with trivial=true`, settings, samples: samples.up },
        baseline: { label: "psql", how: "psql -c 'SELECT 1'", settings, samples: samples.psql },
    };
}

export const partition: Benchmark = {
    name: "partition",
    describe: "PartitionedTable up and preview against psql and pg_partman",
    async run(ctx): Promise<BenchOutput> {
        const sizes = (ctx.options.sizes ?? "365,1000").split(",").map(Number);
        const uri = hostPostgres();
        psql(uri, "CREATE SCHEMA IF NOT EXISTS partman; CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;");
        const trivial = newStack(PROGRAM, { trivial: "true" });
        const rows: Row[] = [];
        try {
            pulumi(PROGRAM, trivial, "up", "--yes", "--skip-preview", "--suppress-progress");
            for (const n of sizes) rows.push(...await size(ctx, uri, n, trivial));
        } finally {
            removeStack(PROGRAM, trivial);
        }
        rows.push(await floorRow(ctx, uri));
        const beyondFloor: BeyondFloor[] = sizes.map((n) => ({ id: `up-vs-psql-${n}-beyond-floor`, title: `pulumi up, ${n} partitions, beyond Pulumi's floor`, row: `up-vs-psql-${n}`, floor: "floor" }));
        const version = execFileSync("psql", [uri, "-XAtc", "SELECT extversion FROM pg_extension WHERE extname = 'pg_partman'"], { encoding: "utf8" }).trim();
        return { rows, beyondFloor, notes: [`pg_partman ${version} on the host PostgreSQL.`] };
    },
};
