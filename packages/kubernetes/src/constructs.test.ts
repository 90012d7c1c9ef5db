import * as pulumi from "@pulumi/pulumi";
import { settledCount } from "../../../test/support/bad-input";
import { Registered, isSecret, plain, recordKubernetesRegistrations, unwrap } from "../../../test/support/kubernetes-mocks";
import { parse } from "yaml";
// The genuine kubernetes provider's Service await rule, as the stand-in implements it (its README cites the source).
import { serviceAwaitsEndpoints } from "../../../tools/offline-pulumi/kubernetes-provider/src/service-readiness";

// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
const registered = recordKubernetesRegistrations();

jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "./index";

const settle = () => settledCount(registered);

const K = {
    namespace: "kubernetes:core/v1:Namespace",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    deployment: "kubernetes:apps/v1:Deployment",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    job: "kubernetes:batch/v1:Job",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
};
const ofType = (t: string) => registered.filter((r) => r.type === t);
const byName = (t: string, name: string) => registered.find((r) => r.type === t && r.name === name)!;
const workloads = () => [...ofType(K.statefulSet), ...ofType(K.deployment), ...ofType(K.job)];
const podSpecs = () => workloads().map((w) => w.inputs.spec.template.spec);
const containers = () => podSpecs().flatMap((s) => s.containers);

/** Every resource the constructs register, with the parent it was given. */
const parents = new Map<string, pulumi.Resource | undefined>();
const dependencies = new Map<string, unknown>();
const customTimeouts = new Map<string, unknown>();
const track: pulumi.ResourceTransformation = (a) => {
    parents.set(`${a.type}::${a.name}`, a.opts.parent);
    dependencies.set(`${a.type}::${a.name}`, a.opts.dependsOn);
    customTimeouts.set(`${a.type}::${a.name}`, a.opts.customTimeouts);
    return undefined;
};
/** Resource names a registered object explicitly dependsOn, of one type or all. */
const dependsOnNames = (r: Registered, type?: string): string[] =>
    ((dependencies.get(`${r.type}::${r.name}`) as Array<{ __name?: string; __pulumiType?: string }> | undefined) ?? [])
        .filter((d) => type === undefined || d.__pulumiType === type).map((d) => d.__name!);
const skipsAwait = (r: Registered) => r.inputs.metadata.annotations?.["pulumi.com/skipAwait"] === "true";

/** The demo stack (examples/demo) on Kubernetes: etcd DCS, HAProxy in front, PgBouncer behind it. */
function etcdTopology(extra: { antiAffinity?: "preferred" | "required" } = {}) {
    const opts = { transformations: [track] };
    const dcs = new EtcdCluster("dcs", { members: 3, namespace: "pgscale-test" }, opts);
    const pg = new PatroniCluster("main", { dcs, nodes: 3, database: "appdb", owner: "app", parameters: { max_connections: "200" }, ...extra }, opts);
    const lb = new HAProxyFrontend("lb", { cluster: pg }, opts);
    const pool = new PgBouncerPool("pool", { backend: lb, defaultPoolSize: 20 }, opts);
    return { dcs, pg, lb, pool };
}

/** The Kubernetes default: Patroni's own DCS, PgBouncer straight on the primary Service. */
function kubernetesTopology() {
    const opts = { transformations: [track] };
    const pg = new PatroniCluster("orders", { nodes: 2, database: "orders", owner: "shop" }, opts);
    const pool = new PgBouncerPool("orders-pool", { backend: pg, replicas: 3 }, opts);
    return { pg, pool };
}

let etcdTopologyOutputs: ReturnType<typeof etcdTopology> | undefined;
const fileOf = (secretName: string, key: string) => plain(plain(byName(K.secret, secretName).inputs.stringData)[key]);

describe("object graph: etcd DCS, HAProxy and PgBouncer", () => {
    beforeAll(async () => {
        registered.splice(0);
        etcdTopologyOutputs = etcdTopology();
        await unwrap(etcdTopologyOutputs.pool.uri);
        await settle();
    });

    it("creates the kinds and counts the stack needs", () => {
        const count = (t: string) => ofType(t).length;
        expect(count(K.namespace)).toBe(1); // created by the etcd cluster, shared downstream
        expect(count(K.statefulSet)).toBe(2); // etcd + Patroni
        expect(count(K.deployment)).toBe(2); // HAProxy + PgBouncer
        expect(count(K.job)).toBe(3); // etcd auth, the scope's etcd user, DCS reconcile
        // etcd: headless + client; Patroni: headless, primary, replicas; HAProxy; PgBouncer.
        expect(ofType(K.service).map((s) => s.inputs.metadata.name).sort()).toEqual(
            ["dcs", "dcs-headless", "lb", "main-headless", "main-primary", "main-replicas", "pool"]);
        expect(count(K.pdb)).toBe(2);
        expect(count(K.configMap)).toBe(1); // haproxy.cfg: no password, the stats user's crypt hash
        expect(ofType(K.secret).map((s) => s.name).sort()).toEqual(
            ["dcs-etcd-auth", "dcs-etcd-tls", "main-dcs-config", "main-etcd-user", "main-patroni", "pool-pgbouncer"]);
        const sts = byName(K.statefulSet, "main").inputs.spec;
        expect(sts.replicas).toBe(3);
        expect(sts.serviceName).toBe("main-headless");
        expect(sts.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("10Gi");
        expect(byName(K.statefulSet, "dcs").inputs.spec.podManagementPolicy).toBe("Parallel");
    });

    it("puts every object in the namespace with the recommended labels", () => {
        const namespaced = registered.filter((r) => r.type.startsWith("kubernetes:") && r.type !== K.namespace);
        expect(namespaced.length).toBeGreaterThan(15);
        for (const r of namespaced) {
            expect(r.inputs.metadata.namespace).toBe("pgscale-test");
            expect(r.inputs.metadata.labels).toMatchObject({ "app.kubernetes.io/part-of": "pgscale", "app.kubernetes.io/managed-by": "pulumi" });
            expect(Object.keys(r.inputs.metadata.labels)).toEqual(expect.arrayContaining(["app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"]));
        }
    });

    it("parents every child to its construct", () => {
        const components = new Map<string, pulumi.Resource | undefined>();
        for (const [key, parent] of parents) if (key.startsWith("pgscale:kubernetes:")) components.set(key.split("::")[1], parent);
        expect([...components.keys()].sort()).toEqual(["dcs", "lb", "main", "pool"]);
        const children = registered.filter((r) => !r.type.startsWith("pgscale:kubernetes:"));
        for (const r of children) {
            const parent = parents.get(`${r.type}::${r.name}`);
            expect({ r: r.name, parent: parent !== undefined }).toEqual({ r: r.name, parent: true });
            expect(pulumi.ComponentResource.isInstance(parent)).toBe(true);
            // Named after their construct.
            expect(r.name).toMatch(/^(dcs|main|lb|pool)(-|$)/);
        }
    });

    it("creates NetworkPolicies on the pods they name, admitting only pods that exist, each before the workloads it opens a path for", () => {
        const policies = ofType(K.networkPolicy);
        expect(policies.map((p) => p.inputs.metadata.name).sort()).toEqual(
            ["dcs-etcd", "lb-haproxy", "lb-to-backend", "main-members", "main-to-etcd", "pool-pgbouncer", "pool-to-backend"]);
        const podLabels = (w: Registered) => w.inputs.spec.template.metadata.labels as Record<string, string>;
        const selects = (selector: { matchLabels: Record<string, string> }, w: Registered) =>
            Object.entries(selector.matchLabels).every(([k, v]) => podLabels(w)[k] === v);
        const selected = (selector: { matchLabels: Record<string, string> }) => workloads().filter((w) => selects(selector, w)).map((w) => w.name).sort();
        const on = Object.fromEntries(policies.map((p) => [p.name, selected(p.inputs.spec.podSelector)]));
        expect(on).toEqual({
            "dcs-etcd": ["dcs"], "main-to-etcd": ["dcs"], "main-members": ["main"], "lb-to-backend": ["main"],
            "lb-haproxy": ["lb"], "pool-to-backend": ["lb"], "pool-pgbouncer": ["pool"],
        });
        // Every source a policy names by its pods' labels is pods pgscale runs (no typo admits nothing).
        const sources = policies.flatMap((p) => p.inputs.spec.ingress.flatMap((r: { from: Array<{ podSelector?: { matchLabels?: Record<string, string> } }> }) => r.from))
            .filter((f: { podSelector?: { matchLabels?: Record<string, string> } }) => Object.keys(f.podSelector?.matchLabels ?? {}).length > 0 && !("namespaceSelector" in f));
        const unmatched = sources.filter((s: { podSelector: { matchLabels: Record<string, string> } }) => selected(s.podSelector).length === 0)
            .map((s: { podSelector: { matchLabels: Record<string, string> } }) => s.podSelector.matchLabels["app.kubernetes.io/name"]);
        // The monitoring role and access Jobs exist only when asked for (not in this topology).
        expect(unmatched.sort()).toEqual(["patroni-access", "patroni-monitor-role"]);
        // Ingress only: DNS, the API server and the backends stay reachable from the pods.
        for (const p of policies) expect(p.inputs.spec.policyTypes).toEqual(["Ingress"]);
        // Created before what they open a path for.
        expect(dependsOnNames(byName(K.statefulSet, "dcs"), K.networkPolicy)).toEqual(["dcs-etcd"]);
        expect(dependsOnNames(byName(K.statefulSet, "main"), K.networkPolicy).sort()).toEqual(["main-members", "main-to-etcd"]);
        expect(dependsOnNames(byName(K.job, "main-etcd-user"), K.networkPolicy).sort()).toEqual(["main-members", "main-to-etcd"]);
        expect(dependsOnNames(byName(K.deployment, "lb"), K.networkPolicy).sort()).toEqual(["lb-haproxy", "lb-to-backend"]);
        expect(dependsOnNames(byName(K.deployment, "pool"), K.networkPolicy).sort()).toEqual(["pool-pgbouncer", "pool-to-backend"]);
    });

    it("selects pods by labels the pods carry; Services route by Patroni's role label", () => {
        for (const w of workloads().filter((x) => x.type !== K.job)) {
            expect(w.inputs.spec.template.metadata.labels).toMatchObject(w.inputs.spec.selector.matchLabels);
        }
        const patroniPods = byName(K.statefulSet, "main").inputs.spec.template.metadata.labels;
        const selectorOf = (svc: string) => ofType(K.service).find((s) => s.inputs.metadata.name === svc)!.inputs.spec.selector;
        const { role: primaryRole, ...primaryRest } = selectorOf("main-primary");
        const { role: replicaRole, ...replicaRest } = selectorOf("main-replicas");
        expect([primaryRole, replicaRole]).toEqual(["master", "replica"]); // Patroni 3.0.2's values
        expect(patroniPods).toMatchObject(primaryRest);
        expect(patroniPods).toMatchObject(replicaRest);
        expect(patroniPods).toMatchObject(selectorOf("main-headless"));
        expect(patroniPods["cluster-name"]).toBe("main");
        expect(byName(K.statefulSet, "dcs").inputs.spec.template.metadata.labels).toMatchObject(selectorOf("dcs"));
        expect(byName(K.deployment, "pool").inputs.spec.template.metadata.labels).toMatchObject(selectorOf("pool"));
        expect(byName(K.deployment, "lb").inputs.spec.template.metadata.labels).toMatchObject(selectorOf("lb"));
        // The reconcile Job's pod is never a database member.
        expect(byName(K.job, "main-dcs-config").inputs.spec.template.metadata.labels).not.toMatchObject(selectorOf("main-headless"));
        // Peers and members resolve before they are ready.
        expect(ofType(K.service).filter((s) => s.inputs.spec.clusterIP === "None").every((s) => s.inputs.spec.publishNotReadyAddresses)).toBe(true);
    });

    it("never makes the members wait for a Service that is only ready once they are", () => {
        // Awaited by the provider: a Service with a selector, not headless, without skipAwait.
        const awaited = ofType(K.service).filter((s) => serviceAwaitsEndpoints(s.inputs) && !skipsAwait(s)).map((s) => s.name);
        expect(awaited.sort()).toEqual(["dcs-client", "lb", "main-primary", "pool"]);
        for (const w of workloads()) expect({ w: w.name, awaited: dependsOnNames(w).filter((d) => awaited.includes(d)) }).toEqual({ w: w.name, awaited: [] });
        // The Services the members depend on are not awaited on any provider version.
        expect(dependsOnNames(byName(K.statefulSet, "main"), K.service)).toEqual(["main-headless"]);
        expect(skipsAwait(byName(K.service, "main-headless"))).toBe(true);
        expect(skipsAwait(byName(K.service, "dcs-headless"))).toBe(true); // the etcd members' serviceName
        expect(byName(K.statefulSet, "dcs").inputs.spec.serviceName).toBe("dcs-headless");
        // Replicas still catching up would hold the replicas Service; the reconcile Job waits for them.
        expect(skipsAwait(byName(K.service, "main-replicas"))).toBe(true);
    });

    it("gives the reconcile Job the customTimeouts its deadline needs", () => {
        const job = byName(K.job, "main-dcs-config");
        expect(customTimeouts.get(`${K.job}::main-dcs-config`)).toEqual({ create: "900s", update: "900s" });
        expect(job.inputs.spec.activeDeadlineSeconds).toBe(900);
    });

    it("probes Patroni's REST API and etcd's health endpoint", () => {
        const patroni = byName(K.statefulSet, "main").inputs.spec.template.spec.containers[0];
        // Over HTTPS (restApi.https): the member serves nothing else.
        expect(patroni.readinessProbe).toMatchObject({ httpGet: { path: "/readiness", port: 8008, scheme: "HTTPS" }, periodSeconds: 2, failureThreshold: 3, successThreshold: 2 });
        expect(patroni.livenessProbe).toMatchObject({ httpGet: { path: "/liveness", port: 8008, scheme: "HTTPS" } });
        const etcd = byName(K.statefulSet, "dcs").inputs.spec.template.spec.containers[0];
        // Over TLS; etcd 3.4 answers /health without credentials with auth on.
        expect(etcd.readinessProbe).toMatchObject({ httpGet: { path: "/health", port: 2379, scheme: "HTTPS" } });
        // HAProxy's stats page wants credentials; its monitor URI answers the probe without them.
        const haproxy = byName(K.deployment, "lb").inputs.spec.template.spec.containers[0];
        expect(haproxy.readinessProbe).toMatchObject({ httpGet: { path: "/healthz", port: 7000 } });
        const cfg: string = ofType(K.configMap)[0].inputs.data["haproxy.cfg"];
        expect(cfg).toMatch(/userlist pgscale_stats\n {4}user stats password \$6\$/);
        expect(cfg).toContain("stats http-request auth realm pgscale unless { http_auth(pgscale_stats) }");
        // HAProxy's checks verify each member's REST certificate on its pod DNS name, against the CA beside the file.
        const host = "main-1.main-headless.pgscale-test.svc.cluster.local";
        expect(cfg).toContain(`server main-1 ${host}:5432 check port 8008 check-ssl check-sni ${host} verify required ca-file /etc/haproxy/patroni-ca.crt verifyhost ${host}`);
        expect(ofType(K.configMap)[0].inputs.data["patroni-ca.crt"]).toBe("CA main-tls");
        // Jobs run to completion: nothing to probe.
        for (const c of podSpecs().filter((p) => p.restartPolicy !== "Never").flatMap((p) => p.containers)) {
            expect(c.readinessProbe).toBeDefined();
            expect(c.livenessProbe).toBeDefined();
        }
    });

    it("limits voluntary disruption to one member of each quorum", () => {
        for (const name of ["main", "dcs"]) {
            const pdb = byName(K.pdb, name).inputs.spec;
            expect(pdb.maxUnavailable).toBe(1);
            expect(byName(K.statefulSet, name).inputs.spec.template.metadata.labels).toMatchObject(pdb.selector.matchLabels);
        }
    });

    it("spreads pods over nodes, preferred by default", () => {
        for (const spec of podSpecs().filter((s) => s.restartPolicy !== "Never")) {
            const aa = spec.affinity.podAntiAffinity;
            expect(aa.requiredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
            expect(aa.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
        }
    });

    it("runs every container as non-root on a read-only root filesystem", () => {
        expect(podSpecs()).toHaveLength(7);
        for (const spec of podSpecs()) {
            expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            expect(spec.securityContext.runAsUser).toBeGreaterThan(0);
            for (const c of spec.containers) {
                expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
            }
        }
        const patroni = byName(K.statefulSet, "main").inputs.spec.template.spec;
        const mounts = patroni.containers[0].volumeMounts.map((m: any) => m.mountPath);
        expect(mounts).toEqual(expect.arrayContaining(["/var/lib/postgresql/data", "/etc/patroni", "/tmp", "/var/run/postgresql", "/dev/shm"]));
        expect(patroni.volumes.find((v: any) => v.name === "shm").emptyDir).toEqual({ medium: "Memory", sizeLimit: "256Mi" });
        expect(patroni.securityContext).toMatchObject({ runAsUser: 100, fsGroup: 102, fsGroupChangePolicy: "OnRootMismatch" });
    });

    it("keeps passwords in Secrets only: not in ConfigMaps, env, commands or other objects", () => {
        const nonSecrets = registered.filter((r) => r.type !== K.secret && !r.type.startsWith("pgscale:"));
        expect(JSON.stringify(nonSecrets.map((r) => r.inputs))).not.toMatch(/pw-|SCRAM-SHA-256/);
        for (const c of containers()) for (const e of c.env ?? []) expect(e.value).toBeUndefined();
        for (const s of ofType(K.secret)) expect(isSecret(s.inputs.stringData)).toBe(true);
        // PgBouncer gets verifiers, never the password.
        const userlist = fileOf("pool-pgbouncer", "userlist.txt");
        expect(userlist).toMatch(/^"app" "SCRAM-SHA-256\$/);
        expect(userlist).not.toMatch(/pw-/);
        // TLS required: PgBouncer dials HAProxy by the cluster's name (a host alias for HAProxy's
        // Service address), which the members' certificates carry, and verifies the member in full.
        const ini = fileOf("pool-pgbouncer", "pgbouncer.ini");
        expect(ini).toMatch(/appdb = host=main port=5000 dbname=appdb/);
        expect(ini).toMatch(/client_tls_sslmode = require\nclient_tls_cert_file = \/etc\/pgbouncer\/server\.crt\n/);
        expect(ini).toMatch(/server_tls_sslmode = verify-full\nserver_tls_ca_file = \/etc\/pgbouncer\/ca\.crt/);
        expect(fileOf("pool-pgbouncer", "server.key")).toBe("KEY pool");
        expect(fileOf("pool-pgbouncer", "ca.crt")).toBe("CA main-tls");
        expect(byName(K.deployment, "pool").inputs.spec.template.spec.hostAliases).toEqual([
            { ip: byName(K.service, "lb").inputs.spec.clusterIP, hostnames: ["main"] },
        ]);
        expect(byName("pgscale:index:GeneratedTls", "pool-tls").inputs.servers.pool.dnsNames)
            .toEqual(["pool.pgscale-test.svc.cluster.local", "pool.pgscale-test.svc", "pool.pgscale-test", "pool", "localhost"]);
        // Renewed in the last third of 90 days, as on Docker: the members' in place, the pool's with a new Secret; the CA
        // rotates by the same rule on its own lifetime (no caRenewal: false), and on a raised tls.caGeneration.
        const memberTls = byName("pgscale:index:GeneratedTls", "main-tls").inputs;
        expect(memberTls).toMatchObject({ renewBeforeFraction: 1 / 3, servers: { "main-0": { validDays: 90 } } });
        expect(memberTls.caRenewal).toBeUndefined();
        expect(byName("pgscale:index:GeneratedTls", "pool-tls").inputs).toMatchObject({ renewBeforeFraction: 1 / 3, servers: { pool: { validDays: 90 } } });
    });

    it("requires TLS on every TCP connection to the members, with one certificate per member for PostgreSQL and the REST API", () => {
        const doc = parse(fileOf("main-patroni", "main-2.yml"));
        // Read from the Secret's 0440 mount: PostgreSQL refuses a root-owned key with a group execute bit.
        expect(doc.postgresql.parameters).toMatchObject({
            ssl: "on", ssl_cert_file: "/etc/patroni-tls/main-2.crt", ssl_key_file: "/etc/patroni-tls/main-2.key", ssl_min_protocol_version: "TLSv1.2",
        });
        expect(doc.postgresql.authentication.replication).toMatchObject({ sslmode: "verify-full", sslrootcert: "/etc/patroni-tls/rest-ca.crt" });
        const hba: string[] = doc.bootstrap.dcs.postgresql.pg_hba;
        expect(hba.slice(0, 3)).toEqual(["local all all peer", "hostnossl all all all reject", "hostssl replication replicator all scram-sha-256"]);
        expect(hba.filter((r) => /^host\s/.test(r))).toEqual([]);
        const pod = byName(K.statefulSet, "main").inputs.spec.template.spec;
        expect(pod.volumes).toContainEqual({ name: "tls", secret: { secretName: "main-patroni", defaultMode: 0o440 } });
        expect(pod.containers[0].volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/patroni-tls", readOnly: true });
        // Each member's certificate names its pod, the role Services and the cluster (PgBouncer's alias).
        const names = byName("pgscale:index:GeneratedTls", "main-tls").inputs.servers["main-1"].dnsNames;
        expect(names).toEqual(expect.arrayContaining([
            "main-1.main-headless.pgscale-test.svc.cluster.local", "main", "main-primary.pgscale-test.svc.cluster.local", "main-primary",
            "main-replicas.pgscale-test.svc.cluster.local", "main-replicas.pgscale-test.svc",
        ]));
    });

    it("renders each member's patroni.yml for the etcd DCS, with the role-label callback", () => {
        const doc = parse(fileOf("main-patroni", "main-2.yml"));
        expect(doc.name).toBe("main-2");
        expect(doc.etcd3.hosts).toEqual([0, 1, 2].map((i) => `dcs-${i}.dcs-headless.pgscale-test.svc.cluster.local:2379`));
        expect(doc.kubernetes).toBeUndefined();
        expect(doc.postgresql.callbacks.on_role_change).toBe("/etc/patroni/role-label.sh");
        expect(doc.postgresql.authentication.superuser.password).toBe("pw-main-superuser-password");
        expect(fileOf("main-patroni", "role-label.sh")).toMatch(/merge-patch\+json/);
        expect(fileOf("main-patroni", "post-bootstrap.sh")).toMatch(/CREATE ROLE app LOGIN PASSWORD 'SCRAM-SHA-256\$/);
        // The REST API over HTTPS with the member's own certificate, read by pod name like its patroni.yml.
        expect(doc.restapi).toMatchObject({ certfile: "/etc/patroni/main-2.crt", keyfile: "/etc/patroni/main-2.key", cafile: "/etc/patroni/rest-ca.crt" });
        expect(doc.restapi.verify_client).toBeUndefined();
        expect(fileOf("main-patroni", "main-2.key")).toBe("KEY main-2");
        expect(fileOf("main-patroni", "rest-ca.crt")).toBe("CA main-tls");
        const command = byName(K.statefulSet, "main").inputs.spec.template.spec.containers[0].command;
        // The certificate watcher first (a renewal is reloaded: cert-watch.ts), then Patroni as PID 1.
        expect(command.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
        expect(command[2]).toMatch(/^\{ \(last=''; while :; do now=\$\(cat \/etc\/patroni\/\$POD_NAME\.crt .*kill -HUP 1;.* && exec patroni \/etc\/patroni\/\$POD_NAME\.yml$/);
        expect(byName(K.role, "main-patroni").inputs.rules).toEqual([
            { apiGroups: [""], resources: ["pods"], resourceNames: ["main-0", "main-1", "main-2"], verbs: ["patch"] },
        ]);
    });

    it("reconciles the DCS from a Job inside the cluster, with no API access", () => {
        const job = byName(K.job, "main-dcs-config").inputs;
        expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
        expect(job.spec.template.spec.containers[0].command).toEqual(["python3", "/etc/pgscale/dcs-reconcile.py", "/etc/pgscale/job.json"]);
        const doc = JSON.parse(fileOf("main-dcs-config", "job.json"));
        expect(doc.members).toEqual([0, 1, 2].map((i) => ({ name: `main-${i}`, restUrl: `https://main-${i}.main-headless.pgscale-test.svc.cluster.local:8008` })));
        expect(doc.caPem).toBe("CA main-tls");
        expect(doc).toMatchObject({ username: "patroni", password: "pw-main-restapi-password", config: { ttl: 30, postgresql: { parameters: { max_connections: "200" } } } });
        expect(fileOf("main-dcs-config", "dcs-reconcile.py")).toMatch(/def reconcile/);
    });

    it("exports in-cluster URIs and what a user needs to reach the Services from outside", async () => {
        const { pg, lb, pool } = etcdTopologyOutputs!;
        expect(await unwrap(pg.primaryUri)).toBe("postgresql://app:pw-main-owner-password@main-primary.pgscale-test.svc.cluster.local:5432/appdb?sslmode=require");
        expect(await unwrap(pg.replicaUri)).toBe("postgresql://app:pw-main-owner-password@main-replicas.pgscale-test.svc.cluster.local:5432/appdb?sslmode=require");
        expect(await unwrap(lb.primaryUri)).toBe("postgresql://app:pw-main-owner-password@lb.pgscale-test.svc.cluster.local:5000/appdb?sslmode=require");
        expect(await unwrap(pool.uri)).toBe("postgresql://app:pw-main-owner-password@pool.pgscale-test.svc.cluster.local:6432/appdb?sslmode=require");
        expect(pg.primary.portForward).toBe("kubectl -n pgscale-test port-forward svc/main-primary 5432:5432");
        expect(lb.replicas).toMatchObject({ name: "lb", port: 5001 });
        expect(pool.endpoint).toMatchObject({ name: "pool", namespace: "pgscale-test", port: 6432 });
        expect(await unwrap(lb.statsUrl)).toBe("http://lb.pgscale-test.svc.cluster.local:7000/");
        expect(pg.worstCaseFailoverSeconds).toBe(30 + 10 + 2 + 4);
    });
});

describe("object graph: Patroni's Kubernetes DCS", () => {
    let pg: PatroniCluster;
    let pool: PgBouncerPool;
    beforeAll(async () => {
        registered.splice(0);
        ({ pg, pool } = kubernetesTopology());
        await unwrap(pool.uri);
        await settle();
    });

    it("needs no etcd: Role for Endpoints and pods, leader and config Services, pod IP from the downward API", () => {
        expect(ofType(K.statefulSet).map((s) => s.name)).toEqual(["orders"]);
        expect(byName(K.role, "orders-patroni").inputs.rules).toHaveLength(4);
        const binding = byName(K.roleBinding, "orders-patroni").inputs;
        expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "orders-patroni" });
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "orders-patroni", namespace: "pgscale-unit" }]);
        const services = Object.fromEntries(ofType(K.service).map((s) => [s.inputs.metadata.name, s.inputs.spec]));
        expect(services.orders).toEqual({ ports: [{ name: "postgresql", port: 5432, targetPort: 5432 }] }); // no selector: Patroni's Endpoints
        expect(services["orders-config"]).toEqual({ clusterIP: "None" });
        const pod = byName(K.statefulSet, "orders").inputs.spec.template.spec;
        expect(pod.serviceAccountName).toBe("orders-patroni");
        expect(pod.containers[0].env).toContainEqual({ name: "PATRONI_KUBERNETES_POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
        const doc = parse(fileOf("orders-patroni", "orders-1.yml"));
        expect(doc.etcd3).toBeUndefined();
        expect(doc.kubernetes).toMatchObject({ namespace: "pgscale-unit", use_endpoints: true, labels: { "app.kubernetes.io/instance": "orders" } });
        expect(fileOf("orders-patroni", "role-label.sh")).toBeUndefined();
    });

    it("creates the leader and config Services before the members, without waiting on them", () => {
        // Patroni writes the leader Endpoints once a member holds the lock: the Service must exist
        // first (or the Endpoints could be collected), and nothing but the members makes it ready.
        const deps = dependsOnNames(byName(K.statefulSet, "orders"), K.service);
        expect(deps.sort()).toEqual(["orders-config", "orders-headless", "orders-leader"]);
        for (const d of deps) {
            const svc = byName(K.service, d);
            expect({ d, skipAwait: skipsAwait(svc) }).toEqual({ d, skipAwait: true });
            expect(serviceAwaitsEndpoints(svc.inputs)).toBe(false); // nor would the provider wait on it from v4.17.0 on
        }
        expect(byName(K.service, "orders-leader").inputs.spec.selector).toBeUndefined();
    });

    it("creates the stack's default namespace once and points PgBouncer at the primary Service", async () => {
        expect(ofType(K.namespace).map((n) => n.inputs.metadata.name)).toEqual(["pgscale-unit"]);
        expect(fileOf("orders-pool-pgbouncer", "pgbouncer.ini")).toMatch(/orders = host=orders-primary\.pgscale-unit\.svc\.cluster\.local port=5432/);
        expect(byName(K.deployment, "orders-pool").inputs.spec.replicas).toBe(3);
        expect(await unwrap(pool.uri)).toBe("postgresql://shop:pw-orders-owner-password@orders-pool.pgscale-unit.svc.cluster.local:6432/orders?sslmode=require");
        expect(pg.dcsKind).toBe("kubernetes");
    });
});

describe("platform options", () => {
    beforeEach(() => registered.splice(0));

    it("requires anti-affinity on request, and takes storage, resources, tolerations and node selectors", async () => {
        const pg = new PatroniCluster("strict", {
            antiAffinity: "required", namespace: "db", createNamespace: false,
            storage: { size: "2Gi", storageClassName: "fast" },
            resources: { requests: { cpu: "500m", memory: "1Gi" } },
            tolerations: [{ key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule" }],
            nodeSelector: { "node-role/db": "true" },
            serviceType: "NodePort",
        });
        await unwrap(pg.primaryUri);
        await settle();
        const sts = byName(K.statefulSet, "strict").inputs.spec;
        const pod = sts.template.spec;
        expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toBeUndefined();
        expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]).toMatchObject({ topologyKey: "kubernetes.io/hostname" });
        expect(sts.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: "fast", resources: { requests: { storage: "2Gi" } } });
        expect(pod.containers[0].resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" } });
        expect(pod.tolerations[0].key).toBe("dedicated");
        expect(pod.nodeSelector).toEqual({ "node-role/db": "true" });
        expect(ofType(K.namespace)).toHaveLength(0);
        expect(ofType(K.service).find((s) => s.inputs.metadata.name === "strict-primary")!.inputs.spec.type).toBe("NodePort");
    });

    it("networkPolicy: clientsFrom reaches PostgreSQL, HAProxy's listeners and stats page; enabled false creates none", async () => {
        const shop = [{ namespaceSelector: { matchLabels: { team: "shop" } } }];
        const pg = new PatroniCluster("np", { nodes: 2, networkPolicy: { clientsFrom: shop, metricsFrom: [] } });
        const lb = new HAProxyFrontend("np-lb", { cluster: pg, networkPolicy: { clientsFrom: shop } });
        const off = new PatroniCluster("open", { nodes: 2, networkPolicy: { enabled: false } });
        const offLb = new HAProxyFrontend("open-lb", { cluster: off, networkPolicy: { enabled: false } });
        new PgBouncerPool("open-pool", { backend: offLb, networkPolicy: { enabled: false } });
        await Promise.all([unwrap(lb.primaryUri), unwrap(offLb.primaryUri)]);
        await settle();
        const rules = (name: string) => byName(K.networkPolicy, name).inputs.spec.ingress as Array<{ ports: Array<{ port: number }>; from: unknown[] }>;
        const fromShop = (name: string) => rules(name).filter((r) => JSON.stringify(r.from) === JSON.stringify(shop)).map((r) => r.ports.map((p) => p.port));
        expect(fromShop("np-members")).toEqual([[5432]]);
        expect(fromShop("np-lb-haproxy")).toEqual([[5000, 5001, 7000]]);
        // metricsFrom [] leaves the metrics ports to no one (no rule with an empty `from`, which would admit all).
        expect(rules("np-members").every((r) => r.from.length > 0)).toBe(true);
        expect(rules("np-members").flatMap((r) => r.ports.map((p) => p.port))).toEqual([5432, 8008, 8008, 5432, 5432]);
        expect(ofType(K.networkPolicy).map((p) => p.name).sort()).toEqual(["np-lb-haproxy", "np-lb-to-backend", "np-members"]);
    });
});

const S3 = { endpoint: "s3.internal:9000", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "SK" };

describe("validation happens before any resource is registered", () => {
    beforeEach(() => registered.splice(0));
    // Registrations are asynchronous; match on the names the failing constructs would use.
    const registeredFor = async (name: string) => {
        await settle();
        return registered.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
    };
    const cases: Array<[string, () => unknown, RegExp]> = [
        ["construct name not a DNS label", () => new PatroniCluster("Bad_Name"), /\(name\): "Bad_Name" must be lower-case/],
        ["ttl below 20", () => new PatroniCluster("bad", { patroni: { ttl: 10 } }), /patroni\.ttl/],
        ["misspelt platform option", () => new PatroniCluster("bad", { namespce: "x" } as any), /namespce: is not a known option/],
        ["unknown anti-affinity", () => new PatroniCluster("bad", { antiAffinity: "sometimes" as any }), /antiAffinity/],
        ["storage size not a quantity", () => new PatroniCluster("bad", { storage: { size: "lots" } }), /storage\.size: must be a Kubernetes quantity/],
        ["namespace not a DNS label", () => new EtcdCluster("bad", { namespace: "My NS" }), /namespace: must be a DNS-1123 label/],
        ["etcd members 0", () => new EtcdCluster("bad", { members: 0 }), /members/],
        ["root user", () => new PatroniCluster("bad", { podSecurity: { runAsUser: 0 } }), /podSecurity\.runAsUser: must not be root/],
        ["scope clashing with a Service", () => new PatroniCluster("bad", { scope: "bad-primary" }), /scope: Patroni's Endpoints bad-primary/],
        ["backup in a volume without backupStorage", () => new PatroniCluster("bad", { backup: {} }), /backupStorage: is required with `backup` in a volume \(no `repository\.s3`\): `\{ storageClassName \}` of a StorageClass offering ReadWriteMany/],
        ["backup in a named volume without backupStorage", () => new PatroniCluster("bad", { backup: { repository: { volume: "v" } } }), /backupStorage: is required/],
        ["backupStorage without a storageClassName", () => new PatroniCluster("bad", { backup: {}, backupStorage: {} as any }), /backupStorage\.storageClassName/],
        ["backupStorage with a bucket", () => new PatroniCluster("bad", { backup: { repository: { s3: S3 } }, backupStorage: { storageClassName: "nfs" } }), /backupStorage: is only used with `backup` in a volume/],
        ["backupStorage size not a quantity", () => new PatroniCluster("bad", { backup: {}, backupStorage: { storageClassName: "nfs", size: "big" } }), /backupStorage\.size: must be a Kubernetes quantity/],
        ["a scheduled drill's schedule that does not parse", () => new PatroniCluster("bad", { backup: { repository: { s3: S3 }, drill: { schedule: "daily" } } }), /backup\.drill\.schedule/],
        ["a role dropped on removal (Docker's Role only)", () => new PatroniCluster("bad", { roles: [{ name: "reporter", removalPolicy: "drop" }] }), /roles\[0\]\.removalPolicy: must be "retain" or left out: Kubernetes keeps a role or database whose entry is removed/],
        ["a database destroyed on removal (Docker's Database only)", () => new PatroniCluster("bad", { databases: [{ name: "reports", removalPolicy: "destroy" }] }), /databases\[0\]\.removalPolicy: must be "retain" or left out/],
        ["a database owned by an undeclared role", () => new PatroniCluster("bad", { databases: [{ name: "reports", owner: "nobody" }] }), /databases\[0\]\.owner: "nobody" is neither the cluster's owner/],
        ["Docker's bindAddress", () => new PgBouncerPool("bad", { backend: new PatroniCluster("ok-pg1"), bindAddress: "0.0.0.0" } as any), /bindAddress: is a Docker host option/],
        ["backend of the wrong kind", () => new PgBouncerPool("bad", { backend: {} as any }), /backend: must be an HAProxyFrontend or a PatroniCluster/],
        ["unknown pool mode", () => new PgBouncerPool("bad", { backend: new PatroniCluster("ok-pg2"), poolMode: "sessions" as any }), /poolMode/],
        ["haproxy port clash", () => new HAProxyFrontend("bad", { cluster: new PatroniCluster("ok-pg3"), primaryPort: 6000, statsPort: 6000 }), /statsPort: port 6000/],
    ];
    it.each(cases)("%s", async (_label, make, message) => {
        expect(make).toThrow(message);
        expect(await registeredFor("bad")).toHaveLength(0);
    });

    it("names every bad field at once, from the shared spec and the platform options", () => {
        expect(() => new PatroniCluster("bad", { nodes: 0, antiAffinity: "x" as any, storage: { size: "big" } })).toThrow(
            /nodes[\s\S]*antiAffinity[\s\S]*storage\.size/);
    });

    it("counts every PgBouncer pod against max_connections", async () => {
        const pg = new PatroniCluster("pg4", { parameters: { max_connections: 50 } });
        // 20 per pod fits once (47 allowed) but not three times.
        expect(() => new PgBouncerPool("pool4", { backend: pg, defaultPoolSize: 20, replicas: 3 })).toThrow(
            /defaultPoolSize: pool needs up to 60 server connections .* across 3 PgBouncer pods/);
        expect(await registeredFor("pool4")).toHaveLength(0);
    });

    it("admits declared users with the server's verifier, each pool counted in every pod; a bad entry is named", async () => {
        const pg = new PatroniCluster("pg5", { parameters: { max_connections: 100 } });
        const reporter = { name: pulumi.output("reporter"), scramVerifier: pulumi.secret("SCRAM-SHA-256$4096:c2FsdA==$AA==:AA==") };
        const pool = new PgBouncerPool("pool5", { backend: pg, defaultPoolSize: 10, replicas: 2, users: [{ role: reporter, poolSize: 3 }] }, { transformations: [track] });
        await unwrap(pool.secret.urn);
        expect(fileOf("pool5-pgbouncer", "userlist.txt")).toContain('"reporter" "SCRAM-SHA-256$4096:c2FsdA==$AA==:AA=="');
        expect(fileOf("pool5-pgbouncer", "pgbouncer.ini")).toMatch(/\[users\]\nreporter = pool_size=3\n/);
        // (10 + 3 reserve) x 2 pods for the owner, (3 + 3) x 2 for reporter: 38 > 30 allowed.
        expect(() => new PgBouncerPool("pool6", { backend: new PatroniCluster("pg6", { parameters: { max_connections: 33 } }), defaultPoolSize: 10, reservePoolSize: 3, replicas: 2, users: [{ role: reporter, poolSize: 3 }] }))
            .toThrow(/pool needs up to 38 server connections/);
        expect(() => new PgBouncerPool("pool7", { backend: new PatroniCluster("pg7"), users: [{ role: "reporter" as any }] })).toThrow(/users\[0\]\.role: must be a login Role/);
        expect(await registeredFor("pool7")).toHaveLength(0);
    });
});

describe("declared roles and databases", () => {
    let pg: PatroniCluster;
    let pool: PgBouncerPool;
    const opts = { transformations: [track] };
    beforeAll(async () => {
        registered.splice(0);
        pg = new PatroniCluster("acc", {
            namespace: "acc-ns", database: "appdb", owner: "app",
            roles: [{ name: "reporter", memberOf: ["readers"], poolSize: 2, connectionLimit: 5 }, { name: "readers", login: false }],
            databases: [{ name: "reports", owner: "reporter" }, { name: "scratch" }],
        }, opts);
        pool = new PgBouncerPool("acc-pool", { backend: pg, replicas: 1, defaultPoolSize: 10 }, opts);
        await unwrap(pool.secret.urn);
        await settle();
    });

    it("runs one Job through the primary Service once the cluster is ready, its script and password in an auto-named Secret", () => {
        expect(dependsOnNames(byName(K.job, "acc-access"))).toEqual(["acc-dcs-config"]);
        expect(pg.access).toBeDefined();
        const job = byName(K.job, "acc-access").inputs;
        // Auto-named, as the Secret it mounts: a changed script is a new Secret, so a new Job.
        expect(job.metadata.name).toBeUndefined();
        expect(byName(K.secret, "acc-access").inputs.metadata.name).toBeUndefined();
        const pod = job.spec.template.spec;
        expect(pod.volumes[0].secret.secretName).toBe("acc-access-a1b2c3");
        expect(pod.automountServiceAccountToken).toBe(false);
        expect(job.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("patroni-access");
        const script = pod.containers[0].command.join(" ");
        expect(script).toContain("host=acc-primary.acc-ns.svc.cluster.local port=5432 dbname=postgres user=postgres");
        expect(script).toContain("-v ON_ERROR_STOP=1 -q -f /etc/pgscale/script.sql");
        // Tried again while no writable primary answers (exit 2), failed at once on a refusal.
        expect(script).toContain("[ $rc -eq 2 ] || exit $rc");
        expect(customTimeouts.get(`${K.job}::acc-access`)).toEqual({ create: "900s", update: "900s" });
    });

    it("sends the generated passwords' SCRAM verifiers only, and the script creates what is declared", () => {
        const secret = plain(byName(K.secret, "acc-access").inputs.stringData);
        expect(isSecret(byName(K.secret, "acc-access").inputs.stringData)).toBe(true);
        expect(plain(secret["superuser-password"])).toBe("pw-acc-superuser-password");
        const sql: string = plain(secret["script.sql"]);
        expect(sql).toContain(`ALTER ROLE "reporter" WITH LOGIN INHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT 5 VALID UNTIL 'infinity' PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$${Buffer.from("acc-role-reporter-password").toString("base64")}:AA==';`);
        expect(sql).toContain(`GRANT "readers" TO "reporter";`);
        expect(sql).toContain(`CREATE DATABASE "reports" WITH OWNER "reporter"`);
        expect(sql).toContain(`CREATE DATABASE "scratch" WITH OWNER "app"`);
        expect(sql).not.toMatch(/pw-acc-role/);
        // A group role gets no password.
        expect(registered.filter((r) => r.type.includes("GeneratedSecret") && r.name.startsWith("acc-role-")).map((r) => r.name)).toEqual(["acc-role-reporter-password"]);
        const nonSecrets = registered.filter((r) => r.type !== K.secret && !r.type.startsWith("pgscale:"));
        expect(JSON.stringify(nonSecrets.map((r) => r.inputs))).not.toMatch(/pw-|SCRAM-SHA-256/);
    });

    it("outputs each role's name, password and verifier as Docker's Role does (secrets), and each database's name", async () => {
        expect(Object.keys(pg.roles)).toEqual(["reporter", "readers"]);
        expect(await unwrap(pg.roles.reporter.name)).toBe("reporter");
        expect(await unwrap(pg.roles.reporter.password)).toBe("pw-acc-role-reporter-password");
        expect(await (pg.roles.reporter.password as any).isSecret).toBe(true);
        expect(await (pg.roles.reporter.scramVerifier as any).isSecret).toBe(true);
        expect(await unwrap(pg.roles.readers.password)).toBe("");
        expect(await unwrap(pg.databases.reports.name)).toBe("reports");
        // Known once the Job completed: whatever reads them comes after it.
        const deps = await (pg.roles.reporter.name as any).allResources();
        expect([...deps].map((r: any) => r.__name)).toContain("acc-access");
    });

    it("admits the declared login roles in the pool with their poolSize, and refuses one listed again, naming users[i].role", async () => {
        const userlist = fileOf("acc-pool-pgbouncer", "userlist.txt");
        expect(userlist).toContain(`"reporter" "SCRAM-SHA-256$4096:c2FsdA==$${Buffer.from("acc-role-reporter-password").toString("base64")}:AA=="`);
        expect(userlist).not.toContain("readers");
        expect(fileOf("acc-pool-pgbouncer", "pgbouncer.ini")).toMatch(/\[users\]\nreporter = pool_size=2\n/);
        registered.splice(0);
        expect(() => new PgBouncerPool("bad-pool", { backend: pg, users: [{ role: pg.roles.reporter }] })).toThrow(/users\[0\]\.role: is one of the cluster's roles, which the pool admits already/);
        await settle();
        expect(registered.filter((r) => r.name.startsWith("bad-pool"))).toHaveLength(0);
    });

    it("registers no access Job when nothing is declared", () => {
        expect(etcdTopologyOutputs!.pg.access).toBeUndefined();
        expect(etcdTopologyOutputs!.pg.roles).toEqual({});
    });
});


describe("CA rotation on Kubernetes", () => {
    it("passes tls.caGeneration to the members' certificates; the outputs and every trust file are the bundle (the CA alone until it rotates)", async () => {
        const pg = new PatroniCluster("rotating", { nodes: 1, namespace: "rot", tls: { caGeneration: 2 } });
        await settle();
        expect(byName("pgscale:index:GeneratedTls", "rotating-tls").inputs).toMatchObject({ caGeneration: 2, renewBeforeFraction: 1 / 3 });
        expect(await unwrap(pg.tlsCaPem)).toBe("CA rotating-tls");
        expect(await unwrap(pg.restApiCaPem)).toBe("CA rotating-tls");
    });
});
