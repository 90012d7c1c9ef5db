import type { PlanStep } from "@pgscale/core";
import { PgscaleSqlError, type Session } from "../sql/session";

// Runs a plan. Consecutive transactional steps share one transaction, so a create
// (parent, partitions, default, indexes) commits or rolls back as a whole; a
// CONCURRENTLY build runs on its own, as PostgreSQL requires.

export async function applySteps(s: Session, steps: readonly PlanStep[]): Promise<void> {
    for (let i = 0; i < steps.length; ) {
        if (!steps[i].transactional) {
            await runStep(s, steps[i]);
            i++;
            continue;
        }
        let j = i;
        while (j < steps.length && steps[j].transactional) j++;
        const batch = steps.slice(i, j);
        await s.transaction(async () => {
            for (const step of batch) await runStep(s, step);
        });
        i = j;
    }
}

async function runStep(s: Session, step: PlanStep): Promise<void> {
    for (const sql of step.statements) {
        try {
            await s.run(sql);
        } catch (e) {
            if (e instanceof PgscaleSqlError) {
                throw new PgscaleSqlError(`step "${step.summary}" failed: ${e.message}`, e.sqlstate, e.statement);
            }
            throw e;
        }
    }
}
