import { z } from "zod";
import { imageReference, imagesSpec } from "../cluster/images";
import { bindAddress, port } from "../util/net-spec";

// Specs of observability (docs/monitoring.md): the `monitoring` option of the constructs that run
// exporters, and the Prometheus construct's options. Shared by @pgscale/docker and
// @pgscale/kubernetes, strict like every spec: a misspelt option is an error.

/**
 * `monitoring` on PatroniCluster and PgBouncerPool: an exporter beside each PostgreSQL member
 * (postgres_exporter with pgscale's queries, as a role holding only pg_monitor) or beside the pool
 * (pgbouncer_exporter, as a user in PgBouncer's stats_users). The exporters listen on the stack's
 * network only; a Prometheus construct finds them by their labels.
 */
const labelName = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * The Kubernetes-only part of `monitoring`: prometheus-operator's PodMonitor objects for the
 * construct's metrics ports (pod-monitor.ts). Docker refuses both fields by name.
 */
const podMonitorFields = {
    /**
     * Kubernetes only: also create a `monitoring.coreos.com/v1` PodMonitor selecting the
     * construct's pods and their named metrics ports, relabelled to the `job`, `cluster`, `member`
     * and `instance` labels pgscale's rules use, for a Prometheus run by prometheus-operator. Its
     * CustomResourceDefinition must be installed. Default false: the pods' named ports and the
     * Prometheus construct's discovery need no operator.
     */
    podMonitor: z.boolean().default(false),
    /**
     * Kubernetes only: extra labels on the PodMonitor, for an operator whose `podMonitorSelector`
     * selects by label (kube-prometheus-stack's: `release: <its release name>`). Default none.
     */
    podMonitorLabels: z.record(z.string(), z.string().regex(labelValue, "must be a Kubernetes label value (at most 63 letters, digits, '-', '_', '.')"))
        // Keys checked here, not by the record's key schema, whose error does not say what a key must be.
        .superRefine((labels, ctx) => {
            for (const key of Object.keys(labels)) {
                if (!labelName.test(key)) ctx.addIssue({ code: "custom", path: [key], message: "must be a Kubernetes label name ([prefix/]name, at most 63 characters in the name)" });
            }
        })
        .optional(),
};

/** The `monitoring` fields only Kubernetes has: @pgscale/docker refuses each by name. */
export const KUBERNETES_ONLY_MONITORING = ["podMonitor", "podMonitorLabels"] as const;

const podMonitorLabelsNeedPodMonitor = (v: { podMonitor: boolean; podMonitorLabels?: Record<string, string> }, ctx: z.RefinementCtx) => {
    if (v.podMonitorLabels !== undefined && !v.podMonitor)
        ctx.addIssue({ code: "custom", path: ["podMonitorLabels"], message: "labels a PodMonitor: needs podMonitor: true" });
};

export const monitoringSpec = z
    .strictObject({
        /** Run the exporters. Default false. */
        enabled: z.boolean().default(false),
        ...podMonitorFields,
    })
    .superRefine(podMonitorLabelsNeedPodMonitor)
    .default({ enabled: false, podMonitor: false });
export type MonitoringSpec = z.output<typeof monitoringSpec>;
export type MonitoringInput = z.input<typeof monitoringSpec>;

/**
 * `monitoring` on HAProxyFrontend: its exporter runs on every frontend whatever this says, so
 * there is nothing to enable; only the PodMonitor (Kubernetes) is optional.
 */
export const frontendMonitoringSpec = z
    .strictObject(podMonitorFields)
    .superRefine(podMonitorLabelsNeedPodMonitor)
    .default({ podMonitor: false });
export type FrontendMonitoringSpec = z.output<typeof frontendMonitoringSpec>;

/** Prometheus's own duration syntax for retention (`15d`, `12h`, `2w`). */
const retentionTime = z.string().regex(/^[1-9][0-9]*(h|d|w|y)$/, "must be a whole number of hours, days, weeks or years, e.g. 7d");

/** The Prometheus construct's plain options (the alert thresholds are `alerts`, see rules.ts). */
export const prometheusSpec = z.strictObject({
    /** Seconds between scrapes of every target. Default 15. */
    scrapeIntervalSeconds: z.number().int().min(1).max(300).default(15),
    /** Seconds between evaluations of the alert rules. Default: the scrape interval. */
    evaluationIntervalSeconds: z.number().int().min(1).max(300).optional(),
    /** How long samples are kept (`--storage.tsdb.retention.time`). Default "7d". */
    retentionTime: retentionTime.default("7d"),
    /** The most disk the samples may take, in MiB (`--storage.tsdb.retention.size`); the oldest go first. Default 1024. */
    retentionSizeMb: z.number().int().min(64).default(1024),
    /** Host port of the web UI and API (Docker; default: Docker picks one), the Service port on Kubernetes (default 9090). */
    port: port.optional(),
    /** Host address the port binds to (Docker only). Default 127.0.0.1: nothing is reachable beyond this machine. */
    bindAddress: bindAddress.default("127.0.0.1"),
    /** Alertmanagers to send firing alerts to (`http://host:9093`), e.g. an existing one. Default none: alerts show in Prometheus only. */
    alertmanagerUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /**
     * The Docker engine's socket on the engine host (Docker only), which the discovery proxy
     * reads the stack's containers from. Default /var/run/docker.sock.
     */
    engineSocket: z.string().regex(/^\/[^\0]*$/, "must be an absolute path").default("/var/run/docker.sock"),
    /**
     * The group that may use `engineSocket` (Docker only): the discovery proxy runs as a non-root
     * user in it. Default: the socket's group on this machine (pgscale reaches its engine through
     * a local socket or loopback, so the engine's socket is here).
     */
    engineSocketGroup: z.number().int().min(1).optional(),
    /** Image with Prometheus 2.40+ (`prometheus`, `promtool`), tagged or by digest. Default: see `images`. */
    image: imageReference.optional(),
    /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's own images. */
    images: imagesSpec.optional(),
});
export type PrometheusSpec = z.output<typeof prometheusSpec>;
export type PrometheusInput = z.input<typeof prometheusSpec>;
