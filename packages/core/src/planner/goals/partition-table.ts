import { addInterval, floorToInterval, parseInterval, rollingPartitionName } from "../../partition";
import { DATABASE_URI_CONFIG, partitionedTable } from "../constructs";
import { treeAscii, treeMermaid, TreePartition } from "../diagram-tables";
import { COPY_GB_PER_MINUTE, duration, SCAN_GB_PER_MINUTE } from "../estimates";
import { round } from "../metrics";
import { attachMigration, copyMigration, hashTableDdl, LEGACY_FROM, listTableDdl, newTableName } from "../migration-sql";
import { partitioningWorthwhile, sizeHashPartitions, sizeRangePartitions } from "../sizing/partitions";
import { LIST_EXAMPLE, TABLE_TEMPLATES, TableTemplate } from "../tables";
import { ConstructConfig, Decision } from "../types";
import { GoalContext, GoalPlan } from "./context";

const day = (d: Date) => d.toISOString().slice(0, 10);

function baseArgs(t: TableTemplate) {
    return {
        schema: t.schema,
        name: t.name,
        columns: t.columns.map((c) => ({ ...c })),
        primaryKey: [...t.primaryKey],
    };
}

function tableConstruct(t: TableTemplate, args: Record<string, unknown>, purpose: string): ConstructConfig {
    return partitionedTable(t.name, { ...baseArgs(t), ...args, adoptExisting: true }, DATABASE_URI_CONFIG, purpose);
}

const configStep = {
    title: "Give the stack the database connection",
    changes: "pulumi config set --secret databaseUri postgresql://... (a role that owns the table)",
    verify: "pulumi config get databaseUri prints the URI; psql with it can run SELECT 1",
    online: true,
};

const pruningStep = (t: TableTemplate, where: string) => ({
    title: "Check that queries prune partitions",
    changes: "nothing; a check of the access path",
    verify: `SHOW enable_partition_pruning returns on; EXPLAIN SELECT * FROM ${t.schema}.${t.name} WHERE ${where} scans only the matching partition(s). A query without the partition key in WHERE scans all of them: add it, or index each partition for it`,
    online: true,
});

/** Partitioning an existing table: strategy, sizing, an online migration and adoption by PartitionedTable. */
export function planPartitionTable(ctx: GoalContext): GoalPlan {
    const strategy = ctx.constraints.partitionBy ?? "range";
    const facts = {
        sizeGb: ctx.metrics.tableSizeGb,
        rowsMillions: ctx.metrics.rowsMillions,
        growthGbPerMonth: ctx.metrics.growthGbPerMonth,
        growthRowsMillionsPerMonth: ctx.metrics.growthRowsMillionsPerMonth,
    };
    const worth = partitioningWorthwhile(facts, ctx.constraints.retentionMonths);
    const strategyDecision: Decision = ctx.constraints.partitionBy
        ? { topic: "strategy", choice: strategy, why: `constraint partition-by=${strategy}` }
        : { topic: "strategy", choice: "range on the time column", why: "the default for tables that grow with time (the playbook's events): recent partitions stay hot and cached, old ones are detached whole. Use partition-by=hash for tables read by key with no time dimension, partition-by=list for a few large categories" };
    const plan = strategy === "range" ? rangePlan(ctx, facts) : copyPlan(ctx, strategy, facts);
    const notes = [...plan.notes, `The plan uses the playbook's example table ${TABLE_TEMPLATES[strategy].schema}.${TABLE_TEMPLATES[strategy].name}; put your table's name and columns in the SQL and the PartitionedTable arguments.`];
    return { ...plan, decisions: [worth.decision, strategyDecision, ...plan.decisions], notes };
}

function rangePlan(ctx: GoalContext, f: { sizeGb: number; rowsMillions: number; growthGbPerMonth: number; growthRowsMillionsPerMonth: number }): GoalPlan {
    const t = TABLE_TEMPLATES.range;
    const range = sizeRangePartitions(f, ctx.constraints.retentionMonths);
    const iv = parseInterval(range.interval)!;
    // The first partition boundary at least a day away: the swap must run before it.
    const soonest = new Date(ctx.now.getTime() + 24 * 3600 * 1000);
    const floor = floorToInterval(soonest, iv);
    const cutover = floor.getTime() < soonest.getTime() ? addInterval(floor, iv) : floor;
    const cutoverDay = day(cutover);
    const legacy = `${t.name}_legacy`;
    // The window PartitionedTable keeps from the cutover on: created in the swap so no row waits in the default partition.
    const ahead = Array.from({ length: range.premake + 1 }, (_, i) => {
        const from = addInterval(cutover, iv, i);
        return { name: rollingPartitionName(t.name, from, iv), from: day(from), to: day(addInterval(from, iv)) };
    });
    const sql = attachMigration(t, cutoverDay, ahead);
    const rolling = ahead.map((p, i): TreePartition => ({ name: p.name, bound: `[${p.from}, ${p.to})`, note: i === 0 ? `~${round(range.perPartitionGb)} GB each` : undefined }));
    const tree = {
        parent: `${t.schema}.${t.name}`,
        header: `PARTITION BY RANGE (${t.key}); rolling ${range.interval}, premake ${range.premake}${range.retention ? `, retention ${range.retention} (detach)` : ""}`,
        partitions: [
            { name: legacy, bound: `[${LEGACY_FROM}, ${cutoverDay})`, note: `the existing ${round(f.sizeGb)} GB, attached without copying` },
            ...rolling,
            { name: `${t.name}_default`, bound: "DEFAULT", note: "rows outside every range; keep it empty" },
        ],
    };
    const construct = tableConstruct(
        t,
        {
            partitionBy: { strategy: "range", columns: [t.key] },
            partitions: [{ name: legacy, from: LEGACY_FROM, to: cutoverDay }],
            defaultPartition: true,
            indexes: t.indexes.map((i) => ({ columns: [...i.columns] })),
            rolling: { interval: range.interval, premake: range.premake, ...(range.retention ? { retention: range.retention } : {}), onExpire: "detach" },
        },
        `adopts ${t.schema}.${t.name} after the swap and keeps the rolling window going on every \`pulumi up\``,
    );
    const decisions: Decision[] = [
        ...range.decisions,
        {
            topic: "migration",
            choice: `attach the existing table as partition ${legacy} [${LEGACY_FROM}, ${cutoverDay})`,
            why: `copying ${round(f.sizeGb)} GB would take ${duration(f.sizeGb, COPY_GB_PER_MINUTE)} plus index builds; attaching moves no rows. A validated CHECK makes ATTACH skip its scan and the prebuilt unique index becomes the partition's primary key, so the swap holds its lock for milliseconds`,
        },
        {
            topic: "default partition",
            choice: "yes",
            why: "a row outside every range (clock skew, a late backfill) lands there instead of failing the insert; keep it empty, because creating a partition scans it",
        },
    ];
    return {
        summary: `Range-partition ${t.schema}.${t.name} by ${t.key} in ${range.interval} partitions (~${round(range.perPartitionGb)} GB each); the existing ${round(f.sizeGb)} GB become one legacy partition without a copy.`,
        architecture: treeAscii(tree),
        architecture_mermaid: treeMermaid(tree),
        steps: [
            {
                title: "Check what references the table",
                changes: "nothing; foreign keys pointing at the table must reference its full primary key after partitioning",
                verify: `SELECT conname, conrelid::regclass FROM pg_constraint WHERE confrelid = '${t.schema}.${t.name}'::regclass returns no rows (drop and re-create such foreign keys on (${t.primaryKey.join(", ")}) around the swap)`,
                online: true,
            },
            {
                title: "Build the primary-key index with the partition key",
                changes: sql.prepare[0],
                verify: `SELECT indisvalid FROM pg_index WHERE indexrelid = '${t.schema}.${t.name}_${t.primaryKey.join("_")}_key'::regclass returns t (a failed CONCURRENTLY build leaves an invalid index: drop it and retry)`,
                online: true,
            },
            {
                title: "Add and validate the bound check",
                changes: `${sql.prepare[1]} then ${sql.prepare[2]} (a scan of ${duration(f.sizeGb, SCAN_GB_PER_MINUTE)} at ~${SCAN_GB_PER_MINUTE} GB/min under SHARE UPDATE EXCLUSIVE: reads and writes continue)`,
                verify: `SELECT convalidated FROM pg_constraint WHERE conname = '${legacy}_bounds' returns t`,
                online: true,
            },
            {
                title: `Swap in the partitioned table (before ${cutoverDay} 00:00 UTC)`,
                changes: `one transaction (the BEGIN ... COMMIT block in configuration.sql): rename, create the parent, attach the old table, continue the identity, create the partitions from ${cutoverDay} and the default partition. lock_timeout makes it fail instead of queueing behind long queries; re-run it then. Past ${cutoverDay} the bound check fails: re-run pgscale plan for a new date`,
                verify: `SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = '${t.schema}.${legacy}'::regclass returns the bound up to ${cutoverDay}; the application's inserts keep succeeding`,
                online: true,
            },
            configStep,
            {
                title: `Adopt the table with PartitionedTable (on or after ${cutoverDay})`,
                changes: `\`pulumi up\` with the PartitionedTable below: it adopts the table and from then on keeps ${range.premake} partitions of ${range.interval} ahead and the parent's indexes. Not before ${cutoverDay}: until then the rolling window's current partition would overlap ${legacy}, and pgscale refuses that`,
                verify: "`pulumi preview` lists only index creations and window partitions, no drop, detach or replace; afterwards \\d+ shows the partitions",
                online: true,
            },
            pruningStep(t, `${t.key} >= now() - interval '1 day'`),
            {
                title: "Keep the window moving",
                changes: `run \`pulumi up\` on a schedule (CI) well within the premade runway of ${range.premake} x ${range.interval}`,
                verify: `SELECT max(pg_get_expr(relpartbound, oid)) FROM pg_class WHERE relispartition AND relname LIKE '${t.name}_p%' stays ${range.premake} intervals ahead of now`,
                online: true,
            },
        ],
        constructs: [construct],
        sql: [...sql.prepare, ...sql.swap],
        rollback: [
            "Before the swap: DROP the bound check and the new unique index; nothing else changed.",
            `After the swap: remove the PartitionedTable from the stack first (its removal policy retains the table), then in one transaction detach ${legacy}, copy the rows of the newer partitions into it, drop the partitioned parent and rename ${legacy} back to ${t.name}. Re-create the primary key on (id) from a unique index built CONCURRENTLY beforehand.`,
            "Detached partitions (retention) are ordinary tables: re-attach one with ALTER TABLE ... ATTACH PARTITION ... FOR VALUES FROM ... TO ...",
        ],
        decisions,
        notes: range.notes,
    };
}

/** Hash and list need the rows to move into new partitions. */
function copyPlan(ctx: GoalContext, strategy: "hash" | "list", f: { sizeGb: number; rowsMillions: number; growthGbPerMonth: number; growthRowsMillionsPerMonth: number }): GoalPlan {
    const t = TABLE_TEMPLATES[strategy];
    if (strategy === "hash") {
        const hash = sizeHashPartitions(f.sizeGb + 24 * f.growthGbPerMonth, f.rowsMillions + 24 * f.growthRowsMillionsPerMonth);
        return hashTablePlan(ctx, t, hash.modulus, f.sizeGb, [hash.decision]);
    }
    const tree = {
        parent: `${t.schema}.${t.name}`,
        header: `PARTITION BY LIST (${t.key})`,
        partitions: [
            ...LIST_EXAMPLE.map((l) => ({ name: `${t.name}_${l.suffix}`, bound: `IN (${l.values.join(", ")})` })),
            { name: `${t.name}_default`, bound: "DEFAULT", note: "values not listed yet" },
        ],
    };
    const construct = tableConstruct(
        t,
        {
            partitionBy: { strategy: "list", columns: [t.key] },
            partitions: LIST_EXAMPLE.map((l) => ({ name: `${t.name}_${l.suffix}`, values: [...l.values] })),
            defaultPartition: true,
            indexes: t.indexes.map((i) => ({ columns: [...i.columns] })),
        },
        `adopts ${t.schema}.${t.name} after the swap; new categories become new list partitions`,
    );
    return copyMigrationPlan(ctx, t, listTableDdl(t, newTableName(t), LIST_EXAMPLE), construct, tree, f.sizeGb, [
        { topic: "list partitions", choice: LIST_EXAMPLE.map((l) => l.suffix).join(", ") + " + default", why: "one partition per large category (the playbook's regions as the example); small categories share the default partition until they grow" },
    ], `${t.key} = 'US'`);
}

/** Also used by design_sharding when one node is enough. */
export function hashTablePlan(ctx: GoalContext, t: TableTemplate, modulus: number, sizeGb: number, decisions: Decision[]): GoalPlan {
    const perGb = round(sizeGb / modulus);
    const tree = {
        parent: `${t.schema}.${t.name}`,
        header: `PARTITION BY HASH (${t.key}), modulus ${modulus}`,
        partitions: Array.from({ length: modulus }, (_, r) => ({ name: `${t.name}_${r}`, bound: `MODULUS ${modulus}, REMAINDER ${r}`, note: r === 0 ? `~${perGb} GB each today` : undefined })),
    };
    const construct = tableConstruct(
        t,
        { partitionBy: { strategy: "hash", columns: [t.key] }, partitions: [{ modulus }], indexes: t.indexes.map((i) => ({ columns: [...i.columns] })) },
        `adopts ${t.schema}.${t.name} after the swap`,
    );
    return copyMigrationPlan(ctx, t, hashTableDdl(t, newTableName(t), modulus), construct, tree, sizeGb, decisions, `${t.key} = 42`);
}

function copyMigrationPlan(
    ctx: GoalContext,
    t: TableTemplate,
    create: string[],
    construct: ConstructConfig,
    tree: { parent: string; header: string; partitions: TreePartition[] },
    sizeGb: number,
    decisions: Decision[],
    pruneWhere: string,
): GoalPlan {
    const online = ctx.constraints.noDowntime;
    const sql = copyMigration(t, create, online);
    const copyTime = duration(sizeGb, COPY_GB_PER_MINUTE);
    const next = newTableName(t);
    const countCheck = `SELECT (SELECT count(*) FROM ${t.schema}.${t.name}) = (SELECT count(*) FROM ${t.schema}.${next}) returns t`;
    const steps: GoalPlan["steps"] = [
        { title: `Create the partitioned table as ${next}`, changes: `the \`create\` statements in configuration.sql (${create.length} statements)`, verify: `\\d+ ${t.schema}.${next} lists the partitions`, online: true },
        ...(online
            ? [
                  { title: "Mirror writes into the new table", changes: "a trigger on the old table repeats every INSERT, UPDATE and DELETE on the new one", verify: `insert a test row into ${t.name}; it appears in ${next}`, online: true },
                  { title: "Backfill in batches", changes: `copies ~${round(sizeGb)} GB in committed batches of 10 000 keys (${copyTime} at ~${COPY_GB_PER_MINUTE} GB/min, plus index maintenance); traffic continues`, verify: countCheck, online: true },
              ]
            : [{ title: "Copy the rows (maintenance window)", changes: `stop writes to ${t.name}, then INSERT ... SELECT of ~${round(sizeGb)} GB: ${copyTime} at ~${COPY_GB_PER_MINUTE} GB/min plus index maintenance`, verify: countCheck, online: false }]),
        { title: "Swap the tables", changes: `one transaction: ${t.name} becomes ${t.name}_old, ${next} becomes ${t.name}; lock_timeout makes it fail rather than queue`, verify: `\\d+ ${t.schema}.${t.name} shows the partitions; the application's writes succeed`, online },
        configStep,
        { title: "Adopt the table with PartitionedTable", changes: "`pulumi up` with the PartitionedTable below adopts the table as it is", verify: "`pulumi preview` shows the adoption and no drop or replace", online: true },
        pruningStep(t, pruneWhere),
        { title: `Drop ${t.name}_old after a grace period`, changes: `DROP TABLE ${t.schema}.${t.name}_old once the new table has served a full business cycle`, verify: "the application's reports and jobs ran against the new table", online: true },
    ];
    return {
        summary: `${tree.header.split(",")[0]} for ${t.schema}.${t.name}: a new partitioned table filled ${online ? "online (mirror trigger + batched backfill)" : "in a maintenance window"} and swapped in.`,
        architecture: treeAscii(tree),
        architecture_mermaid: treeMermaid(tree),
        steps,
        constructs: [construct],
        sql: [...sql.create, ...sql.mirror, ...sql.backfill, ...sql.swap],
        rollback: [
            `Before the swap: DROP TABLE ${next}${online ? ` and the mirror trigger and function on ${t.name}` : ""}; the original table was never changed.`,
            `After the swap: remove the PartitionedTable from the stack (removal policy retains the table), copy rows written since the swap from ${t.name} into ${t.name}_old (INSERT ... ON CONFLICT DO NOTHING), then swap the names back in one transaction.`,
        ],
        decisions: [
            ...decisions,
            { topic: "migration", choice: online ? "online: mirror trigger + batched backfill" : "copy in a maintenance window", why: online ? "constraint no-downtime" : `no no-downtime constraint: a plain copy (${copyTime}) is simpler than a trigger` },
        ],
        notes: [],
    };
}
