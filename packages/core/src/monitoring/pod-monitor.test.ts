import { parse } from "yaml";
import { discoveredPod, relabel, RelabelRule } from "../../../../test/support/relabel";
import { parseSpec } from "../validation";
import { KubernetesMetricsJob } from "./kubernetes-discovery";
import { POD_LABEL, renderKubernetesPrometheusConfig } from "./kubernetes-discovery";
import { PodMetricsEndpoint, PodMonitorObject, renderPodMonitor } from "./pod-monitor";
import { frontendMonitoringSpec, monitoringSpec } from "./spec";

const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The scrape configuration prometheus-operator generates for one PodMonitor endpoint, reduced to
 * what decides the target and its labels: keep the selected pods and the named port, drop
 * finished pods, its own target labels (`job` defaulting to `<namespace>/<name>`), then the
 * endpoint's relabelings, appended after its own.
 */
function operatorRules(pm: PodMonitorObject, ep: PodMetricsEndpoint): RelabelRule[] {
    return [
        ...Object.entries(pm.spec.selector.matchLabels).map(([k, v]) => ({ source_labels: [POD_LABEL(k)], regex: escape(v), action: "keep" })),
        { source_labels: ["__meta_kubernetes_pod_container_port_name"], regex: escape(ep.port), action: "keep" },
        { source_labels: ["__meta_kubernetes_pod_phase"], regex: "(Failed|Succeeded)", action: "drop" },
        { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
        { target_label: "job", replacement: `${pm.metadata.namespace}/${pm.metadata.name}` },
        { target_label: "endpoint", replacement: ep.port },
        { target_label: "__metrics_path__", replacement: ep.path },
        ...ep.relabelings.map((r) => ({ source_labels: r.sourceLabels, target_label: r.targetLabel, replacement: r.replacement })),
    ];
}

/** Every target the operator would scrape for `pm` among `pods`, with the labels the rules read. */
function operatorTargets(pm: PodMonitorObject, pods: Array<Record<string, string>>) {
    return pm.spec.podMetricsEndpoints.flatMap((ep) => pods.map((p) => relabel(operatorRules(pm, ep), p)).filter((t) => t !== undefined));
}

const RULE_LABELS = ["job", "cluster", "member", "instance", "__metrics_path__"];
const ruleLabels = (t: Record<string, string>) => Object.fromEntries(RULE_LABELS.filter((k) => k in t).map((k) => [k, t[k]]));

const selector = (app: string, instance: string) => ({ "app.kubernetes.io/name": app, "app.kubernetes.io/instance": instance });
const monitorOf = (app: string, instance: string, jobs: KubernetesMetricsJob[]) =>
    renderPodMonitor({ name: instance, namespace: "shop", labels: { "app.kubernetes.io/part-of": "pgscale" }, selector: selector(app, instance), jobs });

// Pods of a namespace as discovery lists them: one candidate per declared container port.
const pods = [
    ...["main-0", "main-1"].flatMap((m) => [
        discoveredPod("patroni", "main", m, "patroni", 8008), discoveredPod("patroni", "main", m, "pg-metrics", 9187),
        discoveredPod("patroni", "main", m, "postgresql", 5432),
    ]),
    discoveredPod("patroni", "other", "other-0", "patroni", 8008),
    discoveredPod("patroni-dcs-reconcile", "main", "main-dcs-x", "patroni", 8008),
    discoveredPod("patroni", "main", "main-2", "patroni", 8008, "Succeeded"),
    discoveredPod("pgbouncer", "pool", "pool-7d9f-x2", "metrics", 9127), discoveredPod("pgbouncer", "pool", "pool-7d9f-x2", "pgbouncer", 6432),
    discoveredPod("haproxy", "lb", "lb-5c4b-q8", "metrics", 8405), discoveredPod("haproxy", "lb", "lb-5c4b-q8", "primary", 5000),
];
const own = parse(renderKubernetesPrometheusConfig({ namespace: "shop", scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 15, alertmanagerUrls: [], rulesFile: "/r.yml" }));
const ownTargets = (instance: string) => pods
    .filter((p) => p.__meta_kubernetes_pod_label_app_kubernetes_io_instance === instance)
    .map((p) => relabel(own.scrape_configs[0].relabel_configs, p)).filter((t) => t !== undefined);
const sorted = (ts: Array<Record<string, string>>) => ts.map(ruleLabels).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("PodMonitor", () => {
    it.each([
        ["a PatroniCluster with its exporters", "patroni", "main", ["patroni", "postgres"] as KubernetesMetricsJob[], 4],
        ["a PgBouncerPool", "pgbouncer", "pool", ["pgbouncer"] as KubernetesMetricsJob[], 1],
        ["an HAProxyFrontend", "haproxy", "lb", ["haproxy"] as KubernetesMetricsJob[], 1],
    ])("scrapes %s as pgscale's own discovery does, with the same job, cluster, member and instance", (_what, app, instance, jobs, count) => {
        const pm = monitorOf(app, instance, jobs);
        const targets = operatorTargets(pm, pods);
        expect(targets).toHaveLength(count);
        expect(sorted(targets)).toEqual(sorted(ownTargets(instance)));
    });

    it("without the exporters, a PatroniCluster's PodMonitor scrapes Patroni's /metrics only", () => {
        const targets = operatorTargets(monitorOf("patroni", "main", ["patroni"]), pods);
        expect(sorted(targets)).toEqual([
            { job: "patroni", cluster: "main", member: "main-0", instance: "main-0", __metrics_path__: "/metrics" },
            { job: "patroni", cluster: "main", member: "main-1", instance: "main-1", __metrics_path__: "/metrics" },
        ]);
    });

    it("scrapes Patroni over HTTPS when the members serve it (restApi.https), unverified, and the exporter as before", () => {
        const pm = renderPodMonitor({ name: "main", namespace: "shop", labels: {}, selector: selector("patroni", "main"), jobs: ["patroni", "postgres"], patroniHttps: true });
        expect(pm.spec.podMetricsEndpoints.map((e) => [e.port, e.scheme, e.tlsConfig])).toEqual([["patroni", "https", { insecureSkipVerify: true }], ["pg-metrics", undefined, undefined]]);
        expect(monitorOf("patroni", "main", ["patroni"]).spec.podMetricsEndpoints[0]).not.toHaveProperty("scheme");
    });

    it("is the operator's object: selector, named ports, no namespace selector (its own namespace)", () => {
        const pm = monitorOf("patroni", "main", ["patroni", "postgres"]);
        expect(pm).toMatchObject({
            apiVersion: "monitoring.coreos.com/v1", kind: "PodMonitor",
            metadata: { name: "main", namespace: "shop", labels: { "app.kubernetes.io/part-of": "pgscale" } },
            spec: { selector: { matchLabels: selector("patroni", "main") } },
        });
        expect(pm.spec).not.toHaveProperty("namespaceSelector");
        expect(pm.spec.podMetricsEndpoints.map((e) => [e.port, e.path])).toEqual([["patroni", "/metrics"], ["pg-metrics", "/metrics"]]);
    });

    it("refuses metrics the selected pods do not serve, and an empty list", () => {
        expect(() => monitorOf("pgbouncer", "pool", ["postgres"])).toThrow(/postgres metrics are not served by pgbouncer pods/);
        expect(() => monitorOf("haproxy", "lb", [])).toThrow(/no metrics to scrape/);
    });
});

describe("monitoring.podMonitor", () => {
    it("is off by default, on PatroniCluster's and PgBouncerPool's monitoring and on HAProxyFrontend's", () => {
        expect(monitoringSpec.parse(undefined)).toEqual({ enabled: false, podMonitor: false });
        expect(monitoringSpec.parse({ enabled: true })).toEqual({ enabled: true, podMonitor: false });
        expect(frontendMonitoringSpec.parse(undefined)).toEqual({ podMonitor: false });
        expect(frontendMonitoringSpec.parse({ podMonitor: true, podMonitorLabels: { release: "kps" } })).toEqual({ podMonitor: true, podMonitorLabels: { release: "kps" } });
    });

    it("names a bad label and labels without a PodMonitor", () => {
        expect(() => parseSpec(monitoringSpec, { podMonitorLabels: { release: "kps" } }, "PatroniCluster main"))
            .toThrow(/podMonitorLabels: labels a PodMonitor: needs podMonitor: true/);
        expect(() => parseSpec(monitoringSpec, { podMonitor: true, podMonitorLabels: { "bad key!": "x" } }, "PatroniCluster main"))
            .toThrow(/podMonitorLabels.*must be a Kubernetes label name/);
        expect(() => parseSpec(frontendMonitoringSpec, { podMonitor: true, podMonitorLabels: { release: "a b" } }, "HAProxyFrontend lb"))
            .toThrow(/podMonitorLabels\.release: must be a Kubernetes label value/);
        expect(() => parseSpec(frontendMonitoringSpec, { enabled: true }, "HAProxyFrontend lb")).toThrow(/enabled/);
    });
});
