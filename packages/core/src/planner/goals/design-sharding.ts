import { shardAscii, shardMermaid } from "../diagram-tables";
import { COPY_GB_PER_MINUTE, duration } from "../estimates";
import { round } from "../metrics";
import { copyMigration, newTableName, shardingSql, shardOf } from "../migration-sql";
import { connectionBudget, PLAYBOOK_MAX_CONNECTIONS } from "../sizing/connections";
import { planSharding } from "../sizing/sharding";
import { TABLE_TEMPLATES } from "../tables";
import { GoalContext, GoalPlan } from "./context";
import { hashTablePlan } from "./partition-table";

/** Hash partitions over postgres_fdw shards, or, when one node suffices, hash partitions on that node. */
export function planDesignSharding(ctx: GoalContext): GoalPlan {
    const { metrics: m, constraints: c } = ctx;
    const t = TABLE_TEMPLATES.hash;
    if (c.maxConnections === undefined) m.assume("max_connections", `max-connections not given: assumed the playbook's max_connections = ${PLAYBOOK_MAX_CONNECTIONS}`);
    const nodeBudget = connectionBudget(c.maxConnections ?? PLAYBOOK_MAX_CONNECTIONS).budget;
    const sh = planSharding(
        {
            sizeGb: m.tableSizeGb,
            rowsMillions: m.rowsMillions,
            growthGbPerMonth: m.growthGbPerMonth,
            growthRowsMillionsPerMonth: m.growthRowsMillionsPerMonth,
            connectionsPeak: m.connectionsPeak,
            writeShare: 1 - m.readWrite.readShare,
            nodeBudget,
        },
        c.budget,
    );
    const keyDecision = { topic: "shard key", choice: `${t.key} (hash)`, why: "every hot query filters by it, so it reaches one partition; a key the queries do not filter by turns every query into a scan of all shards" };
    const note = `The plan uses the playbook's example table ${t.schema}.${t.name} with shard key ${t.key}; put your table and key in the SQL.`;
    if (!sh.shard) {
        const local = hashTablePlan(ctx, t, sh.modulus, m.tableSizeGb, []);
        return {
            ...local,
            summary: `No sharding yet: ${t.schema}.${t.name} fits one primary (${round(sh.projectedGb)} GB projected in 24 months). Hash-partition it by ${t.key} into ${sh.modulus} partitions now, so moving to shards later is per partition.`,
            decisions: [...sh.decisions, keyDecision, ...local.decisions],
            notes: [...local.notes, note],
        };
    }

    const next = newTableName(t);
    const sql = shardingSql(t, next, sh.modulus, sh.shards);
    const move = copyMigration(t, [...sql.servers, ...sql.table], c.noDowntime);
    const perShardGb = round(sh.projectedGb / sh.shards);
    const diagram = {
        coordinator: `${t.schema}.${t.name} PARTITION BY HASH (${t.key}), modulus ${sh.modulus}`,
        shards: Array.from({ length: sh.shards }, (_, k) => ({
            server: `shard-${k}`,
            remainders: Array.from({ length: sh.modulus }, (_, r) => r).filter((r) => shardOf(r, sh.shards) === k),
            gb: perShardGb,
        })),
    };
    const shardStatements = sql.shards.flatMap((stmts, k) => [`-- on shard-${k}`, ...stmts]);
    return {
        summary: `Shard ${t.schema}.${t.name} by ${t.key} over ${sh.shards} servers: ${sh.modulus} hash partitions, ${sh.modulus / sh.shards > 1 ? `~${Math.round(sh.modulus / sh.shards)}` : "1"} per shard, as postgres_fdw foreign tables behind a coordinator.`,
        architecture: shardAscii(diagram),
        architecture_mermaid: shardMermaid(diagram),
        steps: [
            { title: `Provision ${sh.shards} shard servers`, changes: `${sh.shards} PostgreSQL servers (each its own HA cluster: run \`pgscale plan --goal configure_ha\` per shard), sized for ~${perShardGb} GB each over 24 months`, verify: "each shard accepts connections as role app on database appdb", online: true },
            { title: "Create the shard tables", changes: `on each shard, one plain table per remainder it holds (the \`-- on shard-k\` blocks in configuration.sql)`, verify: `on each shard \\dt ${t.schema}.${t.name}_p* lists its ${Math.round(sh.modulus / sh.shards)} table(s)`, online: true },
            { title: "Connect the coordinator", changes: "postgres_fdw, one foreign server and user mapping per shard (psql -v shard_password=... so the password stays out of files), then the partitioned parent with foreign partitions", verify: `EXPLAIN (VERBOSE) SELECT * FROM ${t.schema}.${next} WHERE ${t.key} = 42 shows one Foreign Scan on one server`, online: true },
            ...(c.noDowntime
                ? [
                      { title: "Mirror writes to the shards", changes: "a trigger on the existing table repeats every write through the coordinator", verify: `a test insert into ${t.name} appears on exactly one shard`, online: true },
                      { title: "Backfill in batches", changes: `~${round(m.tableSizeGb)} GB over the network in committed batches (${duration(m.tableSizeGb, COPY_GB_PER_MINUTE)} at ~${COPY_GB_PER_MINUTE} GB/min); traffic continues`, verify: `SELECT count(*) FROM ${t.schema}.${t.name} equals SELECT count(*) FROM ${t.schema}.${next}`, online: true },
                  ]
                : [{ title: "Copy the rows (maintenance window)", changes: `stop writes, then INSERT ... SELECT of ~${round(m.tableSizeGb)} GB through the coordinator (${duration(m.tableSizeGb, COPY_GB_PER_MINUTE)} at ~${COPY_GB_PER_MINUTE} GB/min)`, verify: `SELECT count(*) FROM ${t.schema}.${t.name} equals SELECT count(*) FROM ${t.schema}.${next}`, online: false }]),
            { title: "Swap the coordinator table in", changes: `one transaction renames ${t.name} to ${t.name}_old and ${next} to ${t.name}`, verify: "the application's queries succeed; per-shard row counts add up to the total", online: c.noDowntime },
        ],
        constructs: [],
        sql: [...shardStatements, "-- on the coordinator", ...move.create, ...move.mirror, ...move.backfill, ...move.swap],
        rollback: [
            `Before the swap: DROP the coordinator's ${next} (foreign tables only; shard data stays) and the mirror trigger; the original table is untouched.`,
            `After the swap: copy rows written since the swap back into ${t.name}_old through the coordinator, then swap the names back in one transaction. Shards can be dropped once the original table serves again.`,
        ],
        decisions: [...sh.decisions, keyDecision],
        notes: [
            note,
            "No pgscale construct manages postgres_fdw shards yet: configuration.sql is the configuration.",
            "Across shards there is no atomic commit (postgres_fdw has no two-phase commit), no unique constraint without the shard key, and no index on the coordinator: each shard indexes its own tables.",
            ...(c.managedService ? ["Managed services allow postgres_fdw with their admin role (e.g. rds_superuser); shards must reach each other over the provider's network."] : []),
        ],
    };
}
