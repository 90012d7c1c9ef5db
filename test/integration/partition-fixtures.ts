import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import { resolve } from "path";
import { Client } from "pg";
import { parsePartitionedTable, type PartitionedTableInput } from "@pgscale/core";
import type * as pulumi from "@pulumi/pulumi";
import { partitionedTableProvider } from "@pgscale/postgres";

// Fixtures for PartitionedTable against a real PostgreSQL. The specs are the
// stacks' arguments (a Pulumi e2e program passes the same objects plus
// `connection`); the Engine drives the dynamic provider's methods in the order
// `pulumi preview/up/refresh/destroy` does, so the same scenarios run with or
// without the CLI.

let cachedUri: string | undefined;

/** PGSCALE_TEST_PG_URI, else the throwaway server of scripts/host-postgres (started if needed). */
export function testPgUri(): string {
    if (cachedUri) return cachedUri;
    const fromEnv = process.env.PGSCALE_TEST_PG_URI;
    if (fromEnv) return (cachedUri = fromEnv);
    const script = resolve(__dirname, "../../scripts/host-postgres");
    const out = execFileSync(script, ["start"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    const uri = out.split("\n").pop() ?? "";
    if (!/^postgres(ql)?:\/\//.test(uri)) throw new Error("scripts/host-postgres start printed no URI");
    return (cachedUri = uri);
}

/** A schema of its own for one test file, dropped (with pg_partman/pg_cron leftovers) by `drop()`. */
export class TestSchema {
    readonly name: string;
    private constructor(readonly admin: Client, label: string) {
        this.name = `it_${label}_${randomBytes(3).toString("hex")}`;
    }

    static async create(label: string): Promise<TestSchema> {
        const admin = new Client({ connectionString: testPgUri() });
        await admin.connect();
        await admin.query("SET TimeZone = 'UTC'");
        const s = new TestSchema(admin, label);
        await admin.query(`CREATE SCHEMA "${s.name}"`);
        return s;
    }

    async sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
        return (await this.admin.query(text, values)).rows as R[];
    }

    /** Partitions of a table: name and bound as pg_get_expr prints them. */
    async partitions(table: string): Promise<{ name: string; bound: string }[]> {
        return this.sql<{ name: string; bound: string }>(
            `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
            [`"${this.name}"."${table}"`],
        );
    }

    async tableExists(table: string): Promise<boolean> {
        const [r] = await this.sql<{ e: boolean }>("SELECT to_regclass($1) IS NOT NULL AS e", [`"${this.name}"."${table}"`]);
        return r.e;
    }

    async count(table: string): Promise<number> {
        const [r] = await this.sql<{ n: string }>(`SELECT count(*) AS n FROM "${this.name}"."${table}"`);
        return Number(r.n);
    }

    async drop(): Promise<void> {
        const partman = await this.sql<{ s: string | null }>("SELECT (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_partman') AS s");
        const ps = partman[0].s;
        if (ps) {
            const rows = await this.sql<{ parent_table: string }>(`SELECT parent_table FROM "${ps}".part_config WHERE parent_table LIKE $1`, [`${this.name}.%`]);
            for (const r of rows) {
                await this.sql(`DELETE FROM "${ps}".part_config WHERE parent_table = $1`, [r.parent_table]);
                await this.sql(`DROP TABLE IF EXISTS "${ps}"."template_${r.parent_table.replace(".", "_")}"`);
            }
        }
        const [cron] = await this.sql<{ e: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') AS e");
        if (cron.e) await this.sql("SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname LIKE $1", [`pgscale_partman_${this.name}.%`]);
        await this.sql(`DROP SCHEMA IF EXISTS "${this.name}" CASCADE`);
        await this.admin.end();
    }
}

// ---- Stacks' arguments ------------------------------------------------------

/** The issue's example: range by created_at, two quarters, a default partition, two indexes. */
export function eventsSpec(schema: string, over: Partial<PartitionedTableInput> = {}): PartitionedTableInput {
    return {
        schema,
        name: "events",
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "event_type", type: "text", notNull: true },
            { name: "data", type: "jsonb" },
            { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
        ],
        primaryKey: ["id", "created_at"],
        partitionBy: { strategy: "range", columns: ["created_at"] },
        partitions: [
            { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
            { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
        ],
        defaultPartition: true,
        indexes: [{ columns: ["created_at"] }, { columns: ["event_type"] }],
        ...over,
    };
}

/** The playbook's list example. */
export function ordersSpec(schema: string, over: Partial<PartitionedTableInput> = {}): PartitionedTableInput {
    return {
        schema,
        name: "orders",
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "region", type: "text", notNull: true },
            { name: "total", type: "numeric" },
            { name: "created_at", type: "timestamptz", default: "now()" },
        ],
        primaryKey: ["id", "region"],
        partitionBy: { strategy: "list", columns: ["region"] },
        partitions: [
            { name: "orders_us", values: ["US", "CA"] },
            { name: "orders_eu", values: ["UK", "DE", "FR"] },
            { name: "orders_asia", values: ["JP", "CN", "KR"] },
        ],
        ...over,
    };
}

/** The playbook's hash example, with the modulus shorthand. */
export function sessionsSpec(schema: string, over: Partial<PartitionedTableInput> = {}): PartitionedTableInput {
    return {
        schema,
        name: "user_sessions",
        columns: [
            { name: "id", type: "bigint" },
            { name: "user_id", type: "bigint", notNull: true },
            { name: "data", type: "jsonb" },
        ],
        partitionBy: { strategy: "hash", columns: ["user_id"] },
        partitions: [{ modulus: 4 }],
        ...over,
    };
}

/** The playbook's hand-written events table: what `pulumi import` (adoptExisting) takes over. */
export function playbookEventsSql(schema: string): string[] {
    const t = `"${schema}".events`;
    return [
        `CREATE TABLE ${t} (
            id BIGINT GENERATED ALWAYS AS IDENTITY,
            event_type TEXT NOT NULL,
            data JSONB,
            created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
        ) PARTITION BY RANGE (created_at)`,
        `CREATE TABLE "${schema}".events_2024_q1 PARTITION OF ${t} FOR VALUES FROM ('2024-01-01') TO ('2024-04-01')`,
        `CREATE TABLE "${schema}".events_2024_q2 PARTITION OF ${t} FOR VALUES FROM ('2024-04-01') TO ('2024-07-01')`,
        `CREATE TABLE "${schema}".events_2024_q3 PARTITION OF ${t} FOR VALUES FROM ('2024-07-01') TO ('2024-10-01')`,
        `CREATE TABLE "${schema}".events_2024_q4 PARTITION OF ${t} FOR VALUES FROM ('2024-10-01') TO ('2025-01-01')`,
        `CREATE TABLE "${schema}".events_default PARTITION OF ${t} DEFAULT`,
        `CREATE INDEX idx_events_created ON ${t} (created_at)`,
        `CREATE INDEX idx_events_type ON ${t} (event_type)`,
    ];
}

/** The spec that describes playbookEventsSql. */
export function playbookEventsSpec(schema: string, over: Partial<PartitionedTableInput> = {}): PartitionedTableInput {
    return {
        schema,
        name: "events",
        columns: [
            { name: "id", type: "bigint", identity: "always" },
            { name: "event_type", type: "text", notNull: true },
            { name: "data", type: "jsonb" },
            { name: "created_at", type: "timestamptz", notNull: true, default: "now()" },
        ],
        partitionBy: { strategy: "range", columns: ["created_at"], contiguous: true },
        partitions: [
            { name: "events_2024_q1", from: "2024-01-01", to: "2024-04-01" },
            { name: "events_2024_q2", from: "2024-04-01", to: "2024-07-01" },
            { name: "events_2024_q3", from: "2024-07-01", to: "2024-10-01" },
            { name: "events_2024_q4", from: "2024-10-01", to: "2025-01-01" },
        ],
        defaultPartition: true,
        indexes: [
            { columns: ["created_at"], name: "idx_events_created" },
            { columns: ["event_type"], name: "idx_events_type" },
        ],
        adoptExisting: true,
        ...over,
    };
}

// ---- The engine's sequence of provider calls ---------------------------------

type Props = Record<string, unknown>;

export interface ResourceState {
    id: string;
    /** Inputs as check returned them (what the state keeps as inputs). */
    inputs: Props;
    outputs: Props;
}

export interface Preview {
    inputs: Props;
    failures: { property: string; reason: string }[];
    /** Lines preview shows for `plan`. */
    plan: string[];
    changes: boolean;
}

/** Values cross the engine as protobuf Structs: JSON-like, no undefined. */
export const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/**
 * Calls a dynamic provider (the object Pulumi serializes into the state) the way the engine does.
 * Its methods load the implementation through require("@pgscale/postgres"), as in the provider
 * process. `props` is what the resource's constructor registers; `C` the connections a preview may override.
 */
export abstract class ProviderEngine<A, C> {
    protected abstract readonly provider: pulumi.dynamic.ResourceProvider;
    abstract props(args: A, connections?: C): Props;

    async preview(args: A, state?: ResourceState, connections?: C): Promise<Preview> {
        const p = this.provider;
        const checked = await p.check!(state?.inputs ?? {}, this.props(args, connections));
        const inputs = wire(checked.inputs ?? {});
        const changes = state ? (await p.diff!(state.id, state.outputs, inputs)).changes !== false : true;
        return { inputs, failures: checked.failures ?? [], plan: (inputs.plan as string[]) ?? [], changes };
    }

    /** `pulumi up` for one resource: check, then create, or diff and update. */
    async up(args: A, state?: ResourceState): Promise<ResourceState> {
        const pv = await this.preview(args, state);
        if (pv.failures.length) throw new Error(`check failed:\n${pv.failures.map((f) => `  ${f.property}: ${f.reason}`).join("\n")}`);
        const p = this.provider;
        if (!state) {
            const created = await p.create(pv.inputs);
            return { id: created.id, inputs: pv.inputs, outputs: wire(created.outs ?? {}) };
        }
        if (!pv.changes) return { ...state, inputs: pv.inputs };
        const updated = await p.update!(state.id, state.outputs, pv.inputs);
        return { id: state.id, inputs: pv.inputs, outputs: wire(updated.outs ?? {}) };
    }

    /** `pulumi refresh`: the state as read back; undefined when the resource is gone. */
    async refresh(state: ResourceState): Promise<ResourceState | undefined> {
        const read = await this.provider.read!(state.id, state.outputs);
        if (!read.id) return undefined;
        return { id: read.id, inputs: state.inputs, outputs: wire(read.props ?? {}) };
    }

    async destroy(state: ResourceState): Promise<void> {
        await this.provider.delete!(state.id, state.outputs);
    }
}

/** PartitionedTable's provider, on one connection (the host server unless given). */
export class Engine extends ProviderEngine<PartitionedTableInput, string> {
    protected readonly provider = partitionedTableProvider;
    constructor(private readonly connection: string = testPgUri()) {
        super();
    }

    /** The props the PartitionedTable constructor registers (spec validated and defaulted, connection). */
    props(args: PartitionedTableInput, connection = this.connection): Props {
        return wire({ ...parsePartitionedTable(args, `PartitionedTable ${args.name}`), connection });
    }
}

export interface ObservedPartition {
    name: string;
    bound: string;
}

export const observedPartitions = (s: ResourceState) => ((s.outputs.observed as { partitions: ObservedPartition[] }).partitions ?? []).map((p) => p.name);
