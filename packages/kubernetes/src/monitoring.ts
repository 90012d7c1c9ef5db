import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ImagesSpec, METRICS_PORTS, kubernetesMetricsPort, quoteIdent, quoteLiteral, renderPostgresExporterQueries } from "@pgscale/core";
import { IMAGE_USERS, ImageUser, podImage } from "./images";
import { Labels } from "./labels";
import { Placement } from "./platform";
import { containerSecurityContext, tcpProbe } from "./pod";
import { primarySqlJob } from "./in-cluster-job";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

// The exporters on Kubernetes (docs/monitoring.md, "Kubernetes"): sidecars in the pods they read,
// so each reads its own PostgreSQL or PgBouncer over loopback and is found by Prometheus through
// its pod (kubernetes-discovery.ts in @pgscale/core: a named container port per exporter).

/** The login role postgres_exporter connects as: pg_monitor and CONNECT on the application database, nothing else. */
export const MONITOR_ROLE = "pgscale_monitor";
/** pgbouncer_exporter's user: in PgBouncer's stats_users only (SHOW, never PAUSE or KILL). */
export const STATS_USER = "pgscale_stats";
const EXPORTER_DIR = "/etc/pgscale-exporter";
const SECRET_DIR = "/etc/pgscale-exporter-secret";

/** The exporter's own user, as IMAGE_USERS has it: the pod's fsGroup still lets it read its mounted files. */
function exporterSecurityContext(user: ImageUser = IMAGE_USERS.exporters) {
    return { ...containerSecurityContext, runAsUser: user.uid, runAsGroup: user.gid };
}

/** Restarts an exporter whose port stopped answering; it listens within a second of starting. */
const EXPORTER_LIVENESS = (port: number) => ({ ...tcpProbe(port, 10, 3), initialDelaySeconds: 5 });

/** Small, fixed requests: the exporters answer one scrape at a time. */
const EXPORTER_RESOURCES = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } };

export interface PostgresExporterSidecar {
    container: Container;
    volumes: Volume[];
}

/**
 * postgres_exporter as a sidecar of a Patroni member: reads its own member on 127.0.0.1 (whatever
 * role the member has; pgscale's queries answer on a primary and a standby), as pgscale_monitor,
 * with pgscale's queries. The password is a file (DATA_SOURCE_PASS_FILE), never in the environment
 * or on a command line. `configMap` holds queries.yaml and exporter.yml, `secret` the password
 * (key `password`); both are mounted by name, so a pod template never changes with their content.
 */
export function postgresExporterSidecar(a: {
    database: string; configMap: string; secret: string; images?: ImagesSpec; imagePullPolicy: Placement["imagePullPolicy"];
    /** The cluster requires TLS (tls.enabled). */
    tls?: boolean;
}): PostgresExporterSidecar {
    const port = kubernetesMetricsPort("postgres");
    return {
        container: {
            name: "postgres-exporter",
            image: podImage("exporters", { images: a.images }),
            imagePullPolicy: a.imagePullPolicy,
            command: [
                "prometheus-postgres-exporter", `--web.listen-address=:${METRICS_PORTS.postgres}`,
                `--config.file=${EXPORTER_DIR}/exporter.yml`, `--extend.query-path=${EXPORTER_DIR}/queries.yaml`, "--log.level=warn",
            ],
            env: [
                // PostgreSQL listens on every address of the pod; loopback reaches this member only.
                // With the cluster's TLS, pg_hba refuses plaintext on TCP, loopback included; the exporter dials 127.0.0.1, so it encrypts without verifying.
                { name: "DATA_SOURCE_URI", value: `127.0.0.1:5432/${a.database}?sslmode=${a.tls ? "require" : "disable"}` },
                { name: "DATA_SOURCE_USER", value: MONITOR_ROLE },
                { name: "DATA_SOURCE_PASS_FILE", value: `${SECRET_DIR}/password` },
            ],
            ports: [port],
            // No readiness probe: the pod's readiness, which the role Services route by, stays
            // Patroni's alone (a first probe before the exporter listened would hold a starting
            // member out of its Service for a probe period). pg_up says whether it reads PostgreSQL.
            livenessProbe: EXPORTER_LIVENESS(METRICS_PORTS.postgres),
            resources: EXPORTER_RESOURCES,
            securityContext: exporterSecurityContext(),
            volumeMounts: [
                { name: "exporter-config", mountPath: EXPORTER_DIR, readOnly: true },
                { name: "exporter-secret", mountPath: SECRET_DIR, readOnly: true },
            ],
        },
        volumes: [
            { name: "exporter-config", configMap: { name: a.configMap } },
            // 0440: root and the pod's fsGroup, which the exporter's user is a member of, as every container's.
            { name: "exporter-secret", secret: { secretName: a.secret, defaultMode: 0o440 } },
        ],
    };
}

/**
 * postgres_exporter's objects for a cluster: a ConfigMap with its files and a Secret with its
 * password, both `<cluster>-exporter` and mounted by these fixed names, like the Patroni config: a
 * new pgscale's queries reach the exporters when their pods next restart, and never restart a
 * member by themselves. The member pods depend on `objects` and run `sidecar.container`.
 */
export function postgresExporterObjects(cluster: string, a: {
    namespace: pulumi.Input<string>; labels: Labels; password: pulumi.Input<string>; database: string;
    images?: ImagesSpec; imagePullPolicy: Placement["imagePullPolicy"]; tls?: boolean;
}, parent: pulumi.Resource): PostgresExporterSidecar & { objects: pulumi.Resource[] } {
    const exporterName = `${cluster}-exporter`;
    const metadata = { name: exporterName, namespace: a.namespace, labels: a.labels };
    const objects = [
        new k8s.core.v1.ConfigMap(exporterName, { metadata, data: postgresExporterFiles() }, { parent }),
        new k8s.core.v1.Secret(exporterName, { metadata, stringData: pulumi.secret({ password: pulumi.output(a.password) }) }, { parent }),
    ];
    const sidecar = postgresExporterSidecar({
        database: a.database, configMap: exporterName, secret: exporterName, images: a.images, imagePullPolicy: a.imagePullPolicy, tls: a.tls,
    });
    return { ...sidecar, objects };
}

/** The exporter's files that are no secret: pgscale's queries, and no multi-target auth modules (it reads its own member only). */
export function postgresExporterFiles(): Record<string, string> {
    return { "queries.yaml": renderPostgresExporterQueries(), "exporter.yml": "auth_modules: {}\n" };
}

/**
 * The SQL that makes the monitoring role what it must be, whatever is there: created if missing,
 * then (again, for a role that existed: a cluster restored from another's backup, or an earlier
 * run) a login with the stack's password, no other attribute, pg_monitor and CONNECT on the
 * application database. Only the SCRAM verifier is sent, never the password, and the statement is
 * kept out of the server log (an error's too).
 */
export function renderMonitorRoleSql(database: string, scramVerifier: string): string {
    const role = quoteIdent(MONITOR_ROLE);
    return [
        "SET log_statement = 'none';",
        "SET log_min_error_statement = 'panic';",
        "SET client_min_messages = warning;",
        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = ${quoteLiteral(MONITOR_ROLE)}) THEN CREATE ROLE ${role}; END IF; END $$;`,
        `ALTER ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD ${quoteLiteral(scramVerifier)};`,
        `GRANT pg_monitor TO ${role};`,
        `GRANT CONNECT ON DATABASE ${quoteIdent(database)} TO ${role};`,
        "",
    ].join("\n");
}

export interface MonitorRoleJobArgs {
    namespace: pulumi.Input<string>;
    labels: Labels;
    /** An image with psql (the cluster's Patroni image) and its user. */
    image: string;
    imageUser: ImageUser;
    placement: Placement;
    /** In-cluster host of the primary Service. */
    primaryHost: string;
    superuserPassword: pulumi.Input<string>;
    database: string;
    scramVerifier: pulumi.Input<string>;
    timeoutSeconds: number;
    dependsOn: pulumi.Resource[];
}

/**
 * Creates or repairs the monitoring role from inside the cluster, where the primary Service is
 * reachable (`pulumi up` generally cannot reach it): renderMonitorRoleSql as a primarySqlJob. A
 * changed password or database is a new Job; the SQL is idempotent, so turning monitoring on for
 * an existing cluster works as for a new one.
 */
export function monitorRoleJob(name: string, a: MonitorRoleJobArgs, parent: pulumi.Resource): { secret: k8s.core.v1.Secret; job: k8s.batch.v1.Job } {
    const { scramVerifier, database, ...job } = a;
    const sql = pulumi.output(scramVerifier).apply((v) => renderMonitorRoleSql(database, v));
    // It talks to PostgreSQL only.
    return primarySqlJob(`${name}-monitor-role`, { ...job, sql, container: "monitor-role" }, parent);
}

/**
 * pgbouncer_exporter as a sidecar of a PgBouncer pod: SHOW POOLS / STATS / LISTS of its own
 * PgBouncer on 127.0.0.1 as metrics, as the stats user. The connection string (with the password)
 * is the `exporter.dsn` key of `secret`, mounted alone, and read at start into the process's
 * environment (readable by its own user only), never onto its command line.
 */
export function pgbouncerExporterSidecar(a: { secret: pulumi.Input<string>; images?: ImagesSpec; imagePullPolicy: Placement["imagePullPolicy"] }): PostgresExporterSidecar {
    return {
        container: {
            name: "pgbouncer-exporter",
            image: podImage("exporters", { images: a.images }),
            imagePullPolicy: a.imagePullPolicy,
            command: ["/bin/sh", "-c",
                `PGBOUNCER_EXPORTER_CONNECTION_STRING="$(cat ${SECRET_DIR}/dsn)" exec prometheus-pgbouncer-exporter --web.listen-address=:${METRICS_PORTS.pgbouncer} --log.level=warn`],
            ports: [kubernetesMetricsPort("pgbouncer")],
            // Readiness stays PgBouncer's, as the postgres exporter's stays Patroni's; pgbouncer_up says whether it reads PgBouncer.
            livenessProbe: EXPORTER_LIVENESS(METRICS_PORTS.pgbouncer),
            resources: EXPORTER_RESOURCES,
            securityContext: exporterSecurityContext(),
            volumeMounts: [{ name: "exporter-secret", mountPath: SECRET_DIR, readOnly: true }],
        },
        volumes: [{ name: "exporter-secret", secret: { secretName: a.secret, defaultMode: 0o440, items: [{ key: "exporter.dsn", path: "dsn" }] } }],
    };
}
