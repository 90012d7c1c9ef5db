import { shardAscii, shardMermaid } from "../diagram-tables";
import { COPY_GB_PER_MINUTE, duration } from "../estimates";
import { round } from "../metrics";
import { DATABASE_URI_CONFIG, shardedTable, shardUriConfig } from "../constructs";
import { copyMigration, newTableName } from "../migration-sql";
import { passwordVariable, planShardedSpec, shardedTableArgs, shardedTableSql } from "../sharding-sql";
import { connectionBudget, PLAYBOOK_MAX_CONNECTIONS } from "../sizing/connections";
import { planSharding } from "../sizing/sharding";
import { TABLE_TEMPLATES } from "../tables";
import { GoalContext, GoalPlan } from "./context";
import { hashTablePlan } from "./partition-table";
import { slicesOf } from "../../shard/slices";

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
    const spec = planShardedSpec(t, sh.modulus, sh.shards);
    const sql = shardedTableSql(spec, next);
    const move = copyMigration(t, sql.coordinator, c.noDowntime);
    const perShardGb = round(sh.projectedGb / sh.shards);
    const slices = slicesOf(spec);
    const diagram = {
        coordinator: `${t.schema}.${t.name} PARTITION BY HASH (${t.key}), modulus ${sh.modulus}`,
        shards: spec.shards.map((s) => ({
            server: `shard-${s.name}`,
            remainders: slices.filter((x) => x.shard === s.name).map((x) => (x.bound.kind === "hash" ? x.bound.remainder : -1)),
            gb: perShardGb,
        })),
    };
    const shardStatements = sql.shards.flatMap((s) => [`-- on shard-${s.name}`, ...s.statements]);
    const variables = spec.shards.map((s) => `-v ${passwordVariable(s.name)}=...`).join(" ");
    const construct = shardedTable(
        t.name,
        shardedTableArgs(t, sh.modulus, sh.shards) as unknown as Record<string, unknown>,
        { coordinator: DATABASE_URI_CONFIG, ...Object.fromEntries(spec.shards.map((s, k) => [`shards.${k}.uri`, shardUriConfig(s.name)])) },
        `adopts ${t.schema}.${t.name} on the coordinator and its slices on the shards after the swap, and keeps them as declared on every \`pulumi up\``,
    );
    return {
        summary: `Shard ${t.schema}.${t.name} by ${t.key} over ${sh.shards} servers: ${sh.modulus} hash partitions, ${sh.modulus / sh.shards > 1 ? `~${Math.round(sh.modulus / sh.shards)}` : "1"} per shard, as postgres_fdw foreign tables behind a coordinator.`,
        architecture: shardAscii(diagram),
        architecture_mermaid: shardMermaid(diagram),
        steps: [
            { title: `Provision ${sh.shards} shard servers`, changes: `${sh.shards} PostgreSQL servers (each its own HA cluster: run \`pgscale plan --goal configure_ha\` per shard), sized for ~${perShardGb} GB each over 24 months`, verify: "each shard accepts connections as role app on database appdb", online: true },
            { title: "Create the shard tables", changes: `on each shard, its block of configuration.sql (\`-- on shard-s1\` ...): ${t.schema}.${t.name} hash-partitioned by ${t.key} with the ${sh.modulus / sh.shards} slice(s) the shard holds, and the role the coordinator logs in as (DML on those slices only), run with psql ${variables} so no password is written down`, verify: `on each shard \\d+ ${t.schema}.${t.name} lists ${sh.modulus / sh.shards} partition(s)`, online: true },
            { title: "Connect the coordinator", changes: `its block of configuration.sql with the same psql variables: postgres_fdw, one foreign server per shard (set host, port and dbname to the shard's) with a user mapping as its role, then ${t.schema}.${next} with one foreign partition per slice`, verify: `EXPLAIN (VERBOSE) SELECT * FROM ${t.schema}.${next} WHERE ${t.key} = 42 shows one Foreign Scan on one server`, online: true },
            ...(c.noDowntime
                ? [
                      { title: "Mirror writes to the shards", changes: "a trigger on the existing table repeats every write through the coordinator", verify: `a test insert into ${t.name} appears on exactly one shard`, online: true },
                      { title: "Backfill in batches", changes: `~${round(m.tableSizeGb)} GB over the network in committed batches (${duration(m.tableSizeGb, COPY_GB_PER_MINUTE)} at ~${COPY_GB_PER_MINUTE} GB/min); traffic continues`, verify: `SELECT count(*) FROM ${t.schema}.${t.name} equals SELECT count(*) FROM ${t.schema}.${next}`, online: true },
                  ]
                : [{ title: "Copy the rows (maintenance window)", changes: `stop writes, then INSERT ... SELECT of ~${round(m.tableSizeGb)} GB through the coordinator (${duration(m.tableSizeGb, COPY_GB_PER_MINUTE)} at ~${COPY_GB_PER_MINUTE} GB/min)`, verify: `SELECT count(*) FROM ${t.schema}.${t.name} equals SELECT count(*) FROM ${t.schema}.${next}`, online: false }]),
            { title: "Swap the coordinator table in", changes: `one transaction renames ${t.name} to ${t.name}_old and ${next} to ${t.name}`, verify: "the application's queries succeed; per-shard row counts add up to the total", online: c.noDowntime },
            {
                title: "Adopt the sharded table with ShardedTable",
                changes: `\`pulumi up\` with the ShardedTable below (stack config: the coordinator's URI as the secret databaseUri, each shard's as ${spec.shards.map((s) => shardUriConfig(s.name).slice("config:".length)).join(", ")}). It finds every object the SQL made under its own names and gives each shard role a generated password (a Pulumi secret) in place of the psql one`,
                verify: "`pulumi preview` shows the ShardedTable with no step on a table (a server whose host, port or dbname differs from the shard's URI shows `~ alter server`); after the up, `pulumi refresh` reports no drift",
                online: true,
            },
        ],
        constructs: [construct],
        sql: [...shardStatements, "-- on the coordinator", ...move.create, ...move.mirror, ...move.backfill, ...move.swap],
        rollback: [
            `Before the swap: DROP the coordinator's ${next} (foreign tables only; shard data stays) and the mirror trigger; the original table is untouched.`,
            `After the swap: copy rows written since the swap back into ${t.name}_old through the coordinator, then swap the names back in one transaction. Shards can be dropped once the original table serves again.`,
        ],
        decisions: [...sh.decisions, keyDecision],
        notes: [
            note,
            "The SQL uses ShardedTable's names (servers, roles, slices), so the ShardedTable adopts what it built; keep the names when you adapt it.",
            "Across shards there is no atomic commit (postgres_fdw has no two-phase commit), no unique constraint without the shard key, and no index on the coordinator: each shard indexes its own tables.",
            ...(c.managedService ? ["Managed services allow postgres_fdw with their admin role (e.g. rds_superuser); shards must reach each other over the provider's network."] : []),
        ],
    };
}
