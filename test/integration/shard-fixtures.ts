import { randomBytes } from "crypto";
import { Client } from "pg";
import { parseShardedTable, type ShardedTableInput } from "@pgscale/core";
import { shardedTableProvider } from "@pgscale/postgres";
import { ProviderEngine, testPgUri, wire } from "./partition-fixtures";

// Fixtures for ShardedTable against the host PostgreSQL: the coordinator and each
// shard are databases of their own on it (postgres_fdw connects back over loopback),
// and ShardEngine calls the dynamic provider the way the engine does (ProviderEngine).

type Props = Record<string, unknown>;

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

/** ShardedTable's provider; the connections are the databases of `dbs` unless a preview overrides some. */
export class ShardEngine extends ProviderEngine<ShardedTableInput, Record<string, string>> {
    protected readonly provider = shardedTableProvider;
    constructor(private readonly dbs: ShardDatabases) {
        super();
    }

    /** What the ShardedTable constructor registers: the validated spec and the connections. */
    props(args: ShardedTableInput, uris: Record<string, string> = {}): Props {
        const shardConnections = Object.fromEntries(args.shards.map((s) => [s.name, uris[s.name] ?? uriOf(this.dbs.db(s.name))]));
        return wire({ ...parseShardedTable(args, `ShardedTable ${args.name}`), coordinator: uris.coordinator ?? uriOf(this.dbs.db("c")), shardConnections });
    }
}

/** The orders table both integration files shard: hash on customer_id, modulus 6, over `shards`. */
export const ordersSpec = (name: string, shards: string[], over: Partial<ShardedTableInput> = {}): ShardedTableInput => ({
    name,
    columns: [
        { name: "customer_id", type: "bigint", notNull: true },
        { name: "id", type: "bigint", notNull: true },
        { name: "total", type: "numeric" },
    ],
    primaryKey: ["customer_id", "id"],
    shardBy: { strategy: "hash", columns: ["customer_id"], modulus: 6 },
    shards: shards.map((n) => ({ name: n })),
    ...over,
});
