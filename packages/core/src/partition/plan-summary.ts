import type { PartitionPlan } from "./plan-types";

/** Preview lines: one per step, long runs of one action collapsed so 365 partitions stay readable. */
export function summarizePlan(plan: PartitionPlan, maxRun = 6): string[] {
    const lines: string[] = [];
    const steps = plan.steps;
    for (let i = 0; i < steps.length; ) {
        let j = i;
        while (j < steps.length && steps[j].action === steps[i].action) j++;
        const run = steps.slice(i, j);
        if (run.length > maxRun) {
            lines.push(run[0].summary, `  ... ${run.length - 2} more ${run[0].action} steps ...`, run[run.length - 1].summary);
        } else {
            lines.push(...run.map((s) => s.summary));
        }
        i = j;
    }
    return [...lines, ...plan.notes.map((n) => `note: ${n}`)];
}
