// The benchmark stack: N daily partitions (a rolling window of premake N-1) and
// two indexes; or, for the no-op preview baselines, nothing at all (`empty`) or
// one dynamic resource that does nothing (`trivial`: the cost of any Node
// dynamic provider, whose plugin process an empty stack never starts).
const pulumi = require("@pulumi/pulumi");
const cfg = new pulumi.Config();
if (cfg.getBoolean("trivial")) {
    new pulumi.dynamic.Resource({ async create() { return { id: "noop", outs: {} }; } }, "noop", {});
} else if (!cfg.getBoolean("empty")) {
    const { PartitionedTable } = require("@pgscale/postgres");
    const n = cfg.requireNumber("partitions");
    new PartitionedTable("events", {
        connection: cfg.requireSecret("pgUri"),
        schema: cfg.require("schema"),
        name: "events",
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "event_type", type: "text", notNull: true },
            { name: "data", type: "jsonb" },
            { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
        ],
        primaryKey: ["id", "created_at"],
        partitionBy: { strategy: "range", columns: ["created_at"] },
        rolling: { interval: "1 day", premake: n - 1 },
        indexes: [{ columns: ["created_at"] }, { columns: ["event_type"] }],
        removalPolicy: "destroy",
    });
}
