import { stringify } from "yaml";
import { METRICS_PORTS, MetricsJob } from "./discovery";

// How Prometheus finds a stack's metrics on Kubernetes. Prometheus lists the pods of one
// namespace (Kubernetes service discovery, role `pod`, with a Role that may only get, list and
// watch pods there) and gets one candidate target per declared container port. A target is kept
// when its pod's `app.kubernetes.io/name` and the container port's *name* are one of the pairs
// below: the port name says which exporter listens there, so a pod serving two kinds of metrics
// (a Patroni member with its postgres_exporter sidecar) is two targets, and nothing else on a pod
// (PostgreSQL's own port, PgBouncer's) is ever scraped. Patroni's REST port has been named
// `patroni` since the first release, so its /metrics is found on every cluster without touching
// the pods; the exporters', HAProxy's and the backup scheduler's metrics ports carry names chosen
// for this.

/** The jobs with targets on Kubernetes: every one (kept as its own name for the pods' port table). */
export type KubernetesMetricsJob = MetricsJob;

/**
 * For each job, the pod's `app.kubernetes.io/name` and the name of the container port that serves
 * its metrics (at /metrics, on METRICS_PORTS[job]). @pgscale/kubernetes names its ports after this
 * table. Port names are IANA service names: at most 15 characters.
 */
export const KUBERNETES_METRICS_TARGETS: Readonly<Record<KubernetesMetricsJob, { app: string; portName: string }>> = {
    patroni: { app: "patroni", portName: "patroni" },
    postgres: { app: "patroni", portName: "pg-metrics" },
    pgbouncer: { app: "pgbouncer", portName: "metrics" },
    haproxy: { app: "haproxy", portName: "metrics" },
    // A member with `backup` runs the backup scheduler beside Patroni (same container).
    backup: { app: "patroni", portName: "backup-metrics" },
};

/** The container port a pod declares for `job`'s metrics (name and number, as the pods carry them). */
export function kubernetesMetricsPort(job: KubernetesMetricsJob): { name: string; containerPort: number } {
    return { name: KUBERNETES_METRICS_TARGETS[job].portName, containerPort: METRICS_PORTS[job] };
}

export interface KubernetesPrometheusConfigInput {
    /** The namespace whose pods are listed; Prometheus's Role grants nothing beyond it. */
    namespace: string;
    scrapeIntervalSeconds: number;
    evaluationIntervalSeconds: number;
    alertmanagerUrls: string[];
    /** Path of the rules file inside the Prometheus container. */
    rulesFile: string;
}

/** The pod label of a Patroni member serving its REST API over HTTPS (`restApi.https`). */
export const REST_SCHEME_POD_LABEL = "pgscale.io/rest-scheme";

/** The discovery label (`role: pod`) holding a pod label's value. */
export const POD_LABEL = (label: string) => `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
const APP = POD_LABEL("app.kubernetes.io/name");
/** The pod's `app.kubernetes.io/instance`: the construct's name, which becomes `cluster`. */
export const POD_INSTANCE_LABEL = POD_LABEL("app.kubernetes.io/instance");
const INSTANCE = POD_INSTANCE_LABEL;
const PORT_NAME = "__meta_kubernetes_pod_container_port_name";
/** The pod's name, which becomes `instance` (and `member` on Patroni's and its exporter's targets). */
export const POD_NAME_LABEL = "__meta_kubernetes_pod_name";
const POD_NAME = POD_NAME_LABEL;
/** The jobs whose targets carry `member`: a Patroni member's own metrics (as on Docker, where every member target has it). */
export const MEMBER_JOBS: readonly MetricsJob[] = ["patroni", "postgres", "backup"];
/** Scratch label (dropped after relabelling, as every `__` label) holding the matched job. */
const JOB = "__tmp_pgscale_job";
const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * prometheus.yml for a Prometheus inside the cluster: Kubernetes pod discovery in one namespace,
 * relabelled to the labels the alert rules select on, as on Docker: `job` (postgres, patroni,
 * pgbouncer, haproxy), `cluster` (the construct's name, its pods' `app.kubernetes.io/instance`),
 * `member` (the Patroni member, its pod's name, on patroni and postgres targets) and `instance`
 * (the pod's name).
 */
export function renderKubernetesPrometheusConfig(c: KubernetesPrometheusConfigInput): string {
    const jobs = Object.entries(KUBERNETES_METRICS_TARGETS) as Array<[MetricsJob, { app: string; portName: string }]>;
    const relabel = [
        // Finished and failed pods (a completed Job's, an evicted one's) keep their address but serve nothing.
        { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Succeeded|Failed", action: "drop" },
        ...jobs.map(([job, t]) => ({
            source_labels: [APP, PORT_NAME], separator: ";", regex: `${escape(t.app)};${escape(t.portName)}`, target_label: JOB, replacement: job,
        })),
        { source_labels: [JOB], regex: ".+", action: "keep" },
        // __address__ is already the pod's IP and this container port.
        { target_label: "__metrics_path__", replacement: "/metrics" },
        // A member serving its REST API over HTTPS (its pod labelled REST_SCHEME_POD_LABEL) is scraped over HTTPS.
        { source_labels: [JOB, POD_LABEL(REST_SCHEME_POD_LABEL)], separator: ";", regex: "patroni;https", target_label: "__scheme__", replacement: "https" },
        { source_labels: [JOB], target_label: "job" },
        { source_labels: [INSTANCE], target_label: "cluster" },
        { source_labels: [JOB, POD_NAME], separator: ";", regex: `(${MEMBER_JOBS.join("|")});(.+)`, target_label: "member", replacement: "$2" },
        { source_labels: [POD_NAME], target_label: "instance" },
    ];
    const doc = {
        global: {
            scrape_interval: `${c.scrapeIntervalSeconds}s`,
            scrape_timeout: `${Math.min(10, c.scrapeIntervalSeconds)}s`,
            evaluation_interval: `${c.evaluationIntervalSeconds}s`,
        },
        rule_files: [c.rulesFile],
        ...(c.alertmanagerUrls.length
            ? {
                alerting: {
                    alertmanagers: c.alertmanagerUrls.map((u) => {
                        const url = new URL(u);
                        return { scheme: url.protocol.replace(":", ""), path_prefix: url.pathname, static_configs: [{ targets: [url.host] }] };
                    }),
                },
            }
            : {}),
        scrape_configs: [{
            job_name: "pgscale",
            // An https member is not verified: one job covers every cluster of the namespace, each with
            // its own CA, addressed by pod IP, which no certificate names (docs/security.md).
            tls_config: { insecure_skip_verify: true },
            kubernetes_sd_configs: [{
                role: "pod",
                // The Role grants pods of this namespace only; listing all namespaces would be refused.
                namespaces: { names: [c.namespace] },
                // Watch pgscale's pods only: fewer objects for the API server to send and Prometheus to hold.
                selectors: [{ role: "pod", label: "app.kubernetes.io/part-of=pgscale" }],
            }],
            relabel_configs: relabel,
        }],
    };
    return stringify(doc, { lineWidth: 0 });
}
