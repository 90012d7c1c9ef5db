// The analysis the chaos scenarios rely on to call "split brain": pure, so checked on its own.
import { collapse, demotedAfter, isSubsequence, overlappingPrimaries, primaryRuns, RoleSample } from "./support/roles";

const s = (member: string, at: number, role: RoleSample["role"]): RoleSample => ({ member, at, role });

describe("role sample analysis", () => {
    it("a clean failover has no overlapping primaries", () => {
        const samples = [s("a", 0, "primary"), s("b", 0, "replica"), s("a", 200, "primary"), s("a", 400, "down"), s("b", 600, "primary"), s("b", 800, "primary")];
        expect(primaryRuns(samples).map((r) => [r.member, r.from, r.to])).toEqual([["a", 0, 200], ["b", 600, 800]]);
        expect(overlappingPrimaries(samples)).toEqual([]);
    });

    it("two members primary at the same time are reported", () => {
        const samples = [s("a", 0, "primary"), s("b", 100, "primary"), s("a", 200, "primary"), s("a", 400, "replica")];
        const o = overlappingPrimaries(samples);
        expect(o).toHaveLength(1);
        expect(o[0].map((r) => r.member)).toEqual(["a", "b"]);
    });

    it("demotedAfter measures from the fault to the first non-primary sample of that member", () => {
        const samples = [s("a", 1000, "primary"), s("a", 1200, "primary"), s("b", 1300, "replica"), s("a", 4200, "replica")];
        expect(demotedAfter(samples, "a", 1100)).toBe(3100);
        expect(demotedAfter(samples, "c", 0)).toBeUndefined();
    });

    it("writes must follow the order of primaries", () => {
        expect(collapse(["a", "a", "b", "b", "a"])).toEqual(["a", "b", "a"]);
        expect(isSubsequence(["a", "b"], ["a", "c", "b"])).toBe(true);
        // a wrote again after b took over, with no failover back to a: split brain.
        expect(isSubsequence(["a", "b", "a"], ["a", "b"])).toBe(false);
    });
});
