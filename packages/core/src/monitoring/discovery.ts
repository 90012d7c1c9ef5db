import { stringify } from "yaml";

// How Prometheus finds a stack's metrics on Docker: every container that serves metrics carries
// `pgscale.metrics.*` labels, and Prometheus lists the stack's containers (Docker service
// discovery, filtered by the stack's labels) through a proxy that lets only that listing through.
// Patroni serves /metrics on every member's REST port and HAProxyFrontend its built-in exporter, so
// their containers are found by the labels they always had (`pgscale.role`) and never need a new
// one (a new label replaces a container).

/** Container labels that make a container a scrape target. */
export const METRICS_LABELS = { job: "pgscale.metrics.job", port: "pgscale.metrics.port", path: "pgscale.metrics.path" } as const;

/** The jobs pgscale's targets are scraped as; alert rules select on them. */
export const METRICS_JOBS = ["postgres", "patroni", "pgbouncer", "haproxy", "backup"] as const;
export type MetricsJob = (typeof METRICS_JOBS)[number];

/** The port each kind of target serves metrics on, inside its container. */
export const METRICS_PORTS: Readonly<Record<MetricsJob, number>> = { postgres: 9187, patroni: 8008, pgbouncer: 9127, haproxy: 8405, backup: 9854 };

/**
 * A member of a PatroniCluster with `backup` serves a second set of metrics, its backup
 * scheduler's, on METRICS_PORTS.backup: this label on the member's container names that port and
 * makes the member a target of the `backup` job as well as of `patroni`.
 */
export const BACKUP_METRICS_LABEL = "pgscale.metrics.backup-port";

/** The label of a member serving its REST API over HTTPS (`restApi.https`): tools and Prometheus pick the scheme by it. */
export const REST_SCHEME_LABEL = "pgscale.rest-scheme";

/** The labels of a container serving `job`'s metrics on its METRICS_PORTS port. */
export function metricsLabels(job: MetricsJob): { label: string; value: string }[] {
    return [
        { label: METRICS_LABELS.job, value: job },
        { label: METRICS_LABELS.port, value: String(METRICS_PORTS[job]) },
        { label: METRICS_LABELS.path, value: "/metrics" },
    ];
}

/** Port of the discovery proxy on the stack network. */
export const DISCOVERY_PORT = 2375;

/**
 * haproxy.cfg of the discovery proxy: the only process with the engine's socket, it answers
 * Prometheus's listing of containers and networks (and the version handshake) and refuses every
 * other request, so Prometheus, which faces the network, can read labels but start, stop or
 * inspect nothing.
 */
export function renderDiscoveryProxyCfg(socket: string): string {
    return [
        "global",
        "    log stdout format raw local0 notice",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    timeout connect 5s",
        "    timeout client 30s",
        "    timeout server 30s",
        "",
        "frontend engine_read_only",
        `    bind *:${DISCOVERY_PORT}`,
        "    http-request deny deny_status 403 unless METH_GET || { method HEAD }",
        "    http-request deny deny_status 403 unless { path_reg ^(/v[0-9]+\\.[0-9]+)?/(_ping|version|containers/json|networks)$ }",
        "    default_backend engine",
        "",
        "backend engine",
        `    server engine ${socket}`,
        "",
    ].join("\n");
}

export interface PrometheusConfigInput {
    /** Pulumi project and stack: only containers labelled with both are targets. */
    project: string;
    stack: string;
    /** Engine network names Prometheus shares with the targets; a target is scraped on these only. */
    networks: string[];
    /** `tcp://host:port` of the discovery proxy. */
    discoveryHost: string;
    scrapeIntervalSeconds: number;
    evaluationIntervalSeconds: number;
    alertmanagerUrls: string[];
    /** Path of the rules file inside the Prometheus container. */
    rulesFile: string;
}

const meta = (label: string) => `__meta_docker_container_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
const regexOf = (values: string[]) => values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");

/** prometheus.yml: Docker service discovery of the stack's targets, relabelled to job, cluster, member and instance. */
export function renderPrometheusConfig(c: PrometheusConfigInput): string {
    // What every target gets: on the stack's networks only, then job, cluster, member and instance.
    const onNetworks = { source_labels: ["__meta_docker_network_name"], regex: regexOf(c.networks), action: "keep" };
    const identity = [
        { source_labels: [meta("pgscale.component")], target_label: "cluster" },
        { source_labels: [meta("pgscale.member")], regex: "(.+)", target_label: "member" },
        { source_labels: ["__meta_docker_container_name"], regex: "/?(.*)", target_label: "instance" },
    ];
    const relabel = [
        // Patroni members serve /metrics on their REST port.
        { source_labels: [meta("pgscale.role")], regex: "postgres", target_label: meta(METRICS_LABELS.job), replacement: "patroni" },
        { source_labels: [meta("pgscale.role")], regex: "postgres", target_label: meta(METRICS_LABELS.port), replacement: String(METRICS_PORTS.patroni) },
        // HAProxyFrontend serves its built-in exporter on every container.
        { source_labels: [meta("pgscale.role")], regex: "haproxy", target_label: meta(METRICS_LABELS.job), replacement: "haproxy" },
        { source_labels: [meta("pgscale.role")], regex: "haproxy", target_label: meta(METRICS_LABELS.port), replacement: String(METRICS_PORTS.haproxy) },
        { source_labels: [meta(METRICS_LABELS.job)], regex: ".+", action: "keep" },
        onNetworks,
        // One target per container: Docker lists a container once per exposed port, and every copy
        // gets the same address and labels here, which Prometheus folds into one.
        { source_labels: ["__meta_docker_network_ip", meta(METRICS_LABELS.port)], separator: ":", target_label: "__address__" },
        { source_labels: [meta(METRICS_LABELS.path)], regex: "(.+)", target_label: "__metrics_path__" },
        // A member serving its REST API over HTTPS (restApi.https) is scraped over HTTPS.
        { source_labels: [meta(METRICS_LABELS.job), meta(REST_SCHEME_LABEL)], separator: ";", regex: "patroni;https", target_label: "__scheme__", replacement: "https" },
        { source_labels: [meta(METRICS_LABELS.job)], target_label: "job" },
        ...identity,
    ];
    // Backup schedulers: members that carry BACKUP_METRICS_LABEL, a second target on that port.
    const backupRelabel = [
        { source_labels: [meta(BACKUP_METRICS_LABEL)], regex: ".+", action: "keep" },
        onNetworks,
        { source_labels: ["__meta_docker_network_ip", meta(BACKUP_METRICS_LABEL)], separator: ":", target_label: "__address__" },
        { target_label: "job", replacement: "backup" },
        ...identity,
    ];
    const dockerSd = [{
        host: c.discoveryHost,
        refresh_interval: `${Math.max(5, c.scrapeIntervalSeconds)}s`,
        // Docker ANDs label filters: containers of this project and stack only.
        filters: [{ name: "label", values: [`pgscale.project=${c.project}`, `pgscale.stack=${c.stack}`] }],
    }];
    const doc = {
        global: { scrape_interval: `${c.scrapeIntervalSeconds}s`, scrape_timeout: `${Math.min(10, c.scrapeIntervalSeconds)}s`, evaluation_interval: `${c.evaluationIntervalSeconds}s` },
        rule_files: [c.rulesFile],
        ...(c.alertmanagerUrls.length
            ? { alerting: { alertmanagers: c.alertmanagerUrls.map((u) => { const url = new URL(u); return { scheme: url.protocol.replace(":", ""), path_prefix: url.pathname, static_configs: [{ targets: [url.host] }] }; }) } }
            : {}),
        scrape_configs: [
            // Without verifying the member's certificate: one job serves every cluster of the stack,
            // each with its own CA, and a target is addressed by its IP, which no certificate
            // names. The scrape sends no credentials and /metrics tells what GET /cluster does.
            { job_name: "pgscale", docker_sd_configs: dockerSd, relabel_configs: relabel, tls_config: { insecure_skip_verify: true } },
            { job_name: "pgscale-backup", docker_sd_configs: dockerSd, relabel_configs: backupRelabel },
        ],
    };
    // The two jobs share objects: written out in full, no YAML aliases.
    return stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}
