import type { CatalogState } from "./catalog";
import * as ddl from "./ddl";
import * as partman from "./partman";
import type { PartitionPlan, PlanStep } from "./plan-types";
import type { PartitionedTableSpec } from "./spec";

/**
 * What deleting the resource does with removalPolicy "destroy": stop pg_partman's
 * maintenance of it and drop the parent, which drops its partitions. Partitions
 * detached earlier are separate tables by then and stay.
 */
export function planRemoval(spec: PartitionedTableSpec, catalog: CatalogState): PartitionPlan {
    const steps: PlanStep[] = [];
    const qualified = `${spec.schema}.${spec.name}`;
    if (catalog.partman || catalog.cronJob) {
        const schema = catalog.extensions.partman.schema ?? "partman";
        steps.push({
            action: "stop-partman",
            summary: `- stop pg_partman maintenance of ${qualified}`,
            statements: [...(catalog.cronJob ? [partman.unscheduleMaintenanceSql(spec)] : []), ...(catalog.partman ? partman.forgetPartmanSql(schema, spec) : [])],
            transactional: true,
            dataLoss: false,
        });
    }
    const t = catalog.table;
    if (t) {
        const n = t.partitions.length + (t.defaultPartition ? 1 : 0);
        steps.push({
            action: "drop-table",
            summary: `${t.hasRows ? "!" : "-"} drop table ${qualified} and its ${n} partitions (removalPolicy "destroy"${t.hasRows ? "; deletes its rows" : ""})`,
            statements: [ddl.dropTableSql(spec.schema, spec.name)],
            transactional: true,
            dataLoss: t.hasRows,
        });
    }
    return { steps, refusals: [], notes: [] };
}
