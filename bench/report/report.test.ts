// The docs' generated sections must be exactly what the report makes of the committed results, and
// the report must judge only like with like. Fast: reads files, runs nothing.
import * as fs from "fs";
import * as path from "path";
import type { Row } from "../harness/types";
import { chaosProblems } from "./absolute";
import { figures } from "./compare";
import { median } from "./stats";
import { loadResults } from "./load";
import { fill, generate } from "./write";

const ROOT = path.resolve(__dirname, "../..");

describe("generated docs", () => {
    it.each([...generate(ROOT)].map(([doc, text]) => [doc, text]))("%s matches what bench/report generates from bench/results (run `npx ts-node -P tsconfig.test.json --transpile-only bench/report/write.ts`)", (doc, text) => {
        expect(fs.readFileSync(path.join(ROOT, doc), "utf8")).toBe(text);
    });

    it("accounts for every results file: a harness run, a chaos run or a listed legacy file", () => {
        const r = loadResults(path.join(ROOT, "bench/results"));
        const files = fs.readdirSync(path.join(ROOT, "bench/results")).filter((f) => f.endsWith(".json"));
        expect(r.runs.length + r.chaos.length + r.legacy.length).toBe(files.length);
    });

    it("keeps the benchmark tables in the docs", () => {
        const has = (doc: string, names: string[]) => names.filter((n) => !fs.readFileSync(path.join(ROOT, doc), "utf8").includes(`<!-- generated:${n} -->`));
        expect(has("docs/benchmarks.md", ["ha-up", "testing", "testing-reuse", "partition", "access", "ha-failover", "ha-pool", "runs", "legacy"])).toEqual([]);
        expect(has("docs/testing.md", ["testing", "testing-reuse"])).toEqual([]);
        expect(has("docs/reliability.md", ["chaos", "chaos-ci", "chaos-full", "chaos-quorum"])).toEqual([]);
    });

    it("refuses a section it does not know", () => {
        expect(() => fill("<!-- generated:nope -->\nx\n<!-- /generated:nope -->", { runs: [], chaos: [], legacy: [] })).toThrow(/unknown generated section nope/);
    });
});

const side = (settings: Record<string, unknown>, samples: number[], observed?: Record<string, unknown>[]) => ({ label: "s", how: "h", settings, samples, observed });

describe("verdicts", () => {
    it("takes the median of an even count as the mean of the middle two", () => {
        expect([median([3, 1, 2]), median([4, 1, 3, 2])]).toEqual([2, 2.5]);
    });

    const row = (a: Record<string, unknown>, b: Record<string, unknown>, observed?: Record<string, unknown>[]): Row => ({
        id: "r", title: "t", unit: "s", measure: "m", pgscale: side(a, [3, 1, 2], observed), baseline: side(b, [2, 2, 4]), target: { on: "ratioOfMedians", max: 1.5 },
    });

    it("judges a target on equal work: ratio of medians and of the fastest rounds", () => {
        const f = figures(row({ loopWait: 10 }, { loopWait: 10 }));
        expect([f.ratioOfMedians, f.ratioOfFastest, f.likeForLike, f.verdict]).toEqual([1, 0.5, true, "met (ratio of medians ≤ 1.5)"]);
    });

    it("never calls a target met against unequal settings", () => {
        const f = figures(row({ loopWait: 1 }, { loopWait: 10 }));
        expect(f.likeForLike).toBe(false);
        expect(f.verdict).toMatch(/^no verdict: unequal work/);
    });

    it("trusts what the running system showed over what a side declared", () => {
        const f = figures(row({ loopWait: 10 }, { loopWait: 10 }, [{ loopWait: 1 }]));
        expect(f.differs).toEqual(["s: observed loopWait"]);
        expect(f.verdict).toMatch(/^no verdict/);
    });

    it("bounds throughput from below and the pgscale side absolutely", () => {
        const tps = { ...row({ a: 1 }, { a: 1 }), target: { on: "ratioOfMedians" as const, min: 0.8 } };
        expect(figures(tps).verdict).toBe("met (ratio of medians ≥ 0.8)");
        const abs = { ...row({ a: 1 }, { a: 2 }), target: { on: "pgscaleMedian" as const, max: 1 } };
        expect(figures(abs).verdict).toBe("not met (median s ≤ 1)");
        // The largest sample (3 of 3, 1, 2): a bound every round must keep.
        expect(figures({ ...abs, target: { on: "pgscaleMax" as const, max: 3 } }).verdict).toBe("met (largest s ≤ 3)");
        expect(figures({ ...abs, target: { on: "pgscaleMax" as const, max: 2.5 } }).verdict).toBe("not met (largest s ≤ 2.5)");
    });

    it("does not call a chaos run green with overlapping primaries or missing acknowledged writes", () => {
        const run = (s: Record<string, number>) => ({ file: "f", data: { machine: "", command: "", finishedAt: "", scenarios: [{ scenario: "x", ...s }] } });
        expect(chaosProblems(run({ overlappingPrimaries: 1, missingAcknowledged: 0 }))).toEqual(["x: overlappingPrimaries 1"]);
        expect(chaosProblems(run({ overlappingPrimaries: 0, missingAcknowledged: 2 }))).toEqual(["x: missingAcknowledged 2"]);
        expect(chaosProblems(run({ overlappingPrimaries: 0, missingAcknowledged: 0 }))).toEqual([]);
        const failed = run({ overlappingPrimaries: 0 });
        expect(chaosProblems({ ...failed, data: { ...failed.data, incomplete: ["y"] } })).toEqual(["y: did not complete"]);
    });
});
