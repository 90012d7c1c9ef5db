import type { ScalingPlan } from "@pgscale/core";
import { renderPlanText } from "./plan-text";
import { wrap } from "./wrap";

const plan: ScalingPlan = {
    scaling_goal: "setup_pooling",
    summary: "Pool things.",
    architecture: "A --> B",
    architecture_mermaid: "flowchart TD",
    implementation_steps: [
        { step: 1, title: "First", changes: "adds a pooler", verify: "SHOW POOLS", online: true },
        { step: 2, title: "Second", changes: "stops writes", verify: "counts match", online: false },
    ],
    configuration: { constructs: [], sql: ["SELECT 1;"], stack: "const x = 1;\n" },
    rollback_plan: "1. undo it",
    decisions: [{ topic: "pool", choice: "20", why: "because" }],
    assumptions: [],
    notes: [],
};

describe("renderPlanText", () => {
    test("sections in order; steps numbered with change and verify; offline steps marked", () => {
        const text = renderPlanText(plan);
        expect(text).toContain(" 1. First\n    change: adds a pooler\n    verify: SHOW POOLS");
        expect(text).toContain(" 2. Second  [interrupts traffic]");
        const order = ["pgscale plan: setup_pooling", "Architecture", "A --> B", "Steps", "Configuration (Pulumi, TypeScript)", "SQL", "Rollback", "Why", "  - pool: 20. because"];
        const at = order.map((s) => text.indexOf(s));
        expect([...at].sort((a, b) => a - b)).toEqual(at);
        expect(at.every((i) => i >= 0)).toBe(true);
        expect(text).not.toContain("Assumptions");
    });
});

describe("wrap", () => {
    test("wraps at 100 columns with a hanging indent", () => {
        const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
        const lines = wrap(words, "    ", "  - ").split("\n");
        expect(lines.length).toBeGreaterThan(2);
        expect(lines.every((l) => l.length <= 100)).toBe(true);
        expect(lines[0].startsWith("  - word0")).toBe(true);
        expect(lines[1].startsWith("    word")).toBe(true);
    });
});
