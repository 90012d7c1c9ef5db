// Markdown for the generated sections: one run's table, the list of all runs, legacy files.
import type { ResultFile } from "../harness/types";
import { beyondFloor, figures } from "./compare";
import type { Legacy, Results } from "./load";
import { fmt, spread } from "./stats";

type Run = ResultFile & { file: string };

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function machineLine(run: Run): string {
    const m = run.machine;
    const v = m.versions;
    return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB; load (1/5/15 min) ${m.loadBefore.join("/")} before, ${m.loadAfter.join("/")} after; ` +
        `Node.js ${v.node}, Pulumi ${v.pulumi}, Docker ${v.docker}, PostgreSQL ${v.postgres}, Patroni ${v.patroni}; commit ${m.gitCommit.slice(0, 10)}${m.gitDirty ? " (with uncommitted changes)" : ""}`;
}

/** The table of one run: each row's sides, ratios, like-for-like check and verdict; then floors and notes. */
export function runTable(run: Run): string {
    const out = [
        `Run \`${run.command}\`, ${run.started.slice(0, 16).replace("T", " ")} UTC, ${run.rounds} round(s), raw: \`${run.file}\`.`,
        `Machine: ${machineLine(run)}.`,
        "",
        "| comparison | pgscale side | median (min–max) | baseline | median (min–max) | ratio of medians | ratio of fastest | like for like | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ];
    for (const row of run.rows) {
        const f = figures(row);
        out.push(`| ${cell(row.title)} | ${cell(row.pgscale.label)} | ${spread(row.pgscale.samples, row.unit)} | ${cell(row.baseline.label)} | ` +
            `${spread(row.baseline.samples, row.unit)} | **${fmt(f.ratioOfMedians)}** | ${fmt(f.ratioOfFastest)} | ${f.likeForLike ? "yes" : cell(`no: ${f.differs.join(", ")}`)} | ${cell(f.verdict)} |`);
    }
    if (run.beyondFloor?.length) {
        out.push("", "| cost beyond Pulumi's floor | pgscale side − baseline (medians) | floor: Pulumi − docker/psql (medians) | beyond the floor | verdict |", "|---|---|---|---|---|");
        for (const b of run.beyondFloor) {
            const f = beyondFloor(run, b);
            out.push(`| ${cell(b.title)} | ${fmt(f.rowCost)} s | ${fmt(f.floorCost)} s | **${fmt(f.beyond)} s** | ${cell(f.verdict)} |`);
        }
    }
    out.push("", "How each side ran, and what was timed:", "");
    for (const row of run.rows) out.push(`- ${row.title}: ${row.measure}. pgscale: ${row.pgscale.how}. Baseline: ${row.baseline.how}.`);
    for (const n of run.notes ?? []) out.push(`- ${n}`);
    return out.join("\n");
}

export function latest(results: Results, benchmark: string): Run | undefined {
    return results.runs.filter((r) => r.benchmark === benchmark).pop();
}

export function latestTable(results: Results, benchmark: string): string {
    const run = latest(results, benchmark);
    return run ? runTable(run) : `No run of \`${benchmark}\` in bench/results/ yet: \`npm run bench -- ${benchmark}\`.`;
}

/** Every harness run, so no run is left out of the record: each row's ratio of medians. */
export function runsTable(results: Results): string {
    if (!results.runs.length) return "No harness runs yet.";
    const out = ["| raw file | rounds | load before → after (1 min) | ratio of medians per comparison |", "|---|---|---|---|"];
    for (const run of results.runs) {
        const ratios = run.rows.map((r) => `${r.id} ${fmt(figures(r).ratioOfMedians)}`).join("; ");
        out.push(`| \`${run.file}\` | ${run.rounds} | ${run.machine.loadBefore[0]} → ${run.machine.loadAfter[0]} | ${ratios} |`);
    }
    return out.join("\n");
}

export function legacyTable(legacy: Legacy[]): string {
    const out = ["| raw file | date | what it recorded | why it is not compared like for like |", "|---|---|---|---|"];
    for (const l of legacy) out.push(`| \`${l.file}\` | ${l.date} | ${cell(l.recorded)} | ${cell(l.reason)} |`);
    return out.join("\n");
}
