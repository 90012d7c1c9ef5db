import * as pulumi from "@pulumi/pulumi";
import { POSTGRES_PACKAGE, packageRequire } from "../own-package";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

export interface ReplicationSlotArgs {
    /** Superuser (or CREATEROLE + REPLICATION) connection to the primary, as a secret. */
    adminUri: pulumi.Input<string>;
    /** Physical replication slot name: lower-case letters, digits, underscore. */
    slotName: pulumi.Input<string>;
    /** Replication role to create (LOGIN REPLICATION), owned by this resource. */
    role: pulumi.Input<string>;
    /** SCRAM verifier of the role's password, so the primary never sees the plaintext. */
    roleScramVerifier: pulumi.Input<string>;
}

interface Inputs {
    adminUri: string;
    slotName: string;
    role: string;
    roleScramVerifier: string;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

// Credentials arrive as inputs on every call; nothing but where the package is (own-package.ts) is
// captured, so the state holds no secret in the serialized provider (PULUMI-NOTES.md). Errors never
// include the connection string.
const load = packageRequire(POSTGRES_PACKAGE);
export const replicationSlotProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: Inputs, news: Inputs) {
        const failures = [];
        if (!IDENT.test(String(news.slotName))) failures.push({ property: "slotName", reason: "must match [a-z_][a-z0-9_]{0,62}" });
        if (!IDENT.test(String(news.role))) failures.push({ property: "role", reason: "must match [a-z_][a-z0-9_]{0,62}" });
        return { inputs: news, failures };
    },

    async diff(_id: string, olds: Inputs, news: Inputs) {
        const replaces = (["slotName", "role"] as const).filter((k) => olds[k] !== news[k]);
        const changes = replaces.length > 0 || olds.roleScramVerifier !== news.roleScramVerifier || olds.adminUri !== news.adminUri;
        return { changes, replaces, deleteBeforeReplace: true };
    },

    async create(inputs: Inputs) {
        await withClient(inputs.adminUri, async (c) => {
            // The role name was validated in check; the verifier has no quote characters but is escaped anyway.
            const exists = (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [inputs.role])).rowCount === 1;
            if (!exists) await c.query(`CREATE ROLE "${inputs.role}" LOGIN REPLICATION PASSWORD '${inputs.roleScramVerifier.replace(/'/g, "''")}'`);
            // immediately_reserve: WAL is kept from now on, so the base backup can stream from the slot.
            await c.query("SELECT pg_create_physical_replication_slot($1, true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)", [inputs.slotName]);
        });
        return { id: inputs.slotName, outs: inputs };
    },

    async update(_id: string, _olds: Inputs, news: Inputs) {
        await withClient(news.adminUri, (c) => c.query(`ALTER ROLE "${news.role}" PASSWORD '${news.roleScramVerifier.replace(/'/g, "''")}'`));
        return { outs: news };
    },

    async read(id: string, props: Inputs) {
        const exists = await withClient(props.adminUri, async (c) =>
            (await c.query("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [props.slotName])).rowCount === 1);
        return exists ? { id, props } : { id: "", props };
    },

    async delete(_id: string, props: Inputs) {
        // A slot nobody consumes pins WAL on the primary forever; drop it with the replica.
        await withClient(props.adminUri, async (c) => {
            await c.query("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL", [props.slotName]);
            for (let i = 0; i < 50; i++) {
                const r = await c.query("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [props.slotName]);
                if (r.rowCount === 0) break;
                if (!r.rows[0].active) {
                    await c.query("SELECT pg_drop_replication_slot($1)", [props.slotName]);
                    break;
                }
                await (load("@pgscale/core") as typeof import("@pgscale/core")).sleep(200);
            }
            await c.query(`DROP ROLE IF EXISTS "${props.role}"`);
        });
    },
};

async function withClient<T>(uri: string, fn: (c: any) => Promise<T>): Promise<T> {
    const { Client } = load("pg");
    const c = new Client({ connectionString: (load("@pgscale/core") as typeof import("@pgscale/core")).libpqCompatible(uri), connectionTimeoutMillis: 10000 });
    try {
        await c.connect();
        return await fn(c);
    } catch (e: any) {
        // Keep SQLSTATE and message; drop anything that could echo the connection string.
        const err = new Error(`replication slot: ${e?.code ? `SQLSTATE ${e.code}: ` : ""}${String(e?.message ?? e).replace(uri, "<connection>")}`);
        throw err;
    } finally {
        await c.end().catch(() => undefined);
    }
}

/**
 * A replication role and a physical replication slot on a primary pgscale does not manage
 * (PLAYBOOK "Streaming Replication Setup"). Deleting it drops the slot so WAL does not pile up.
 */
export class ReplicationSlot extends PgscaleDynamicResource {
    public readonly slotName!: pulumi.Output<string>;
    public readonly role!: pulumi.Output<string>;

    constructor(name: string, args: ReplicationSlotArgs, opts?: pulumi.CustomResourceOptions) {
        super(POSTGRES_PROVIDER, name, { ...args, adminUri: pulumi.secret(args.adminUri), roleScramVerifier: pulumi.secret(args.roleScramVerifier) },
            opts, "pgscale", "ReplicationSlot");
    }
}
