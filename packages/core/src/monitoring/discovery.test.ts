import { parse } from "yaml";
import { BACKUP_METRICS_LABEL, DISCOVERY_PORT, METRICS_PORTS, REST_SCHEME_LABEL, metricsLabels, renderDiscoveryProxyCfg, renderPrometheusConfig } from "./discovery";
import { prometheusSpec } from "./spec";

const base = {
    project: "shop", stack: "prod", networks: ["net-a"], discoveryHost: "tcp://prom-discovery:2375",
    scrapeIntervalSeconds: 15, evaluationIntervalSeconds: 15, alertmanagerUrls: [], rulesFile: "/etc/r.yml",
};

describe("Prometheus discovery", () => {
    it("lists only this project's and stack's containers, through the proxy", () => {
        const text = renderPrometheusConfig(base);
        const cfg = parse(text);
        expect(cfg.scrape_configs.map((c: any) => c.job_name)).toEqual(["pgscale", "pgscale-backup"]);
        for (const c of cfg.scrape_configs) {
            expect(c.docker_sd_configs).toEqual([{ host: "tcp://prom-discovery:2375", refresh_interval: "15s", filters: [{ name: "label", values: ["pgscale.project=shop", "pgscale.stack=prod"] }] }]);
        }
        // Written out in full: no YAML anchors or aliases for the parts the jobs share.
        expect(text).not.toMatch(/[&*]a[0-9]/);
        expect(cfg.rule_files).toEqual(["/etc/r.yml"]);
        expect(cfg.global).toEqual({ scrape_interval: "15s", scrape_timeout: "10s", evaluation_interval: "15s" });
        expect(cfg.alerting).toBeUndefined();
    });

    it("relabels Patroni members and HAProxy by their role label, keeps labelled targets on the given networks, and names job, cluster, member, instance", () => {
        const relabel = parse(renderPrometheusConfig({ ...base, networks: ["a.b", "c"] })).scrape_configs[0].relabel_configs;
        const byTarget = (t: string) => relabel.filter((r: any) => r.target_label === t);
        expect(byTarget("__meta_docker_container_label_pgscale_metrics_job").map((r: any) => [r.regex, r.replacement])).toEqual([["postgres", "patroni"], ["haproxy", "haproxy"]]);
        expect(relabel).toContainEqual({ source_labels: ["__meta_docker_network_name"], regex: "a\\.b|c", action: "keep" });
        expect(relabel).toContainEqual({ source_labels: ["__meta_docker_container_label_pgscale_metrics_job"], regex: ".+", action: "keep" });
        expect(byTarget("__address__")).toEqual([{ source_labels: ["__meta_docker_network_ip", "__meta_docker_container_label_pgscale_metrics_port"], separator: ":", target_label: "__address__" }]);
        for (const t of ["job", "cluster", "member", "instance", "__metrics_path__"]) expect(byTarget(t)).toHaveLength(1);
    });

    it("scrapes a member serving its REST API over HTTPS (its rest-scheme label) over HTTPS, and nothing else", () => {
        const job = parse(renderPrometheusConfig(base)).scrape_configs[0];
        const scheme = job.relabel_configs.filter((r: any) => r.target_label === "__scheme__");
        expect(scheme).toEqual([{
            source_labels: ["__meta_docker_container_label_pgscale_metrics_job", "__meta_docker_container_label_pgscale_rest_scheme"],
            separator: ";", regex: "patroni;https", target_label: "__scheme__", replacement: "https",
        }]);
        // After the job label is set (so it applies to members only), before it is copied to `job`.
        const at = (r: any) => job.relabel_configs.indexOf(r);
        expect(at(scheme[0])).toBeGreaterThan(at(job.relabel_configs.find((r: any) => r.replacement === "patroni")));
        expect(job.tls_config).toEqual({ insecure_skip_verify: true });
        expect(REST_SCHEME_LABEL).toBe("pgscale.rest-scheme");
    });

    it("scrapes a member's backup scheduler as job backup, on the port its label names, with the same cluster, member and instance", () => {
        const backup = parse(renderPrometheusConfig({ ...base, networks: ["n"] })).scrape_configs[1].relabel_configs;
        const label = "__meta_docker_container_label_pgscale_metrics_backup_port";
        expect(backup[0]).toEqual({ source_labels: [label], regex: ".+", action: "keep" });
        expect(backup).toContainEqual({ source_labels: ["__meta_docker_network_name"], regex: "n", action: "keep" });
        expect(backup).toContainEqual({ source_labels: ["__meta_docker_network_ip", label], separator: ":", target_label: "__address__" });
        expect(backup).toContainEqual({ target_label: "job", replacement: "backup" });
        const main = parse(renderPrometheusConfig({ ...base, networks: ["n"] })).scrape_configs[0].relabel_configs;
        for (const t of ["cluster", "member", "instance"]) {
            expect(backup.filter((r: any) => r.target_label === t)).toEqual(main.filter((r: any) => r.target_label === t));
        }
        expect(BACKUP_METRICS_LABEL).toBe("pgscale.metrics.backup-port");
        expect(METRICS_PORTS.backup).toBe(9854);
    });

    it("sends alerts to the Alertmanagers given, by scheme, host and path", () => {
        const cfg = parse(renderPrometheusConfig({ ...base, alertmanagerUrls: ["http://am:9093", "https://alerts.example.com/am"] }));
        expect(cfg.alerting.alertmanagers).toEqual([
            { scheme: "http", path_prefix: "/", static_configs: [{ targets: ["am:9093"] }] },
            { scheme: "https", path_prefix: "/am", static_configs: [{ targets: ["alerts.example.com"] }] },
        ]);
    });

    it("the discovery proxy answers only GET/HEAD of the version handshake and the container and network lists", () => {
        const cfg = renderDiscoveryProxyCfg("/var/run/docker.sock");
        expect(cfg).toContain(`bind *:${DISCOVERY_PORT}`);
        expect(cfg).toContain("server engine /var/run/docker.sock");
        const pathRule = cfg.split("\n").find((l) => l.includes("path_reg"))!;
        const re = new RegExp(pathRule.match(/path_reg (\S+) \}/)![1]);
        for (const ok of ["/_ping", "/v1.41/version", "/v1.43/containers/json", "/v1.41/networks"]) expect(re.test(ok)).toBe(true);
        for (const no of ["/v1.41/containers/abc/json", "/containers/create", "/v1.41/exec/x/start", "/v1.41/containers/json/../x", "/v1.41/secrets"]) expect(re.test(no)).toBe(false);
        expect(cfg).toMatch(/deny deny_status 403 unless METH_GET \|\| \{ method HEAD \}/);
    });

    it("metrics labels name the job, its port and path", () => {
        expect(metricsLabels("pgbouncer")).toEqual([
            { label: "pgscale.metrics.job", value: "pgbouncer" }, { label: "pgscale.metrics.port", value: String(METRICS_PORTS.pgbouncer) }, { label: "pgscale.metrics.path", value: "/metrics" },
        ]);
    });
});

describe("prometheusSpec", () => {
    it("documents its defaults", () => {
        expect(prometheusSpec.parse({})).toEqual({ scrapeIntervalSeconds: 15, retentionTime: "7d", retentionSizeMb: 1024, bindAddress: "127.0.0.1", alertmanagerUrls: [], engineSocket: "/var/run/docker.sock" });
    });
    it.each([
        [{ retentionTime: "7 days" }, "retentionTime"], [{ scrapeIntervalSeconds: 0 }, "scrapeIntervalSeconds"], [{ retentionSizeMb: 10 }, "retentionSizeMb"],
        [{ alertmanagerUrls: ["am:9093"] }, "alertmanagerUrls"], [{ engineSocket: "docker.sock" }, "engineSocket"], [{ bindAddress: "localhost" }, "bindAddress"], [{ scrape: 1 }, ""],
    ])("refuses %j", (input, field) => {
        const res = prometheusSpec.safeParse(input);
        expect(res.success).toBe(false);
        expect(res.error!.issues[0].path.join(".")).toContain(field);
    });
});
