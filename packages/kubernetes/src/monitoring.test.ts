import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { renderAlertRules } from "@pgscale/core";
import { settledCount } from "../../../test/support/bad-input";
import { plain, recordKubernetesRegistrations, unwrap } from "../../../test/support/kubernetes-mocks";

// Monitoring on Kubernetes as a construct graph: the exporters as sidecars, the monitoring role's
// Job, HAProxy's metrics port, and the Prometheus construct (docs/monitoring.md, "Kubernetes").
// The scrape configuration's relabelling is tested in @pgscale/core (kubernetes-discovery.test.ts);
// the whole, on a real cluster, in test/e2e/kubernetes.test.ts.

const registered = recordKubernetesRegistrations();

jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { HAProxyFrontend, PatroniCluster, PgBouncerPool, Prometheus } from "./index";
import { MONITOR_ROLE, renderMonitorRoleSql } from "./monitoring";

const settle = () => settledCount(registered);
const K = {
    statefulSet: "kubernetes:apps/v1:StatefulSet", deployment: "kubernetes:apps/v1:Deployment", job: "kubernetes:batch/v1:Job",
    secret: "kubernetes:core/v1:Secret", configMap: "kubernetes:core/v1:ConfigMap", service: "kubernetes:core/v1:Service",
    serviceAccount: "kubernetes:core/v1:ServiceAccount", pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role", roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};
const ofType = (t: string) => registered.filter((r) => r.type === t);
const byName = (t: string, name: string) => registered.find((r) => r.type === t && r.name === name)!;
const podOf = (t: string, name: string) => byName(t, name).inputs.spec.template.spec;
const containerOf = (t: string, name: string, container: string) => podOf(t, name).containers.find((c: any) => c.name === container);

const parents = new Map<string, pulumi.Resource | undefined>();
const dependencies = new Map<string, any[]>();
const track: pulumi.ResourceTransformation = (a) => {
    parents.set(`${a.type}::${a.name}`, a.opts.parent);
    dependencies.set(`${a.type}::${a.name}`, (a.opts.dependsOn as any[]) ?? []);
    return undefined;
};
const dependsOnNames = (t: string, name: string) => (dependencies.get(`${t}::${name}`) ?? []).map((d: any) => d.__name);

describe("monitoring on Kubernetes: a cluster, a frontend and a pool with exporters, and Prometheus", () => {
    let pg: PatroniCluster;
    let prom: Prometheus;
    beforeAll(async () => {
        registered.splice(0);
        const opts = { transformations: [track] };
        pg = new PatroniCluster("main", { nodes: 3, database: "appdb", owner: "app", namespace: "mon", monitoring: { enabled: true } }, opts);
        new HAProxyFrontend("lb", { cluster: pg, replicas: 1 }, opts);
        const pool = new PgBouncerPool("pool", { backend: pg, replicas: 1, monitoring: { enabled: true } }, opts);
        prom = new Prometheus("prom", { namespace: pg.namespace, scrapeIntervalSeconds: 5, alerts: { maxReplicaLagBytes: 1024 } }, opts);
        await unwrap(pool.uri);
        await unwrap(prom.url);
        await settle();
    });

    it("runs postgres_exporter beside Patroni in every member pod, reading its own member as pgscale_monitor", () => {
        const pod = podOf(K.statefulSet, "main");
        expect(pod.containers.map((c: any) => c.name)).toEqual(["patroni", "postgres-exporter"]);
        const exporter = containerOf(K.statefulSet, "main", "postgres-exporter");
        expect(exporter.image).toBe("pgscale/exporters:0.4.0");
        expect(exporter.ports).toEqual([{ name: "pg-metrics", containerPort: 9187 }]);
        expect(exporter.env).toEqual([
            { name: "DATA_SOURCE_URI", value: "127.0.0.1:5432/appdb?sslmode=require" },
            { name: "DATA_SOURCE_USER", value: MONITOR_ROLE },
            { name: "DATA_SOURCE_PASS_FILE", value: "/etc/pgscale-exporter-secret/password" },
        ]);
        expect(exporter.command).toEqual(expect.arrayContaining(["--config.file=/etc/pgscale-exporter/exporter.yml", "--extend.query-path=/etc/pgscale-exporter/queries.yaml"]));
        // Its own user; the pod's fsGroup (the postgres group) lets it read the 0440 password file.
        expect(exporter.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] }, runAsUser: 100, runAsGroup: 101 });
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 102 });
        // The pod's readiness (the role Services') stays Patroni's; a hung exporter is restarted.
        expect(exporter.readinessProbe).toBeUndefined();
        expect(exporter.livenessProbe).toMatchObject({ tcpSocket: { port: 9187 } });
        expect(pod.volumes).toEqual(expect.arrayContaining([
            { name: "exporter-config", configMap: { name: "main-exporter" } },
            { name: "exporter-secret", secret: { secretName: "main-exporter", defaultMode: 0o440 } },
        ]));
        const files = byName(K.configMap, "main-exporter").inputs.data;
        expect(files["exporter.yml"]).toBe("auth_modules: {}\n");
        expect(parse(files["queries.yaml"]).pgscale_recovery).toBeDefined();
        expect(plain(plain(byName(K.secret, "main-exporter").inputs.stringData).password)).toBe("pw-main-monitor-password");
        // Mounted by name: the members wait for the files, and never roll when their content changes.
        expect(dependsOnNames(K.statefulSet, "main")).toEqual(expect.arrayContaining(["main-exporter"]));
        // Patroni's REST port keeps its name: Prometheus finds /metrics on it.
        expect(containerOf(K.statefulSet, "main", "patroni").ports).toContainEqual({ name: "patroni", containerPort: 8008 });
    });

    it("creates the monitoring role from a Job through the primary Service, once the cluster is ready, with the verifier only", () => {
        const job = byName(K.job, "main-monitor-role").inputs;
        expect(dependsOnNames(K.job, "main-monitor-role")).toEqual(["main-dcs-config"]);
        expect(pg.monitorRole).toBeDefined();
        const pod = job.spec.template.spec;
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.restartPolicy).toBe("Never");
        const script = pod.containers[0].command.join(" ");
        expect(script).toContain("host=main-primary.mon.svc.cluster.local port=5432 dbname=postgres user=postgres");
        expect(script).toContain('PGPASSWORD="$(cat /etc/pgscale/superuser-password)"');
        expect(script).not.toMatch(/pw-/);
        const secret = plain(byName(K.secret, "main-monitor-role").inputs.stringData);
        expect(plain(secret["superuser-password"])).toBe("pw-main-superuser-password");
        // With TLS (the default), psql verifies the primary Service's name with the cluster's CA.
        expect(script).toMatch(/target_session_attrs=read-write sslmode=verify-full sslrootcert=\/etc\/pgscale\/ca\.crt"/);
        expect(plain(secret["ca.crt"])).toBe("CA main-tls");
        const sql = plain(secret["script.sql"]);
        expect(sql).toContain("ALTER ROLE \"pgscale_monitor\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD 'SCRAM-SHA-256$");
        expect(sql).not.toContain("pw-main-monitor-password");
        // Its pod is never a member: no Service or PDB selects it.
        expect(job.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("patroni-monitor-role");
    });

    it("runs pgbouncer_exporter beside PgBouncer as pgscale_stats, its connection string a file and never on a command line", () => {
        const pod = podOf(K.deployment, "pool");
        expect(pod.containers.map((c: any) => c.name)).toEqual(["pgbouncer", "pgbouncer-exporter"]);
        const exporter = containerOf(K.deployment, "pool", "pgbouncer-exporter");
        expect(exporter.ports).toEqual([{ name: "metrics", containerPort: 9127 }]);
        expect(exporter.command.join(" ")).toContain('PGBOUNCER_EXPORTER_CONNECTION_STRING="$(cat /etc/pgscale-exporter-secret/dsn)" exec prometheus-pgbouncer-exporter');
        expect(exporter.env).toBeUndefined();
        expect(exporter.readinessProbe).toBeUndefined();
        expect(exporter.livenessProbe).toMatchObject({ tcpSocket: { port: 9127 } });
        const secret = plain(byName(K.secret, "pool-pgbouncer").inputs.stringData);
        expect(plain(secret["exporter.dsn"])).toBe("postgres://pgscale_stats:pw-pool-stats-password@127.0.0.1:6432/pgbouncer?sslmode=require");
        expect(plain(secret["pgbouncer.ini"])).toMatch(/^stats_users = pgscale_admin,\s*pgscale_stats$/m);
        expect(plain(secret["pgbouncer.ini"])).toMatch(/^admin_users = pgscale_admin$/m);
        expect(plain(secret["userlist.txt"])).toMatch(/^"pgscale_stats" "SCRAM-SHA-256\$/m);
        // The exporter's volume holds the connection string alone, not PgBouncer's files.
        expect(pod.volumes).toContainEqual({ name: "exporter-secret", secret: { secretName: "pool-pgbouncer-a1b2c3", defaultMode: 0o440, items: [{ key: "exporter.dsn", path: "dsn" }] } });
    });

    it("serves HAProxy's built-in exporter on a port named for discovery", () => {
        const haproxy = containerOf(K.deployment, "lb", "haproxy");
        expect(haproxy.ports).toContainEqual({ name: "metrics", containerPort: 8405 });
        expect(ofType(K.configMap).find((c) => c.name === "lb-haproxy")!.inputs.data["haproxy.cfg"]).toMatch(
            /frontend metrics\n {4}mode http\n {4}bind \*:8405\n {4}http-request use-service prometheus-exporter if \{ path \/metrics \}/);
        // No Service port: Prometheus scrapes each pod.
        expect(byName(K.service, "lb").inputs.spec.ports.map((p: any) => p.name)).not.toContain("metrics");
    });

    it("gives every scraped pod the labels discovery selects on", () => {
        for (const [t, n] of [[K.statefulSet, "main"], [K.deployment, "lb"], [K.deployment, "pool"]]) {
            expect(byName(t, n).inputs.spec.template.metadata.labels).toMatchObject({ "app.kubernetes.io/part-of": "pgscale", "app.kubernetes.io/instance": n });
        }
    });

    it("runs Prometheus in the cluster's namespace with a Role that may only read pods there", () => {
        expect(byName(K.role, "prom").inputs.rules).toEqual([{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]);
        expect(byName(K.roleBinding, "prom").inputs.subjects).toEqual([{ kind: "ServiceAccount", name: "prom", namespace: "mon" }]);
        const pod = podOf(K.deployment, "prom");
        expect(pod.serviceAccountName).toBe("prom");
        expect(pod.automountServiceAccountToken).toBeUndefined(); // discovery needs the token
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, fsGroup: 101 });
        const c = pod.containers[0];
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.image).toBe("pgscale/prometheus:0.4.0");
        expect(c.readinessProbe).toMatchObject({ httpGet: { path: "/-/ready", port: 9090 } });
        expect(c.command).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=7d", "--storage.tsdb.retention.size=1024MB", "--storage.tsdb.path=/prometheus"]));
        expect(byName(K.deployment, "prom").inputs.spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
        // The samples outlive the pod.
        expect(pod.volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "prom-data" } });
        expect(byName(K.pvc, "prom-data").inputs.spec.resources.requests.storage).toBe("1536Mi");
        // The namespace is the cluster's: not created again.
        expect(registered.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.name)).toEqual(["main-ns"]);
    });

    it("loads the scrape configuration for its namespace and the rules with the thresholds given", () => {
        const data = ofType(K.configMap).find((c) => c.name === "prom-config")!.inputs.data;
        const cfg = parse(data["prometheus.yml"]);
        expect(cfg.scrape_configs[0].kubernetes_sd_configs[0]).toMatchObject({ role: "pod", namespaces: { names: ["mon"] } });
        expect(cfg.global.scrape_interval).toBe("5s");
        expect(cfg.rule_files).toEqual(["/etc/pgscale-prometheus/rules.yml"]);
        expect(data["rules.yml"]).toBe(renderAlertRules({ maxReplicaLagBytes: 1024 }));
        expect(prom.rules).toBe(data["rules.yml"]);
    });

    it("answers on a ClusterIP Service, its url in-cluster", async () => {
        expect(byName(K.service, "prom").inputs.spec).toEqual({ type: "ClusterIP", selector: { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "prom" }, ports: [{ name: "web", port: 9090, targetPort: 9090 }] });
        expect(await unwrap(prom.url)).toBe("http://prom.mon.svc.cluster.local:9090");
        expect(prom.endpoint.portForward).toBe("kubectl -n mon port-forward svc/prom 9090:9090");
    });

    it("emits no PodMonitor or other custom resource unless asked (prometheus-operator's CRDs may not be installed)", () => {
        const builtIn = /^kubernetes:(core|apps|batch|policy|networking\.k8s\.io|rbac\.authorization\.k8s\.io)\/v1:/;
        expect(registered.filter((r) => r.type.startsWith("kubernetes:") && !builtIn.test(r.type)).map((r) => r.type)).toEqual([]);
        expect(pg.podMonitor).toBeUndefined();
    });

    it("parents every child to its construct and names it after the construct", () => {
        const children = registered.filter((r) => !r.type.startsWith("pgscale:kubernetes:"));
        for (const r of children) {
            expect(pulumi.ComponentResource.isInstance(parents.get(`${r.type}::${r.name}`))).toBe(true);
            expect(r.name).toMatch(/^(main|lb|pool|prom)(-|$)/);
        }
    });
});

describe("PodMonitors on request", () => {
    const PM = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
    let pg: PatroniCluster;
    beforeAll(async () => {
        registered.splice(0);
        const opts = { transformations: [track] };
        pg = new PatroniCluster("pmdb", { nodes: 2, namespace: "pm", monitoring: { enabled: true, podMonitor: true, podMonitorLabels: { release: "kps" } } }, opts);
        new HAProxyFrontend("pmlb", { cluster: pg, replicas: 1, monitoring: { podMonitor: true } }, opts);
        const pool = new PgBouncerPool("pmpool", { backend: pg, replicas: 1, monitoring: { enabled: true, podMonitor: true } }, opts);
        await unwrap(pool.uri);
        await settle();
    });

    it("one per construct, named after it, in its namespace, parented to it", () => {
        expect(ofType(PM).map((r) => [r.name, r.inputs.metadata.name, r.inputs.metadata.namespace]).sort()).toEqual([
            ["pmdb-pod-monitor", "pmdb", "pm"], ["pmlb-pod-monitor", "pmlb", "pm"], ["pmpool-pod-monitor", "pmpool", "pm"],
        ]);
        for (const r of ofType(PM)) expect(pulumi.ComponentResource.isInstance(parents.get(`${PM}::${r.name}`))).toBe(true);
        expect(pg.podMonitor).toBeDefined();
    });

    it("selects exactly its construct's pods, and its endpoints are ports those pods declare", () => {
        for (const [t, n] of [[K.statefulSet, "pmdb"], [K.deployment, "pmlb"], [K.deployment, "pmpool"]]) {
            const spec = byName(PM, `${n}-pod-monitor`).inputs.spec;
            expect(spec.selector.matchLabels).toEqual(byName(t, n).inputs.spec.selector.matchLabels);
            const ports = podOf(t, n).containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
            for (const ep of spec.podMetricsEndpoints) expect(ports).toContain(ep.port);
        }
        expect(byName(PM, "pmdb-pod-monitor").inputs.spec.podMetricsEndpoints.map((e: any) => e.port)).toEqual(["patroni", "pg-metrics"]);
        expect(byName(PM, "pmlb-pod-monitor").inputs.spec.podMetricsEndpoints[0].relabelings[0]).toEqual({ targetLabel: "job", replacement: "haproxy" });
    });

    it("carries the labels an operator selects PodMonitors by, beside pgscale's", () => {
        expect(byName(PM, "pmdb-pod-monitor").inputs.metadata.labels).toMatchObject({ release: "kps", "app.kubernetes.io/part-of": "pgscale", "app.kubernetes.io/instance": "pmdb" });
        expect(byName(PM, "pmpool-pod-monitor").inputs.metadata.labels).not.toHaveProperty("release");
    });

    it("without the exporters, a cluster's PodMonitor scrapes Patroni's /metrics only", async () => {
        const plainPg = new PatroniCluster("pmplain", { nodes: 1, namespace: "pm2", monitoring: { podMonitor: true } });
        await unwrap(plainPg.primaryUri);
        await settle();
        expect(byName(PM, "pmplain-pod-monitor").inputs.spec.podMetricsEndpoints.map((e: any) => e.port)).toEqual(["patroni"]);
        expect(podOf(K.statefulSet, "pmplain").containers.map((c: any) => c.name)).toEqual(["patroni"]);
    });
});

describe("monitoring off (the default)", () => {
    it("adds no exporter, role Job or stats user", async () => {
        registered.splice(0);
        const pg = new PatroniCluster("plain", { nodes: 2, namespace: "off" });
        const pool = new PgBouncerPool("plainpool", { backend: pg, replicas: 1 });
        await unwrap(pool.uri);
        await settle();
        expect(podOf(K.statefulSet, "plain").containers.map((c: any) => c.name)).toEqual(["patroni"]);
        expect(podOf(K.deployment, "plainpool").containers.map((c: any) => c.name)).toEqual(["pgbouncer"]);
        expect(ofType(K.job).map((j) => j.name)).toEqual(["plain-dcs-config"]);
        expect(registered.filter((r) => r.name.includes("exporter") || r.name.includes("monitor") || r.name.includes("stats-password"))).toEqual([]);
        expect(pg.monitorRole).toBeUndefined();
        expect(registered.filter((r) => r.type.includes("monitoring.coreos.com"))).toEqual([]);
    });
});

describe("Prometheus options", () => {
    beforeEach(() => registered.splice(0));

    it("takes its port, retention, Alertmanagers, storage and a namespace by name", async () => {
        const prom = new Prometheus("prom2", {
            namespace: "metrics", port: 9091, retentionTime: "2d", retentionSizeMb: 256, alertmanagerUrls: ["http://am.metrics:9093"],
            storage: { size: "2Gi", storageClassName: "fast" }, serviceType: "NodePort",
        });
        expect(await unwrap(prom.url)).toBe("http://prom2.metrics.svc.cluster.local:9091");
        await settle();
        expect(registered.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.inputs.metadata.name)).toEqual(["metrics"]);
        expect(byName(K.pvc, "prom2-data").inputs.spec).toMatchObject({ storageClassName: "fast", resources: { requests: { storage: "2Gi" } } });
        expect(podOf(K.deployment, "prom2").containers[0].command).toEqual(expect.arrayContaining(["--storage.tsdb.retention.time=2d", "--storage.tsdb.retention.size=256MB"]));
        expect(byName(K.service, "prom2").inputs.spec).toMatchObject({ type: "NodePort", ports: [{ name: "web", port: 9091, targetPort: 9090 }] });
        const cfg = parse(ofType(K.configMap)[0].inputs.data["prometheus.yml"]);
        expect(cfg.alerting.alertmanagers[0].static_configs[0].targets).toEqual(["am.metrics:9093"]);
    });
});

describe("the monitoring role's SQL", () => {
    it("creates the role only when missing, then sets its attributes, password verifier and grants every time", () => {
        const sql = renderMonitorRoleSql("app db", "SCRAM-SHA-256$4096:c2FsdA==$a:b");
        expect(sql.split("\n")).toEqual([
            "SET log_statement = 'none';",
            "SET log_min_error_statement = 'panic';",
            "SET client_min_messages = warning;",
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pgscale_monitor') THEN CREATE ROLE \"pgscale_monitor\"; END IF; END $$;",
            "ALTER ROLE \"pgscale_monitor\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a:b';",
            'GRANT pg_monitor TO "pgscale_monitor";',
            'GRANT CONNECT ON DATABASE "app db" TO "pgscale_monitor";',
            "",
        ]);
    });
});
