import { parse } from "yaml";
import { discoveredPod, relabel } from "../../../../test/support/relabel";
import { METRICS_JOBS, METRICS_PORTS } from "./discovery";
import { KUBERNETES_METRICS_TARGETS, KubernetesMetricsJob, POD_LABEL, REST_SCHEME_POD_LABEL, kubernetesMetricsPort, renderKubernetesPrometheusConfig } from "./kubernetes-discovery";

const base = { namespace: "shop-prod", scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 30, alertmanagerUrls: [], rulesFile: "/etc/r.yml" };

const pod = discoveredPod;

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
        ["backup", "patroni", "main", "main-2", "backup-metrics", 9854, "main-2"],
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
        // Every job, the backup scheduler's included (it runs in the member's patroni container).
        const jobs: readonly KubernetesMetricsJob[] = METRICS_JOBS;
        expect(Object.keys(KUBERNETES_METRICS_TARGETS).sort()).toEqual([...jobs].sort());
        const pairs = Object.values(KUBERNETES_METRICS_TARGETS).map((t) => `${t.app}/${t.portName}`);
        expect(new Set(pairs).size).toBe(pairs.length);
        for (const job of jobs) {
            expect(kubernetesMetricsPort(job)).toEqual({ name: KUBERNETES_METRICS_TARGETS[job].portName, containerPort: METRICS_PORTS[job] });
            expect(KUBERNETES_METRICS_TARGETS[job].portName).toMatch(/^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/);
        }
    });

    it("scrapes Patroni over HTTPS on a member labelled for it (restApi.https), every other target as before", () => {
        const https = { ...pod("patroni", "main", "main-0", "patroni", 8008), [POD_LABEL(REST_SCHEME_POD_LABEL)]: "https" };
        expect(relabel(rules, https)).toMatchObject({ job: "patroni", __scheme__: "https" });
        expect(relabel(rules, pod("patroni", "main", "main-0", "patroni", 8008))).not.toHaveProperty("__scheme__");
        // The exporter beside an https member stays plain HTTP.
        expect(relabel(rules, { ...pod("patroni", "main", "main-0", "pg-metrics", 9187), [POD_LABEL(REST_SCHEME_POD_LABEL)]: "https" })).not.toHaveProperty("__scheme__");
        expect(cfg.scrape_configs[0].tls_config).toEqual({ insecure_skip_verify: true });
    });

    it("sends alerts to the Alertmanagers given", () => {
        const withAm = parse(renderKubernetesPrometheusConfig({ ...base, alertmanagerUrls: ["http://am.monitoring:9093"] }));
        expect(withAm.alerting.alertmanagers).toEqual([{ scheme: "http", path_prefix: "/", static_configs: [{ targets: ["am.monitoring:9093"] }] }]);
    });
});
