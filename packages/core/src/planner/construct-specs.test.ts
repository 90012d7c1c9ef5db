// The configuration a plan emits must be valid input for the constructs: parsed
// here with their own specs (packages/core/src/cluster, .../partition), and for
// PartitionedTable also planned against the catalog the plan's SQL leaves behind.
import { poolFitIssues, resolveEtcdCluster, resolveHAProxyFrontend, resolvePatroniCluster, resolvePgBouncerPool } from "../cluster";
import { CatalogBound, CatalogState, CatalogTable, parsePartitionedTable, planPartitionedTable } from "../partition";
import { parseShardedTable } from "../shard";
import { planScaling } from "./plan";
import { ScalingPlan } from "./types";

const NOW = new Date("2026-11-25T12:00:00Z");
const GOALS = ["partition_table", "setup_pooling", "configure_ha", "design_sharding", "add_replica"];
const METRICS = [
    { table_size_gb: 8, rows_millions: 20, connections_peak: 60, read_write_ratio: "50:50" },
    { table_size_gb: 500, rows_millions: 500, connections_peak: 1200, read_write_ratio: "80:20" },
    { table_size_gb: 2500, rows_millions: 9000, connections_peak: 20000, read_write_ratio: "95:5" },
];
const CONSTRAINTS = [[], ["no-downtime"], ["budget"], ["zero-data-loss", "budget"], ["session-state"], ["max-connections=100"], ["partition-by=hash"], ["partition-by=list", "retention-months=6"], ["managed-service"]];

const cases = GOALS.flatMap((g) => METRICS.flatMap((m) => CONSTRAINTS.map((c) => [g, m, c] as const)));

function validate(plan: ScalingPlan): void {
    const byType = new Map(plan.configuration.constructs.map((c) => [c.construct, c]));
    const cluster = byType.has("PatroniCluster") ? resolvePatroniCluster(byType.get("PatroniCluster")!.args, "PatroniCluster main") : undefined;
    for (const c of plan.configuration.constructs) {
        const subject = `${c.construct} ${c.name}`;
        switch (c.construct) {
            case "EtcdCluster":
                expect(resolveEtcdCluster(c.args, subject).warnings).toEqual([]);
                break;
            case "PatroniCluster":
                break; // resolved above
            case "HAProxyFrontend":
                resolveHAProxyFrontend(c.args, subject, cluster!);
                break;
            case "PgBouncerPool": {
                const pool = resolvePgBouncerPool(c.args, subject);
                const maxConnections = Number(cluster!.parameters.max_connections);
                // A replica pool spreads its server connections over the replicas (HAProxy round-robin).
                const nodes = pool.target === "replicas" ? cluster!.spec.nodes - 1 : 1;
                const perNode = { ...pool, defaultPoolSize: Math.ceil(pool.defaultPoolSize / nodes), reservePoolSize: Math.ceil(pool.reservePoolSize / nodes) };
                expect(poolFitIssues(perNode, maxConnections)).toEqual([]);
                break;
            }
            case "PartitionedTable":
                parsePartitionedTable(c.args, subject);
                break;
            case "ShardedTable":
                parseShardedTable(c.args, subject);
                // Every shard gets its connection from a reference.
                (c.args.shards as unknown[]).forEach((_, k) => expect(c.refs[`shards.${k}.uri`]).toMatch(/^config:/));
                break;
        }
    }
}

describe("emitted configuration parses with the constructs' specs", () => {
    test.each(cases)("%s %j %j", (goal, metrics, constraints) => {
        const plan = planScaling({ scaling_goal: goal, current_metrics: metrics, constraints: [...constraints] }, { now: NOW });
        expect(() => validate(plan)).not.toThrow();
    });
});

/** The catalog right after the plan's SQL ran: read back from the statements themselves. */
function catalogAfter(sql: string[], table: string, strategy: "range" | "list" | "hash", columns: CatalogTable["columns"], pk: string[]): CatalogState {
    const text = sql.join("\n");
    const partitions: { name: string; bound: CatalogBound }[] = [];
    let m: RegExpExecArray | null;
    const range = /(?:CREATE TABLE "public"\."(\w+)" PARTITION OF "public"\."\w+"|ATTACH PARTITION "public"\."(\w+)") FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)/g;
    while ((m = range.exec(text))) partitions.push({ name: m[1] ?? m[2], bound: { kind: "range", from: [m[3]], to: [m[4]] } });
    const hash = /CREATE TABLE "public"\."(\w+)" PARTITION OF "public"\."\w+" FOR VALUES WITH \(MODULUS (\d+), REMAINDER (\d+)\)/g;
    while ((m = hash.exec(text))) partitions.push({ name: m[1], bound: { kind: "hash", modulus: Number(m[2]), remainder: Number(m[3]) } });
    const list = /CREATE TABLE "public"\."(\w+)" PARTITION OF "public"\."\w+" FOR VALUES IN \(([^)]*)\)/g;
    while ((m = list.exec(text))) partitions.push({ name: m[1], bound: { kind: "list", values: m[2].split(", ").map((v) => v.slice(1, -1)) } });
    const def = /CREATE TABLE "public"\."(\w+)" PARTITION OF "public"\."\w+" DEFAULT/.exec(text);
    return {
        schemaExists: true,
        table: {
            kind: "partitioned",
            strategy,
            keyColumns: [strategy === "range" ? "created_at" : strategy === "hash" ? "user_id" : "region"],
            columns,
            primaryKey: { name: `${table}_pkey`, columns: pk },
            partitions,
            defaultPartition: def ? def[1] : null,
            indexes: [],
            hasRows: true,
        },
        standaloneTables: [],
        extensions: { partman: { available: false, schema: null }, cron: { available: false, installed: false, usableHere: false } },
        partman: null,
        cronJob: null,
    };
}

const col = (name: string, type: string, notNull: boolean, def: string | null = null, identity: "always" | null = null) => ({ name, type, notNull, default: def, identity });

describe("PartitionedTable adopts what the plan's SQL leaves behind", () => {
    test("range: from the cutover on, without refusal, drop or detach, and with the window already in place", () => {
        const plan = planScaling({ scaling_goal: "partition_table", current_metrics: { table_size_gb: 500, rows_millions: 500 } }, { now: NOW });
        const table = plan.configuration.constructs[0];
        const desired = parsePartitionedTable(table.args, "PartitionedTable events");
        const cutover = new Date(`${(desired.partitions[0].to as string)}T00:00:00Z`);
        expect(cutover.toISOString()).toBe("2026-11-30T00:00:00.000Z"); // the Monday a day or more after NOW, weekly partitions
        const catalog = catalogAfter(plan.configuration.sql, "events", "range", [
            col("id", "bigint", true, null, "always"),
            col("event_type", "text", true),
            col("data", "jsonb", false),
            col("created_at", "timestamp with time zone", true, "now()"),
        ], ["id", "created_at"]);
        expect(catalog.table!.partitions.map((p) => p.name)).toEqual(["events_legacy", "events_p2026_11_30", "events_p2026_12_07", "events_p2026_12_14", "events_p2026_12_21", "events_p2026_12_28"]);

        const atCutover = planPartitionedTable({ desired, catalog, now: cutover, intent: "create" });
        expect(atCutover.refusals).toEqual([]);
        // Only the parent's indexes are new; every partition of the window already exists.
        expect(atCutover.steps.filter((s) => !["create-index", "build-index"].includes(s.action))).toEqual([]);
        expect(atCutover.steps.filter((s) => s.action === "create-index")).toHaveLength(2);

        // Why the plan says "on or after" the cutover: before it, the window overlaps the legacy partition.
        const early = planPartitionedTable({ desired, catalog, now: NOW, intent: "create" });
        expect(early.refusals.map((r) => r.field)).toContain("partitions[0]");
    });

    test.each([
        ["hash", "user_sessions", [col("id", "bigint", true), col("user_id", "bigint", true), col("data", "jsonb", false)], ["id", "user_id"]],
        ["list", "orders", [col("id", "bigint", true, null, "always"), col("region", "text", true), col("total", "numeric", false), col("created_at", "timestamp with time zone", false, "now()")], ["id", "region"]],
    ] as const)("%s: adopted as it is", (strategy, name, columns, pk) => {
        const plan = planScaling({ scaling_goal: "partition_table", current_metrics: { table_size_gb: 60 }, constraints: [`partition-by=${strategy}`] }, { now: NOW });
        const desired = parsePartitionedTable(plan.configuration.constructs[0].args, `PartitionedTable ${name}`);
        const catalog = catalogAfter(plan.configuration.sql, name, strategy, [...columns], [...pk]);
        expect(catalog.table!.partitions.length).toBeGreaterThan(2);
        const adopted = planPartitionedTable({ desired, catalog, now: NOW, intent: "create" });
        expect(adopted.refusals).toEqual([]);
        expect(adopted.steps.filter((s) => !["create-index", "build-index"].includes(s.action))).toEqual([]);
    });
});
