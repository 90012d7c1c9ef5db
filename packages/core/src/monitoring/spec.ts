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
export const monitoringSpec = z
    .strictObject({
        /** Run the exporters. Default false. */
        enabled: z.boolean().default(false),
    })
    .default({ enabled: false });
export type MonitoringSpec = z.output<typeof monitoringSpec>;
export type MonitoringInput = z.input<typeof monitoringSpec>;

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
