import type { AccessPlan } from "@pgscale/core";
import { PgscaleSqlError, type Session } from "./session";

// Runs a plan's steps. Consecutive transactional steps share one transaction, so a create (a
// table's parent, partitions and indexes; a role and its memberships) commits or rolls back as a
// whole; what PostgreSQL refuses inside a transaction (CONCURRENTLY builds, CREATE/DROP DATABASE)
// runs on its own. A step that holds a password verifier is named in errors by its summary only.

/** What every planner's steps have (PlanStep of PartitionedTable, AccessStep of Role/Grant/Database). */
export interface SqlStep {
    summary: string;
    statements: string[];
    /** False: run outside a transaction. Default true. */
    transactional?: boolean;
    sensitive?: boolean;
}

/**
 * `serialize`: the name of a transaction-scoped advisory lock each transaction takes first. GRANT and
 * REVOKE update the object's ACL in place, and two sessions doing so on the same object at once fail
 * with "tuple concurrently updated" (XX000) instead of waiting: Pulumi applies sibling Grants in
 * parallel, so without the lock 200 grants on one schema fail an `up` or `destroy` now and then
 * (bench/benchmarks/access.ts). Advisory locks are per database, as the ACLs a Grant changes are,
 * except a database's own (pg_database is shared), which sessions on different databases could still race on.
 */
export async function applySteps(s: Session, steps: readonly SqlStep[], opts: { serialize?: string } = {}): Promise<void> {
    for (let i = 0; i < steps.length; ) {
        if (steps[i].transactional === false) {
            await runStep(s, steps[i++]);
            continue;
        }
        let j = i;
        while (j < steps.length && steps[j].transactional !== false) j++;
        const batch = steps.slice(i, j);
        await s.transaction(async () => {
            if (opts.serialize) await s.run(`SELECT pg_advisory_xact_lock(hashtext('${opts.serialize.replace(/'/g, "''")}'))`);
            for (const step of batch) await runStep(s, step);
        });
        i = j;
    }
}

async function runStep(s: Session, step: SqlStep): Promise<void> {
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

/** The plan would do something the spec does not allow: nothing was run. */
export class AccessPlanRefusedError extends Error {
    constructor(subject: string, plan: AccessPlan) {
        super(`${subject}: refused, nothing was changed\n` + plan.refusals.map((r) => `  - ${r.field}: ${r.reason}`).join("\n"));
        this.name = "AccessPlanRefusedError";
    }
}
