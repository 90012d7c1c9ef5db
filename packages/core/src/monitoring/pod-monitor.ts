import { KUBERNETES_METRICS_TARGETS, KubernetesMetricsJob, MEMBER_JOBS, POD_INSTANCE_LABEL, POD_NAME_LABEL } from "./kubernetes-discovery";

// prometheus-operator's PodMonitor for a construct's pods (`monitoring.podMonitor`, Kubernetes):
// the same targets pgscale's own discovery finds (kubernetes-discovery.ts: a construct's pods, by
// their named metrics ports) with the same labels, so pgscale's alert rules and dashboard work in
// a Prometheus the operator runs. PodMonitor rather than ServiceMonitor: no Service publishes the
// metrics ports (a Service spreads over its pods, and every member must be scraped), the pods do.

export const POD_MONITOR_API_VERSION = "monitoring.coreos.com/v1";

/** One relabelling of a PodMonitor endpoint, as the operator's CRD spells it (camelCase; action `replace` by default). */
export interface PodMonitorRelabeling {
    sourceLabels?: string[];
    targetLabel: string;
    replacement?: string;
}

export interface PodMetricsEndpoint {
    /** The container port's name (kubernetesMetricsPort). */
    port: string;
    /** `https` for a member's REST API with restApi.https, not verified (see kubernetes-discovery.ts). */
    scheme?: "https";
    tlsConfig?: { insecureSkipVerify: true };
    path: string;
    relabelings: PodMonitorRelabeling[];
}

export interface PodMonitorObject {
    apiVersion: typeof POD_MONITOR_API_VERSION;
    kind: "PodMonitor";
    metadata: { name: string; namespace: string; labels: Record<string, string> };
    spec: {
        /** The construct's pods; with no namespaceSelector the operator looks in the PodMonitor's own namespace, where they run. */
        selector: { matchLabels: Record<string, string> };
        podMetricsEndpoints: PodMetricsEndpoint[];
    };
}

export interface PodMonitorInput {
    /** The object's name: the construct's. */
    name: string;
    namespace: string;
    /** The object's own labels: the construct's, and any the user's operator selects PodMonitors by. */
    labels: Record<string, string>;
    /** The labels that select exactly the construct's pods (its `app.kubernetes.io/name` and `instance`). */
    selector: Record<string, string>;
    /** The metrics those pods serve: one endpoint each. */
    jobs: KubernetesMetricsJob[];
    /** The members serve Patroni's REST API (the `patroni` job) over HTTPS. */
    patroniHttps?: boolean;
}

/**
 * The relabelings that give an operator-scraped target pgscale's labels: `job` (the operator's
 * default is `<namespace>/<PodMonitor name>`, and the rules select job="patroni", ...), `cluster`
 * (the construct's name), `member` (Patroni's and its exporter's targets) and `instance` (the pod's
 * name; the operator's default is the address, which changes with every new pod).
 */
export function podMonitorRelabelings(job: KubernetesMetricsJob): PodMonitorRelabeling[] {
    return [
        { targetLabel: "job", replacement: job },
        { sourceLabels: [POD_INSTANCE_LABEL], targetLabel: "cluster" },
        ...(MEMBER_JOBS.includes(job) ? [{ sourceLabels: [POD_NAME_LABEL], targetLabel: "member" }] : []),
        { sourceLabels: [POD_NAME_LABEL], targetLabel: "instance" },
    ];
}

/** The PodMonitor object of one construct. */
export function renderPodMonitor(i: PodMonitorInput): PodMonitorObject {
    if (i.jobs.length === 0) throw new Error(`PodMonitor ${i.name}: no metrics to scrape`);
    const app = i.selector["app.kubernetes.io/name"];
    for (const job of i.jobs) {
        // A port name means a job only on its own app's pods (KUBERNETES_METRICS_TARGETS).
        if (KUBERNETES_METRICS_TARGETS[job].app !== app) throw new Error(`PodMonitor ${i.name}: ${job} metrics are not served by ${app ?? "these"} pods`);
    }
    return {
        apiVersion: POD_MONITOR_API_VERSION,
        kind: "PodMonitor",
        metadata: { name: i.name, namespace: i.namespace, labels: i.labels },
        spec: {
            selector: { matchLabels: i.selector },
            podMetricsEndpoints: i.jobs.map((job) => ({
                port: KUBERNETES_METRICS_TARGETS[job].portName,
                ...(job === "patroni" && i.patroniHttps ? { scheme: "https" as const, tlsConfig: { insecureSkipVerify: true as const } } : {}),
                path: "/metrics",
                relabelings: podMonitorRelabelings(job),
            })),
        },
    };
}
