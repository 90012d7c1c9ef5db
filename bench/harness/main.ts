// npm run bench -- NAME[,NAME...] [--rounds N] [--sizes 365,1000] [--no-report] | --list
// Runs each named benchmark, writes one results file per benchmark to bench/results/ (never
// overwritten: the name carries the time), then regenerates the generated sections of the docs
// from every results file.
import * as fs from "fs";
import * as path from "path";
import { stableJson } from "@pgscale/core";
import { BENCHMARKS } from "../benchmarks/registry";
import { PATRONI_IMAGE, ROOT } from "../benchmarks/ha-work";
import { writeReport } from "../report/write";
import { gitState, load, machineBefore } from "./machine";
import { ORDER } from "./rounds";
import type { ResultFile } from "./types";

// PGSCALE_BENCH_RESULTS: elsewhere, for trying a benchmark out; the docs are generated from bench/results only.
const RESULTS = process.env.PGSCALE_BENCH_RESULTS ?? path.join(ROOT, "bench/results");
const log = (m: string) => console.error(`[bench] ${m}`);

function parse(argv: string[]): { names: string[]; rounds: number; options: Record<string, string>; flags: Set<string> } {
    const options: Record<string, string> = {};
    const flags = new Set<string>();
    const names: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--list" || a === "--no-report") flags.add(a);
        else if (a.startsWith("--")) options[a.slice(2)] = argv[++i] ?? "";
        else names.push(...a.split(",").filter(Boolean));
    }
    const rounds = Number(options.rounds ?? 3);
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got ${options.rounds}`);
    return { names, rounds, options, flags };
}

/** `ha-up-20261203T101500Z.json`: sortable, and never the name of an earlier run. */
function fileFor(name: string, at: Date): string {
    const stamp = at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    let file = path.join(RESULTS, `${name}-${stamp}.json`);
    for (let i = 2; fs.existsSync(file); i++) file = path.join(RESULTS, `${name}-${stamp}-${i}.json`);
    return file;
}

async function main(): Promise<number> {
    const argv = process.argv.slice(2);
    const { names, rounds, options, flags } = parse(argv);
    if (flags.has("--list") || names.length === 0) {
        for (const b of BENCHMARKS) console.log(`${b.name.padEnd(12)} ${b.describe}`);
        return names.length === 0 && !flags.has("--list") ? 2 : 0;
    }
    const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
    if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(", ")}; known: ${BENCHMARKS.map((b) => b.name).join(", ")}`);
    const git = gitState();
    let failed = 0;
    for (const name of names) {
        const bench = BENCHMARKS.find((b) => b.name === name)!;
        const started = new Date();
        const machine = machineBefore(PATRONI_IMAGE, git);
        log(`${name}: ${rounds} round(s), load ${machine.loadBefore.join(" ")}`);
        try {
            const out = await bench.run({ rounds, options, log: (m) => log(`${name} ${m}`) });
            machine.loadAfter = load();
            const result: ResultFile = {
                format: 2, benchmark: name, command: `npm run bench -- ${argv.join(" ")}`, rounds, order: ORDER,
                started: started.toISOString(), finished: new Date().toISOString(), machine, ...out,
            };
            const file = fileFor(name, started);
            fs.writeFileSync(file, JSON.stringify(JSON.parse(stableJson(result)), null, 2) + "\n");
            log(`${name}: wrote ${path.relative(ROOT, file)} (${Math.round((Date.now() - started.getTime()) / 1000)} s)`);
        } catch (e) {
            failed++;
            log(`${name} failed: ${e instanceof Error ? e.stack : e}`);
        }
    }
    if (!flags.has("--no-report")) for (const f of writeReport(ROOT)) log(`regenerated ${f}`);
    return failed ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e) => {
    log(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
});
