import type { AccessPlan, AccessStep } from "@pgscale/core";
import { PgscaleSqlError, type Session } from "./session";

// Runs an access plan in one transaction (roles, memberships and grants are all transactional),
// so a failing step leaves nothing half done. A step that holds a password verifier is named in
// errors by its summary only.

export async function applyAccessSteps(s: Session, steps: readonly AccessStep[]): Promise<void> {
    if (steps.length === 0) return;
    await s.transaction(async () => {
        for (const step of steps) {
            for (const sql of step.statements) {
                try {
                    await s.run(sql);
                } catch (e) {
                    if (!(e instanceof PgscaleSqlError)) throw e;
                    const message = step.sensitive ? e.message.split("\n")[0] : e.message;
                    throw new PgscaleSqlError(`step "${step.summary}" failed: ${message}`, e.sqlstate, step.sensitive ? undefined : e.statement);
                }
            }
        }
    });
}

/** The plan would do something the spec does not allow: nothing was run. */
export class AccessPlanRefusedError extends Error {
    constructor(subject: string, plan: AccessPlan) {
        super(`${subject}: refused, nothing was changed\n` + plan.refusals.map((r) => `  - ${r.field}: ${r.reason}`).join("\n"));
        this.name = "AccessPlanRefusedError";
    }
}
