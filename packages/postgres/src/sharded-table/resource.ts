import * as pulumi from "@pulumi/pulumi";
import { connectionIssues, parseShardedTable, PgscaleValidationError, type ShardedTableInput, type ShardSpec } from "@pgscale/core";
import { specProps } from "./state";
import { POSTGRES_PROVIDER, PgscaleDynamicResource } from "../package-provider";

/** One shard: its spec entry and how pgscale connects to it. */
type ShardEntry = ShardedTableInput["shards"][number];

export interface ShardArgs extends ShardEntry {
    /**
     * postgresql:// URI of the shard's primary (typically a `HAProxyFrontend.primaryUri` of the
     * shard's own PatroniCluster), with a role that may create tables and roles there. Kept secret.
     */
    uri: pulumi.Input<string>;
}

export interface ShardedTableArgs extends Omit<ShardedTableInput, "shards"> {
    /** postgresql:// URI of the coordinator's primary, where the parent and the foreign partitions live. Kept secret. */
    coordinator: pulumi.Input<string>;
    /**
     * At least 2; order matters for hash sharding (slice r goes to shards[r mod N] by default). A shard
     * removed while its slices hold rows is refused unless `moveRowsOnShardRemoval` is true.
     */
    shards: ShardArgs[];
}

/**
 * A table spread over several PostgreSQL clusters with postgres_fdw: the coordinator holds
 * a partitioned parent whose partitions are foreign tables, one per slice; each shard holds
 * its slices (each may be partitioned again, e.g. by time) and a role that may only read
 * and write them. `pulumi preview` lists the steps on every server (`plan`); `pulumi refresh`
 * reports what an up would repair (`drift`). Nothing that holds rows is dropped. Hash slices that
 * hold rows move online to another shard when shards are added, and when one is removed with
 * `moveRowsOnShardRemoval: true` (default false: removing a shard that holds rows is refused).
 *
 * The spec is validated here, and the connections too when they are plain strings, so a bad
 * stack fails before anything is registered.
 */
export class ShardedTable extends PgscaleDynamicResource {
    /** Steps pending, one line each, prefixed by the server they run on: what preview shows. */
    declare readonly plan: pulumi.Output<string[]>;
    /** Steps the last create or update ran. */
    declare readonly applied: pulumi.Output<string[]>;
    /** Steps an up would run, as the last refresh found the servers (empty: no drift). */
    declare readonly drift: pulumi.Output<string[]>;
    /** The coordinator's and the shards' objects as read after the last update or refresh. */
    declare readonly observed: pulumi.Output<Record<string, unknown>>;
    /** Each shard role's name, password and SCRAM verifier. Secret. */
    declare readonly credentials: pulumi.Output<Record<string, { user: string; password: string; verifier: string }>>;
    /** The coordinator's replication role the shards' subscriptions log in as (reference tables): name, password and SCRAM verifier. Secret. */
    declare readonly replicationCredential: pulumi.Output<{ user: string; password: string; verifier: string }>;

    constructor(name: string, args: ShardedTableArgs, opts: pulumi.CustomResourceOptions = {}) {
        const { coordinator, shards, ...rest } = args;
        const subject = `ShardedTable ${name}`;
        const spec = parseShardedTable({ ...rest, shards: shards.map(({ uri: _uri, ...s }) => s as ShardSpec) }, subject);
        // Plain strings are checked now; Outputs (a cluster's URI) in the provider's check, before any step.
        if (typeof coordinator === "string" && shards.every((s) => typeof s.uri === "string")) {
            const issues = connectionIssues(coordinator, shards.map((s) => ({ name: s.name, uri: s.uri as string })));
            if (issues.length) throw new PgscaleValidationError(subject, issues);
        }
        const shardConnections = pulumi.all(shards.map((s) => s.uri)).apply((uris) => Object.fromEntries(shards.map((s, i) => [s.name, uris[i]])));
        super(
            POSTGRES_PROVIDER,
            name,
            {
                ...specProps(spec),
                coordinator: pulumi.secret(coordinator),
                shardConnections: pulumi.secret(shardConnections),
                plan: undefined,
                applied: undefined,
                drift: undefined,
                observed: undefined,
                credentials: undefined,
                replicationCredential: undefined,
            },
            // Outputs echo the connections for read/delete; keep them and the credentials encrypted.
            { ...opts, additionalSecretOutputs: [...(opts.additionalSecretOutputs ?? []), "coordinator", "shardConnections", "credentials", "replicationCredential"] },
            "pgscale",
            "ShardedTable",
        );
    }
}
