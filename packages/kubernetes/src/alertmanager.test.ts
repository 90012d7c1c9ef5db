import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { settledCount } from "../../../test/support/bad-input";
import { plain, recordKubernetesRegistrations, unwrap } from "../../../test/support/kubernetes-mocks";

// The Alertmanager construct as a construct graph, and Prometheus sending to it. Its configuration
// is tested in @pgscale/core (alertmanager.test.ts, with amtool); the whole on a real cluster in
// test/e2e/kubernetes.test.ts.

const registered = recordKubernetesRegistrations();

jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { Alertmanager, PatroniCluster, Prometheus } from "./index";

const settle = () => settledCount(registered);
const byName = (t: string, name: string) => registered.find((r) => r.type === t && r.name === name)!;
const K = {
    deployment: "kubernetes:apps/v1:Deployment", secret: "kubernetes:core/v1:Secret", configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service", pvc: "kubernetes:core/v1:PersistentVolumeClaim", namespace: "kubernetes:core/v1:Namespace",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};
const parents = new Map<string, pulumi.Resource | undefined>();
const track: pulumi.ResourceTransformation = (a) => {
    parents.set(`${a.type}::${a.name}`, a.opts.parent);
    return undefined;
};

describe("Alertmanager on Kubernetes, with the stack's Prometheus", () => {
    let am: Alertmanager;
    let prom: Prometheus;
    beforeAll(async () => {
        registered.splice(0);
        const pg = new PatroniCluster("main", { nodes: 1, namespace: "mon" });
        am = new Alertmanager("am", { namespace: pg.namespace, webhookUrls: ["https://hooks.example.com/T0KEN"] }, { transformations: [track] });
        prom = new Prometheus("prom", { namespace: pg.namespace, alertmanager: am, alertmanagerUrls: ["http://other.example:9093"] });
        await unwrap(am.url);
        await unwrap(prom.url);
        await settle();
    });

    it("runs one non-root pod on the prometheus image, ready on /-/ready, without an API token", () => {
        const dep = byName(K.deployment, "am").inputs;
        expect(dep.spec).toMatchObject({ replicas: 1, strategy: { type: "Recreate" } });
        const pod = dep.spec.template.spec;
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 101, fsGroup: 101, seccompProfile: { type: "RuntimeDefault" } });
        const c = pod.containers[0];
        expect(c.image).toBe("pgscale/prometheus:0.4.0");
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.readinessProbe).toMatchObject({ httpGet: { path: "/-/ready", port: 9093 } });
        expect(c.livenessProbe).toMatchObject({ httpGet: { path: "/-/healthy", port: 9093 } });
        expect(c.command).toEqual([
            "prometheus-alertmanager", "--config.file=/etc/pgscale-alertmanager/alertmanager.yml", "--storage.path=/alertmanager",
            "--data.retention=120h", "--web.listen-address=:9093", "--cluster.listen-address=",
        ]);
        expect(c.ports).toEqual([{ name: "web", containerPort: 9093 }]);
    });

    it("closes both pods to all but their API clients: the namespace's pods, and for the Alertmanager the Prometheus servers; each pod starts behind its policy", () => {
        const policy = (name: string) => byName(K.networkPolicy, name).inputs;
        const prometheusPods = { namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } };
        expect(policy("am-alertmanager").spec).toEqual({
            podSelector: { matchLabels: byName(K.deployment, "am").inputs.spec.selector.matchLabels },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ protocol: "TCP", port: 9093 }], from: [{ podSelector: {} }] }, { ports: [{ protocol: "TCP", port: 9093 }], from: [prometheusPods] }],
        });
        expect(policy("prom-prometheus").spec).toEqual({
            podSelector: { matchLabels: byName(K.deployment, "prom").inputs.spec.selector.matchLabels },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ protocol: "TCP", port: 9090 }], from: [{ podSelector: {} }] }],
        });
        // The Prometheus pods match what the Alertmanager's policy admits.
        expect(byName(K.deployment, "prom").inputs.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("prometheus");
        expect(am.networkPolicies).toHaveLength(1);
        expect(prom.networkPolicies).toHaveLength(1);
    });

    it("keeps its configuration in a Secret (webhook URLs carry tokens), and nowhere in plain sight", () => {
        const secret = byName(K.secret, "am-config").inputs;
        const cfg = parse(plain(plain(secret.stringData)["alertmanager.yml"]));
        expect(cfg.receivers).toEqual([{ name: "pgscale", webhook_configs: [{ url: "https://hooks.example.com/T0KEN", send_resolved: true }] }]);
        expect(registered.filter((r) => r.type === K.configMap && JSON.stringify(r.inputs).includes("T0KEN"))).toEqual([]);
        expect(JSON.stringify(byName(K.deployment, "am").inputs)).not.toContain("T0KEN");
        const pod = byName(K.deployment, "am").inputs.spec.template.spec;
        expect(pod.volumes).toContainEqual({ name: "config", secret: { secretName: "am-config-a1b2c3", defaultMode: 0o440 } });
    });

    it("keeps its silences on a small claim that outlives the pod", () => {
        const pod = byName(K.deployment, "am").inputs.spec.template.spec;
        expect(pod.volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "am-data" } });
        expect(byName(K.pvc, "am-data").inputs.spec).toMatchObject({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "128Mi" } } });
    });

    it("answers on a ClusterIP Service, its url in-cluster, with a port-forward command", async () => {
        expect(byName(K.service, "am").inputs.spec).toEqual({
            type: "ClusterIP", selector: { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": "am" }, ports: [{ name: "web", port: 9093, targetPort: 9093 }],
        });
        expect(await unwrap(am.url)).toBe("http://am.mon.svc.cluster.local:9093");
        expect(am.endpoint.portForward).toBe("kubectl -n mon port-forward svc/am 9093:9093");
    });

    it("is where Prometheus sends its alerts, beside the Alertmanagers given by URL", () => {
        const cfg = parse(registered.find((r) => r.type === K.configMap && r.name === "prom-config")!.inputs.data["prometheus.yml"]);
        expect(cfg.alerting.alertmanagers.map((a: any) => a.static_configs[0].targets[0])).toEqual(["other.example:9093", "am.mon.svc.cluster.local:9093"]);
    });

    it("shares the cluster's namespace, and parents its children, named after it", () => {
        expect(registered.filter((r) => r.type === K.namespace).map((r) => r.name)).toEqual(["main-ns"]);
        const children = [...parents.keys()].filter((k) => !k.startsWith("pgscale:"));
        expect(children.length).toBeGreaterThanOrEqual(4);
        for (const k of children) {
            expect(pulumi.ComponentResource.isInstance(parents.get(k))).toBe(true);
            expect(k.split("::")[1]).toMatch(/^am(-|$)/);
        }
    });
});

describe("Alertmanager options", () => {
    beforeEach(() => registered.splice(0));

    it("takes its timings, retention, port, storage and a namespace by name", async () => {
        const am = new Alertmanager("am2", {
            namespace: "alerts", port: 9094, groupWaitSeconds: 5, groupIntervalSeconds: 60, repeatIntervalSeconds: 3600, retentionTime: "2d",
            storage: { size: "64Mi", storageClassName: "fast" }, serviceType: "NodePort",
        });
        expect(await unwrap(am.url)).toBe("http://am2.alerts.svc.cluster.local:9094");
        await settle();
        expect(registered.filter((r) => r.type === K.namespace).map((r) => r.inputs.metadata.name)).toEqual(["alerts"]);
        const cfg = parse(plain(plain(byName(K.secret, "am2-config").inputs.stringData)["alertmanager.yml"]));
        expect(cfg.route).toMatchObject({ group_wait: "5s", group_interval: "60s", repeat_interval: "3600s" });
        // No webhook: alerts are kept and shown only.
        expect(cfg.receivers).toEqual([{ name: "pgscale" }]);
        expect(byName(K.deployment, "am2").inputs.spec.template.spec.containers[0].command).toContain("--data.retention=48h");
        expect(byName(K.pvc, "am2-data").inputs.spec).toMatchObject({ storageClassName: "fast", resources: { requests: { storage: "64Mi" } } });
        expect(byName(K.service, "am2").inputs.spec).toMatchObject({ type: "NodePort", ports: [{ name: "web", port: 9094, targetPort: 9093 }] });
    });
});
