import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ImagesSpec, IssueCollector, KUBERNETES_ONLY_MONITORING, METRICS_PORTS, metricsLabels, renderPostgresExporterQueries } from "@pgscale/core";
import { Grant, Role } from "@pgscale/postgres";
import { nodeImage } from "./images";
import { pgscaleLabels } from "./naming";
import { NO_CAPABILITIES } from "./hardening";

/**
 * `monitoring` fields only Kubernetes has (prometheus-operator's PodMonitor objects), refused by
 * name, even when false: the shared spec accepts them, and a stack silently given no PodMonitor
 * would look like one that has one.
 */
export function rejectKubernetesOnlyMonitoring(issues: IssueCollector, input: { monitoring?: unknown }): void {
    const m = input.monitoring;
    if (typeof m !== "object" || m === null) return;
    for (const k of KUBERNETES_ONLY_MONITORING) {
        if (k in m) issues.add(`monitoring.${k}`, "is Kubernetes only (prometheus-operator's PodMonitor objects); on Docker the Prometheus construct finds the exporters by their container labels");
    }
}

/** The login role postgres_exporter connects as: pg_monitor and nothing else. */
export const MONITOR_ROLE = "pgscale_monitor";
const EXPORTER_DIR = "/etc/pgscale-exporter";

export interface PostgresExportersInput {
    /** The cluster's construct name and its engine prefix (container names). */
    name: string;
    prefix: string;
    members: { name: string; container: docker.Container }[];
    network: pulumi.Input<string>;
    database: string;
    images?: ImagesSpec;
    /** postgresql:// URI of the primary as a role that may create roles, for the monitoring role. */
    adminConnection: pulumi.Input<string>;
    /** With the cluster's TLS: its CA, so the exporter verifies the member it reads. */
    tlsCaPem?: pulumi.Output<string>;
    dependsOn: pulumi.Resource[];
}

/**
 * postgres_exporter beside each member of a PatroniCluster (`monitoring.enabled`), reading that
 * member only, as `pgscale_monitor` (pg_monitor), with pgscale's queries. Its own container, so
 * turning monitoring on or off never replaces a PostgreSQL member; it listens on the stack's
 * network only, and its labels make it a Prometheus target.
 */
export function postgresExporters(input: PostgresExportersInput, parent: pulumi.Resource): { role: Role; containers: docker.Container[] } {
    const { name, prefix, members, database } = input;
    const role = new Role(`${name}-monitor-role`, {
        name: MONITOR_ROLE, login: true, memberOf: ["pg_monitor"], connection: input.adminConnection,
        // A cluster restored from another cluster's backup holds that cluster's monitoring role.
        adoptExisting: true,
    }, { parent, dependsOn: input.dependsOn });
    // The application database refuses CONNECT to roles it was not granted to.
    const connect = new Grant(`${name}-monitor-connect`, {
        role: role.name, on: "database", database, privileges: ["CONNECT"], connection: input.adminConnection,
    }, { parent, dependsOn: [role] });
    const image = nodeImage(`${name}-exporter-image`, "exporters", { images: input.images }, parent);
    const tls = input.tlsCaPem;
    const containers = members.map((m, i) => new docker.Container(`${m.name}-exporter`, {
        name: `${prefix}-${i}-exporter`,
        image: image.imageId,
        hostname: `${m.name}-exporter`,
        user: "prometheus",
        capabilities: NO_CAPABILITIES,
        networksAdvanced: [{ name: input.network, aliases: [`${m.name}-exporter`] }],
        envs: [
            `DATA_SOURCE_URI=${m.name}:5432/${database}?sslmode=${tls ? `verify-full&sslrootcert=${EXPORTER_DIR}/ca.crt` : "disable"}`,
            `DATA_SOURCE_USER=${MONITOR_ROLE}`,
            `DATA_SOURCE_PASS_FILE=${EXPORTER_DIR}/password`,
        ],
        uploads: [
            { file: `${EXPORTER_DIR}/password`, content: pulumi.secret(role.password), permissions: "0644" },
            { file: `${EXPORTER_DIR}/queries.yaml`, content: renderPostgresExporterQueries() },
            // No multi-target auth modules: the exporter reads its own member only.
            { file: `${EXPORTER_DIR}/exporter.yml`, content: "auth_modules: {}\n" },
            ...(tls ? [{ file: `${EXPORTER_DIR}/ca.crt`, content: tls, permissions: "0644" }] : []),
        ],
        command: [
            "prometheus-postgres-exporter", `--web.listen-address=:${METRICS_PORTS.postgres}`,
            `--config.file=${EXPORTER_DIR}/exporter.yml`, `--extend.query-path=${EXPORTER_DIR}/queries.yaml`, "--log.level=warn",
        ],
        labels: [...pgscaleLabels(name, "postgres-exporter"), { label: "pgscale.member", value: m.name }, ...metricsLabels("postgres")],
        restart: "unless-stopped",
    }, { parent, dependsOn: [connect, m.container], deleteBeforeReplace: true }));
    return { role, containers };
}

export interface PgbouncerExporterInput {
    /** The pool's construct name and engine prefix. */
    name: string;
    prefix: string;
    network: pulumi.Input<string>;
    images?: ImagesSpec;
    /** postgres:// URI of PgBouncer's admin console as a stats user (secret); with `caPem`, it names `${EXPORTER_CA}` as sslrootcert. */
    connection: pulumi.Input<string>;
    /** The CA of the pool's certificate when the pool requires TLS, uploaded as `${EXPORTER_CA}`. */
    caPem?: pulumi.Input<string>;
    dependsOn: pulumi.Resource[];
}

/**
 * pgbouncer_exporter beside a PgBouncerPool (`monitoring.enabled`): SHOW POOLS / STATS / LISTS as
 * metrics, read as a user in stats_users. The connection string is a file read at start into the
 * exporter's environment, so the password is in no container setting and on no command line.
 */
/** Where pgbouncer_exporter finds the pool's CA (verify-full). */
export const EXPORTER_CA = `${EXPORTER_DIR}/ca.crt`;

export function pgbouncerExporter(input: PgbouncerExporterInput, parent: pulumi.Resource): docker.Container {
    const image = nodeImage(`${input.name}-exporter-image`, "exporters", { images: input.images }, parent);
    return new docker.Container(`${input.name}-exporter`, {
        name: `${input.prefix}-exporter`,
        image: image.imageId,
        hostname: `${input.name}-exporter`,
        user: "prometheus",
        capabilities: NO_CAPABILITIES,
        networksAdvanced: [{ name: input.network, aliases: [`${input.name}-exporter`] }],
        uploads: [
            { file: `${EXPORTER_DIR}/dsn`, content: pulumi.secret(input.connection), permissions: "0644" },
            ...(input.caPem ? [{ file: EXPORTER_CA, content: input.caPem, permissions: "0644" }] : []),
        ],
        command: ["/bin/sh", "-c",
            // In the process's environment (readable by its own user only), not its command line (readable by all).
            `PGBOUNCER_EXPORTER_CONNECTION_STRING="$(cat ${EXPORTER_DIR}/dsn)" exec prometheus-pgbouncer-exporter --web.listen-address=:${METRICS_PORTS.pgbouncer} --log.level=warn`],
        labels: [...pgscaleLabels(input.name, "pgbouncer-exporter"), ...metricsLabels("pgbouncer")],
        restart: "unless-stopped",
    }, { parent, dependsOn: input.dependsOn, deleteBeforeReplace: true });
}
