import { randomBytes } from "crypto";
import { Client } from "pg";
import { parseShardedTable, type ShardedTableInput } from "@pgscale/core";
import { shardedTableProvider } from "@pgscale/postgres";
import { testPgUri, type Preview, type ResourceState } from "./partition-fixtures";

// Fixtures for ShardedTable against the host PostgreSQL: the coordinator and each
// shard are databases of their own on it (postgres_fdw connects back over loopback),
// and ShardEngine calls the dynamic provider the way the engine does.

type Props = Record<string, unknown>;
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export function uriOf(db: string): string {
    const u = new URL(testPgUri());
    u.pathname = `/${db}`;
    return u.toString();
}

/** Databases for a coordinator and `shards` shards; `drop()` removes them and the roles given. */
export class ShardDatabases {
    readonly prefix = `it_shard_${randomBytes(3).toString("hex")}`;
    readonly clients = new Map<string, Client>();
    constructor(readonly shardNames: string[]) {}

    db(name: string): string {
        return `${this.prefix}_${name}`;
    }

    async create(): Promise<void> {
        const admin = new Client({ connectionString: testPgUri() });
        await admin.connect();
        try {
            for (const n of ["c", ...this.shardNames]) await admin.query(`CREATE DATABASE "${this.db(n)}"`);
        } finally {
            await admin.end();
        }
    }

    /** A session as the server's admin on the coordinator ("c") or a shard. */
    async sql<R extends Record<string, unknown> = Record<string, unknown>>(on: string, text: string, values: unknown[] = []): Promise<R[]> {
        let c = this.clients.get(on);
        if (!c) {
            c = new Client({ connectionString: uriOf(this.db(on)) });
            await c.connect();
            this.clients.set(on, c);
        }
        return (await c.query(text, values)).rows as R[];
    }

    async drop(roles: string[]): Promise<void> {
        for (const c of this.clients.values()) await c.end();
        const admin = new Client({ connectionString: testPgUri() });
        await admin.connect();
        try {
            for (const n of ["c", ...this.shardNames]) await admin.query(`DROP DATABASE IF EXISTS "${this.db(n)}" WITH (FORCE)`);
            for (const r of roles) await admin.query(`DROP ROLE IF EXISTS "${r}"`);
        } finally {
            await admin.end();
        }
    }
}

export class ShardEngine {
    constructor(private readonly dbs: ShardDatabases) {}

    /** What the ShardedTable constructor registers: the validated spec and the connections. */
    props(args: ShardedTableInput, uris: Record<string, string> = {}): Props {
        const shardConnections = Object.fromEntries(args.shards.map((s) => [s.name, uris[s.name] ?? uriOf(this.dbs.db(s.name))]));
        return wire({ ...parseShardedTable(args, `ShardedTable ${args.name}`), coordinator: uris.coordinator ?? uriOf(this.dbs.db("c")), shardConnections });
    }

    async preview(args: ShardedTableInput, state?: ResourceState, uris?: Record<string, string>): Promise<Preview> {
        const p = shardedTableProvider;
        const checked = await p.check!(state?.inputs ?? {}, this.props(args, uris));
        const inputs = wire(checked.inputs ?? {});
        const changes = state ? (await p.diff!(state.id, state.outputs, inputs)).changes !== false : true;
        return { inputs, failures: checked.failures ?? [], plan: (inputs.plan as string[]) ?? [], changes };
    }

    async up(args: ShardedTableInput, state?: ResourceState): Promise<ResourceState> {
        const pv = await this.preview(args, state);
        if (pv.failures.length) throw new Error(`check failed:\n${pv.failures.map((f) => `  ${f.property}: ${f.reason}`).join("\n")}`);
        const p = shardedTableProvider;
        if (!state) {
            const created = await p.create(pv.inputs);
            return { id: created.id, inputs: pv.inputs, outputs: wire(created.outs ?? {}) };
        }
        if (!pv.changes) return { ...state, inputs: pv.inputs };
        const updated = await p.update!(state.id, state.outputs, pv.inputs);
        return { id: state.id, inputs: pv.inputs, outputs: wire(updated.outs ?? {}) };
    }

    async refresh(state: ResourceState): Promise<ResourceState | undefined> {
        const read = await shardedTableProvider.read!(state.id, state.outputs);
        if (!read.id) return undefined;
        return { id: read.id, inputs: state.inputs, outputs: wire(read.props ?? {}) };
    }

    async destroy(state: ResourceState): Promise<void> {
        await shardedTableProvider.delete!(state.id, state.outputs);
    }
}
