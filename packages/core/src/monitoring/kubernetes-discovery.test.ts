import { parse } from "yaml";
import { METRICS_JOBS, METRICS_PORTS } from "./discovery";
import { KUBERNETES_METRICS_TARGETS, KubernetesMetricsJob, kubernetesMetricsPort, renderKubernetesPrometheusConfig } from "./kubernetes-discovery";

const base = { namespace: "shop-prod", scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 30, alertmanagerUrls: [], rulesFile: "/etc/r.yml" };

/**
 * Prometheus's relabelling, as documented (replace, keep, drop; anchored regexes; `$n` groups;
 * `__` labels dropped at the end), over one discovered target: enough to check the rules give the
 * labels the alert rules need, without a Prometheus.
 */
function relabel(rules: any[], target: Record<string, string>): Record<string, string> | undefined {
    const labels = { ...target };
    for (const r of rules) {
        const value = (r.source_labels ?? []).map((l: string) => labels[l] ?? "").join(r.separator ?? ";");
        const re = new RegExp(`^(?:${r.regex ?? "(.*)"})$`);
        const m = re.exec(value);
        const action = r.action ?? "replace";
        if (action === "keep" && !m) return undefined;
        if (action === "drop" && m) return undefined;
        if (action === "replace" && m) {
            const v = (r.replacement ?? "$1").replace(/\$(\d)/g, (_: string, i: string) => m[Number(i)] ?? "");
            if (v === "") delete labels[r.target_label]; else labels[r.target_label] = v;
        }
    }
    return Object.fromEntries(Object.entries(labels).filter(([k]) => !k.startsWith("__") || ["__address__", "__metrics_path__"].includes(k)));
}

const pod = (app: string, instance: string, podName: string, portName: string, port: number, phase = "Running") => ({
    __address__: `10.0.0.7:${port}`, job: "pgscale",
    __meta_kubernetes_pod_label_app_kubernetes_io_name: app, __meta_kubernetes_pod_label_app_kubernetes_io_instance: instance,
    __meta_kubernetes_pod_name: podName, __meta_kubernetes_pod_container_port_name: portName, __meta_kubernetes_pod_phase: phase,
});

describe("Prometheus discovery on Kubernetes", () => {
    const cfg = parse(renderKubernetesPrometheusConfig(base));
    const rules = cfg.scrape_configs[0].relabel_configs;

    it("lists pgscale's pods of one namespace, with the scrape and rule settings given", () => {
        expect(cfg.scrape_configs).toHaveLength(1);
        expect(cfg.scrape_configs[0].kubernetes_sd_configs).toEqual([{
            role: "pod", namespaces: { names: ["shop-prod"] }, selectors: [{ role: "pod", label: "app.kubernetes.io/part-of=pgscale" }],
        }]);
        expect(cfg.global).toEqual({ scrape_interval: "15s", scrape_timeout: "10s", evaluation_interval: "30s" });
        expect(cfg.rule_files).toEqual(["/etc/r.yml"]);
        expect(cfg.alerting).toBeUndefined();
    });

    it.each([
        ["patroni", "patroni", "main", "main-1", "patroni", 8008, "main-1"],
        ["postgres", "patroni", "main", "main-1", "pg-metrics", 9187, "main-1"],
        ["pgbouncer", "pgbouncer", "pool", "pool-7d9f-x2", "metrics", 9127, undefined],
        ["haproxy", "haproxy", "lb", "lb-5c4b-q8", "metrics", 8405, undefined],
    ])("a %s target: job, cluster, member, instance, address and path", (job, app, instance, podName, portName, port, member) => {
        expect(relabel(rules, pod(app, instance, podName, portName, port))).toEqual({
            __address__: `10.0.0.7:${port}`, __metrics_path__: "/metrics", job, cluster: instance, instance: podName, ...(member ? { member } : {}),
        });
    });

    it("scrapes no other port and no finished pod", () => {
        expect(relabel(rules, pod("patroni", "main", "main-0", "postgresql", 5432))).toBeUndefined();
        expect(relabel(rules, pod("pgbouncer", "pool", "pool-a", "pgbouncer", 6432))).toBeUndefined();
        expect(relabel(rules, pod("haproxy", "lb", "lb-a", "primary", 5000))).toBeUndefined();
        // A port name of one app on another app's pod, and the reconcile Job's pod.
        expect(relabel(rules, pod("etcd", "dcs", "dcs-0", "metrics", 2379))).toBeUndefined();
        expect(relabel(rules, pod("patroni-dcs-reconcile", "main", "main-dcs-config-x", "patroni", 8008))).toBeUndefined();
        expect(relabel(rules, pod("patroni", "main", "main-0", "patroni", 8008, "Failed"))).toBeUndefined();
    });

    it("names every job's port within Kubernetes's 15 characters, one pair per job, on the METRICS_PORTS numbers", () => {
        // Every job but the backup scheduler's (backups run on Docker).
        const jobs = METRICS_JOBS.filter((j): j is KubernetesMetricsJob => j !== "backup");
        expect(Object.keys(KUBERNETES_METRICS_TARGETS).sort()).toEqual([...jobs].sort());
        const pairs = Object.values(KUBERNETES_METRICS_TARGETS).map((t) => `${t.app}/${t.portName}`);
        expect(new Set(pairs).size).toBe(pairs.length);
        for (const job of jobs) {
            expect(kubernetesMetricsPort(job)).toEqual({ name: KUBERNETES_METRICS_TARGETS[job].portName, containerPort: METRICS_PORTS[job] });
            expect(KUBERNETES_METRICS_TARGETS[job].portName).toMatch(/^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/);
        }
    });

    it("sends alerts to the Alertmanagers given", () => {
        const withAm = parse(renderKubernetesPrometheusConfig({ ...base, alertmanagerUrls: ["http://am.monitoring:9093"] }));
        expect(withAm.alerting.alertmanagers).toEqual([{ scheme: "http", path_prefix: "/", static_configs: [{ targets: ["am.monitoring:9093"] }] }]);
    });
});
