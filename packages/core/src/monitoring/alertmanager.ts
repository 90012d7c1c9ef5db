import { z } from "zod";
import { stringify } from "yaml";
import { imageReference, imagesSpec } from "../cluster/images";
import { bindAddress, port } from "../util/net-spec";

// The Alertmanager construct's options and files (docs/monitoring.md, "Alertmanager"), shared by
// @pgscale/docker and @pgscale/kubernetes. One Alertmanager per stack: it receives the alerts of
// the stack's Prometheus, groups them by alert and cluster, and posts them to webhooks. Other
// receivers (mail, chat, paging services) belong in an Alertmanager the user already runs, given
// to Prometheus by URL (`alertmanagerUrls`).

/** Alertmanager's API and UI port, inside its container or pod. */
export const ALERTMANAGER_PORT = 9093;

/** Prometheus's duration syntax for how long silences and notification state are kept. */
const retentionTime = z.string().regex(/^[1-9][0-9]*(h|d|w)$/, "must be a whole number of hours, days or weeks, e.g. 5d");

/** Seconds as Alertmanager's duration syntax. */
const seconds = (min: number, max: number) => z.number().int().min(min).max(max);

export const alertmanagerSpec = z.strictObject({
    /**
     * Webhooks every alert is posted to (Alertmanager's webhook JSON), firing and resolved, e.g. a
     * chat or paging bridge on the stack network. Default none: alerts are kept and shown in
     * Alertmanager's UI and API (`/api/v2/alerts`) only.
     */
    webhookUrls: z.array(z.url({ protocol: /^https?$/ })).default([]),
    /** Seconds to wait after a group's first alert before notifying, so alerts of one failure go out together. Default 30. */
    groupWaitSeconds: seconds(0, 3600).default(30),
    /** Seconds between notifications about new alerts of a group already notified. Default 300. */
    groupIntervalSeconds: seconds(1, 86400).default(300),
    /** Seconds before a notification still firing is sent again. Default 14400 (4 h). */
    repeatIntervalSeconds: seconds(60, 7 * 86400).default(14400),
    /** How long silences and the notification log are kept (`--data.retention`). Default "5d". */
    retentionTime: retentionTime.default("5d"),
    /** Host port of the UI and API (Docker; default: Docker picks one), the Service port on Kubernetes (default 9093). */
    port: port.optional(),
    /** Host address the port binds to (Docker only). Default 127.0.0.1: nothing is reachable beyond this machine. */
    bindAddress: bindAddress.default("127.0.0.1"),
    /** Image with Alertmanager 0.25+ (`prometheus-alertmanager`, `amtool`), tagged or by digest. Default: see `images` (pgscale/prometheus). */
    image: imageReference.optional(),
    /** Registry of pgscale's images, used when `image` is not given. Default: pgscale's own images. */
    images: imagesSpec.optional(),
});
export type AlertmanagerSpec = z.output<typeof alertmanagerSpec>;
export type AlertmanagerInput = z.input<typeof alertmanagerSpec>;

/**
 * alertmanager.yml: one route grouping by alert and cluster (one problem of one cluster is one
 * notification whatever its members), to one receiver posting to every webhook; with no webhook
 * the receiver is empty and alerts are only kept. Critical alerts of a cluster inhibit its
 * warnings of the same kind of trouble (a cluster with no primary also has members down).
 */
export function renderAlertmanagerConfig(spec: AlertmanagerSpec): string {
    const doc = {
        route: {
            receiver: "pgscale",
            group_by: ["alertname", "cluster"],
            group_wait: `${spec.groupWaitSeconds}s`,
            group_interval: `${spec.groupIntervalSeconds}s`,
            repeat_interval: `${spec.repeatIntervalSeconds}s`,
        },
        receivers: [{
            name: "pgscale",
            ...(spec.webhookUrls.length ? { webhook_configs: spec.webhookUrls.map((url) => ({ url, send_resolved: true })) } : {}),
        }],
        inhibit_rules: [{
            source_matchers: ['severity="critical"', 'alertname="PgscaleNoPrimary"'],
            target_matchers: ['severity="warning"', 'alertname=~"PgscaleMemberDown|PgscaleReplicaNotStreaming"'],
            equal: ["cluster"],
        }],
    };
    return "# Alertmanager configuration (renderAlertmanagerConfig of @pgscale/core); regenerate rather than edit.\n" + stringify(doc, { lineWidth: 0 });
}

/** Hours in each unit of `retentionTime`. */
const HOURS = { h: 1, d: 24, w: 24 * 7 } as const;

/**
 * `retentionTime` as Alertmanager's `--data.retention` takes it: a Go duration, whose largest unit
 * is the hour ("5d" stops Alertmanager at start: `time: unknown unit "d"`).
 */
export function alertmanagerRetention(retentionTime: string): string {
    const m = /^([1-9][0-9]*)(h|d|w)$/.exec(retentionTime);
    if (!m) throw new Error(`retentionTime ${retentionTime}: must be a whole number of hours, days or weeks`);
    return `${Number(m[1]) * HOURS[m[2] as keyof typeof HOURS]}h`;
}

/**
 * The Alertmanager command line: its configuration and state paths, the API on ALERTMANAGER_PORT,
 * and no cluster gossip (one Alertmanager; gossip would listen on 9094 of every interface).
 */
export function alertmanagerCommand(spec: AlertmanagerSpec, configFile: string, storagePath: string): string[] {
    return [
        "prometheus-alertmanager", `--config.file=${configFile}`, `--storage.path=${storagePath}`,
        `--data.retention=${alertmanagerRetention(spec.retentionTime)}`, `--web.listen-address=:${ALERTMANAGER_PORT}`, "--cluster.listen-address=",
    ];
}
