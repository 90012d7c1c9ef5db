import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { DATA_MOUNT, IssueCollector, checkConstructName, postgresLayout, resolveStreamingReplica } from "@pgscale/core";
import { GeneratedSecret, ReplicationSlot } from "@pgscale/postgres";
import { nodeImage } from "./images";
import type { ImagesSpec } from "@pgscale/core";
import { enginePrefix, hostPort, pgscaleLabels, publish } from "./naming";
import { NO_CAPABILITIES } from "./hardening";
import { DockerPreflight } from "./engine/preflight";
import { checkDockerConfig, engineTarget } from "./engine/target";

export interface StreamingReplicaArgs {
    /** The existing primary, as the replica container reaches it (a name on `network`, or an address). */
    primaryHost: pulumi.Input<string>;
    /** Default 5432. */
    primaryPort?: pulumi.Input<number>;
    /**
     * Superuser connection to the primary from where `pulumi up` runs (secret), used to create the
     * replication role and slot. The primary's pg_hba.conf must allow `replication` for that role.
     */
    primaryAdminUri: pulumi.Input<string>;
    /** Docker network to join so `primaryHost` resolves. Default: the default bridge. */
    network?: pulumi.Input<string>;
    /** Physical slot name. Default: derived from the construct name. */
    slotName?: string;
    /** Replication role created on the primary. Default: `replicator_<slot>`. */
    replicationUser?: string;
    /** Host port for the replica (127.0.0.1). Default: Docker picks one. */
    port?: number;
    /** Credentials and database put into `uri`. Default: none, `uri` names host and port only. */
    readCredentials?: { username: pulumi.Input<string>; password: pulumi.Input<string>; database?: pulumi.Input<string> };
    /** The primary's PostgreSQL major (a standby runs the same one): 15 or 17. Default 17. */
    postgresVersion?: 15 | 17;
    /** Image with PostgreSQL of `postgresVersion` (the primary's major version), tagged or by digest. Default: see `images`. */
    image?: string;
    /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's patroni image, built on the engine. */
    images?: ImagesSpec;
    /** Use a Docker volume of the replica's data-volume name that already exists (its old data directory) instead of refusing. Default false. */
    adoptExistingVolumes?: boolean;
}

/**
 * Entry script: clone once with pg_basebackup -R, then run PostgreSQL as a hot standby. For 15 the
 * text is what it was before postgresVersion, so an existing replica's container is not replaced.
 */
const entrypoint = (dataDir: string) => `#!/bin/sh
set -eu
PGDATA=${dataDir}
# libpq ignores a password file others can read; the upload is root-owned, so copy it.
install -m 0600 /etc/pgscale/pgpass "$HOME/.pgpass"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA.tmp"
  # -R writes primary_conninfo and primary_slot_name to postgresql.auto.conf and standby.signal.
  pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPL_USER" -D "$PGDATA.tmp" -R -S "$SLOT" -X stream -c fast -v -P
  # A primary with its configuration outside the data directory (Debian's layout) ships none.
  [ -f "$PGDATA.tmp/postgresql.conf" ] || touch "$PGDATA.tmp/postgresql.conf"
  [ -f "$PGDATA.tmp/pg_hba.conf" ] || printf 'local all all peer\nhost all all all scram-sha-256\n' > "$PGDATA.tmp/pg_hba.conf"
  mv "$PGDATA.tmp" "$PGDATA"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c hot_standby=on -c unix_socket_directories=/var/run/postgresql
`;

/**
 * The playbook's classic read replica of a primary pgscale does not manage: a replication role
 * and a physical slot on the primary, `pg_basebackup -R` into a named volume, a hot standby with
 * `primary_conninfo` and `primary_slot_name` set. Removing it drops the slot.
 */
export class StreamingReplica extends pulumi.ComponentResource {
    public readonly slot: ReplicationSlot;
    public readonly container: docker.Container;
    public readonly port: pulumi.Output<number>;
    /** URI of the standby on 127.0.0.1 (secret when credentials are given). */
    public readonly uri: pulumi.Output<string>;

    constructor(name: string, args: StreamingReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        const subject = `StreamingReplica ${name}`;
        const issues = new IssueCollector();
        checkConstructName(issues, name);
        const { adoptExistingVolumes, ...rest } = args;
        const resolved = issues.run(() => resolveStreamingReplica(name, rest, subject));
        if (adoptExistingVolumes !== undefined && typeof adoptExistingVolumes !== "boolean") issues.add("adoptExistingVolumes", "must be a boolean");
        checkDockerConfig(issues);
        issues.throwIfAny(subject);
        const { slotName, replicationUser: user } = resolved!;
        const layout = postgresLayout(resolved!.spec.postgresVersion);
        super("pgscale:docker:StreamingReplica", name, {}, opts);

        const password = new GeneratedSecret(`${name}-replication-password`, {}, { parent: this });
        this.slot = new ReplicationSlot(`${name}-slot`, {
            adminUri: args.primaryAdminUri, slotName, role: user, roleScramVerifier: password.scramVerifier,
        }, { parent: this });

        const prefix = enginePrefix(name);
        const engine = engineTarget(this);
        const preflight = new DockerPreflight(`${name}-preflight`, {
            subject, dockerHost: engine.host, hostField: engine.hostField, unsupported: engine.unsupported,
            volumes: [`${prefix}-data`], adoptExistingVolumes: adoptExistingVolumes ?? false,
        }, { parent: this });
        const volume = new docker.Volume(`${name}-data`, { name: `${prefix}-data`, labels: pgscaleLabels(name, "replica-data") }, { parent: this, dependsOn: [preflight] });
        const image = nodeImage(`${name}-image`, layout.image, args, this, [preflight]);
        const primaryPort = pulumi.output(args.primaryPort ?? 5432);
        const pgpass = pulumi.interpolate`*:*:*:${user}:${password.value}\n`;
        this.container = new docker.Container(name, {
            name: prefix,
            image: image.imageId,
            hostname: name,
            user: "postgres",
            capabilities: NO_CAPABILITIES,
            entrypoints: ["/bin/sh", "/etc/pgscale/replica-entrypoint.sh"],
            command: [],
            envs: [pulumi.interpolate`PRIMARY_HOST=${args.primaryHost}`, pulumi.interpolate`PRIMARY_PORT=${primaryPort}`, `REPL_USER=${user}`, `SLOT=${slotName}`],
            uploads: [
                { file: "/etc/pgscale/replica-entrypoint.sh", content: entrypoint(layout.dataDir), permissions: "0755" },
                { file: "/etc/pgscale/pgpass", content: pulumi.secret(pgpass), permissions: "0644" },
            ],
            networksAdvanced: args.network ? [{ name: args.network, aliases: [name] }] : undefined,
            volumes: [{ volumeName: volume.name, containerPath: DATA_MOUNT }],
            ports: [publish(5432, "127.0.0.1", args.port)],
            labels: pgscaleLabels(name, "streaming-replica"),
            restart: "unless-stopped",
            // Healthy once the WAL receiver streams (its process title says so; pg_isready alone is true
            // as soon as the standby accepts connections, before it has a primary), so `up` returns a
            // replica that replicates, or fails saying it never did.
            healthcheck: {
                tests: ["CMD-SHELL", "pg_isready -q -h /var/run/postgresql && grep -qsa 'walreceiver [s]treaming' /proc/[0-9]*/cmdline"],
                interval: "1s", timeout: "2s", retries: 120, startPeriod: "1s",
            },
            wait: true,
            waitTimeout: 300,
            destroyGraceSeconds: 30,
        }, { parent: this, dependsOn: [this.slot, preflight], deleteBeforeReplace: true });

        this.port = hostPort(this.container, 5432);
        const c = args.readCredentials;
        this.uri = c
            ? pulumi.secret(pulumi.interpolate`postgresql://${c.username}:${c.password}@127.0.0.1:${this.port}/${c.database ?? "postgres"}`)
            : pulumi.interpolate`postgresql://127.0.0.1:${this.port}/postgres`;
        this.registerOutputs({ uri: this.uri });
    }
}
