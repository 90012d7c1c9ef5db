import { PgscaleValidationError } from "../validation";
import { planScaling } from "./plan";
import { SCALING_GOALS } from "./input";

const NOW = new Date("2026-11-25T12:00:00Z");

describe("planScaling", () => {
    test("bad input throws PgscaleValidationError naming each field", () => {
        expect(() => planScaling({ scaling_goal: "nope", current_metrics: { connections_peak: "many" } })).toThrow(PgscaleValidationError);
        try {
            planScaling({ scaling_goal: "nope", current_metrics: { connections_peak: "many" } });
        } catch (e) {
            expect((e as PgscaleValidationError).issues.map((i) => i.field)).toEqual(["scaling_goal", "current_metrics.connections_peak"]);
            expect((e as Error).message).toMatch(/^pgscale plan: invalid input/);
        }
    });

    test("constraints outside the vocabulary become notes", () => {
        const p = planScaling({ scaling_goal: "setup_pooling", constraints: ["EU data residency", "budget"] });
        expect(p.notes.filter((n) => n.startsWith('constraint "EU data residency" is not in pgscale\'s vocabulary'))).toHaveLength(1);
        expect(p.notes.join(" ")).not.toMatch(/"budget"/);
    });

    const inputs = SCALING_GOALS.flatMap((goal) =>
        [
            { scaling_goal: goal },
            { scaling_goal: goal, current_metrics: { table_size_gb: 750, rows_millions: 4000, connections_peak: 3000, read_write_ratio: "90:10" }, constraints: ["no-downtime", "zero-data-loss"] },
            { scaling_goal: goal, current_metrics: { table_size_gb: 0, rows_millions: 0, connections_peak: 1, read_write_ratio: "0:1" }, constraints: ["budget", "session-state", "retention-months=1"] },
        ].map((input) => [goal, input] as const),
    );

    test.each(inputs)("%s: the playbook's output schema, numbered steps, no unrendered values", (goal, input) => {
        const p = planScaling(input, { now: NOW });
        expect(p.scaling_goal).toBe(goal);
        expect(typeof p.architecture).toBe("string");
        expect(p.architecture_mermaid).toMatch(/^flowchart (TD|LR)\n/);
        expect(Array.isArray(p.implementation_steps)).toBe(true);
        expect(p.implementation_steps.map((s) => s.step)).toEqual(p.implementation_steps.map((_, i) => i + 1));
        for (const s of p.implementation_steps) {
            for (const f of [s.title, s.changes, s.verify]) expect(f.length).toBeGreaterThan(5);
        }
        expect(typeof p.configuration).toBe("object");
        expect(p.configuration.stack === "").toBe(p.configuration.constructs.length === 0);
        expect(p.rollback_plan).toMatch(/^1\. /);
        expect(p.decisions.length).toBeGreaterThan(0);
        const text = JSON.stringify(p);
        expect(text).not.toMatch(/undefined|NaN|Infinity|\[object Object\]/);
    });

    test("deterministic for an input and a date", () => {
        const input = { scaling_goal: "partition_table", current_metrics: { table_size_gb: 90 } };
        expect(planScaling(input, { now: NOW })).toEqual(planScaling(input, { now: NOW }));
    });

    test("assumptions list only the defaults the goal used", () => {
        expect(planScaling({ scaling_goal: "setup_pooling" }).assumptions).toEqual([expect.stringMatching(/^connections_peak not given/), expect.stringMatching(/^max-connections not given/)]);
        expect(planScaling({ scaling_goal: "partition_table" }, { now: NOW }).assumptions.map((a) => a.split(" ")[0])).toEqual(["table_size_gb", "rows_millions", "growth"]);
    });
});
