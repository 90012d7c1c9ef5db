// The Kubernetes constructs for real: the local single-node cluster of scripts/k8s-local (control
// plane and kubelet built from the Go module proxy), `pulumi up` through the kubernetes provider
// stand-in, then PostgreSQL through the Services, a failover, backups into an S3 bucket (SeaweedFS
// as a pod of the namespace) and a restore from it into a new cluster that backs up into a
// ReadWriteMany claim of its own, and a destroy that leaves
// nothing, with the constructs' NetworkPolicies enforced (the cluster runs kube-network-policies).
// Last, what the provider waits for (the stand-in follows the genuine provider's await rules: its
// README, "Await semantics"): the rules read the Endpoints the real endpoints controller writes, and
// the resource's customTimeouts bound the wait through the real engine. One file, so the cluster
// starts once. A describe's stack is destroyed in the background while the next describe works (its
// pods take tens of seconds to stop); the file's last describe awaits each destroy and checks that it
// left nothing behind.
//
// Needs root and the Docker engine's images; it starts the cluster when none is up and stops it
// again afterwards (one cluster per host: do not run two of these suites at once).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DestroyResult, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { destroyAndRemove, fixtureStack, plainOutputs, stackEnv, uniqueStackName } from "../support/stack";
import { Client, asSuperuser, eventually, query } from "../support/pg";
import { useLocalCluster } from "../support/k8s-local";
import { ALERT_NAMES, DEFAULT_IMAGES, MEMBER_CONTAINER, REPLICATION_CONNECT_WATCHDOG, libpqCompatible, sleep, stuckReplicationWorkersSql } from "@pgscale/core";
import { randomBytes } from "crypto";
import { spawnSync } from "child_process";
import { seaweedfsImage } from "../support/seaweedfs";
import { pgscaleCli } from "../support/cli";

// scripts/setup builds the binaries beforehand; a run takes about 3 minutes here (cluster start included).
jest.setTimeout(15 * 60 * 1000);

const root = path.resolve(__dirname, "../..");

interface Outputs {
    primaryUri: string;
    replicaUri: string;
    poolerUri: string;
    poolerAdminUri: string;
    lbPrimaryUri: string;
    auditorPassword: string;
    superuserPassword: string;
    scope: string;
    prometheusUrl: string;
    alertmanagerUrl: string;
    copyPrimaryUri?: string;
    copySuperuserPassword?: string;
    drillFigures?: { backupSet: string; restoreSeconds: number; restorablePoint: string; lossWindowSeconds: number; checkResult: string };
    tlsCaPem?: string;
    restApiCaPem?: string;
}

// prometheus-operator's PodMonitor kind, minimal: enough for the API server to hold the fixture's
// PodMonitors as the operator's CRD would (the operator itself is not needed to check them).
const PODMONITOR_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: podmonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: { kind: PodMonitor, listKind: PodMonitorList, plural: podmonitors, singular: podmonitor }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

const quiet = { onOutput: () => undefined };

/** The destroys under way, by describe, with the namespace each must leave gone. */
const destroying = new Map<string, { namespace: string; done: Promise<DestroyResult> }>();
/** Starts destroying a describe's stack (then removes it) without waiting; the last describe checks the outcome. */
const destroyInBackground = (describeName: string, stack: Stack | undefined, namespace: string): void => {
    if (!stack) return;
    const done = stack.destroy(quiet).finally(() => stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined));
    // Awaited, and a failure reported, by the last describe (or the afterAll below when that did not run).
    done.catch(() => undefined);
    destroying.set(describeName, { namespace, done });
};
// Before the cluster's own afterAll (hooks run in the order declared): nothing may still be
// destroying when the file stops the cluster.
afterAll(async () => {
    await Promise.allSettled([...destroying.values()].map((d) => d.done));
    kubectl("delete", "crd", "podmonitors.monitoring.coreos.com", "--ignore-not-found");
});
// The backups' object store: the S3 backup e2e's SeaweedFS test image, run as a pod of the namespace.
const s3Image = seaweedfsImage();
const { kubectl, kubectlAsync, kubectlWithInput, binDir } = useLocalCluster([
    s3Image, DEFAULT_IMAGES.etcd, DEFAULT_IMAGES["patroni-17"], DEFAULT_IMAGES.haproxy, DEFAULT_IMAGES.pgbouncer, DEFAULT_IMAGES.exporters, DEFAULT_IMAGES.prometheus,
]);

/** Python (in pgscale's Patroni image): TCP connects to each `host:port` argument at once, as JSON {target: open|refused|timeout}. */
const TCP_PROBE = `
import concurrent.futures, json, socket, sys
def probe(target):
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=4).close()
        return "open"
    except socket.timeout:
        return "timeout"
    except ConnectionRefusedError:
        return "refused"
with concurrent.futures.ThreadPoolExecutor(len(sys.argv) - 1) as pool:
    print(json.dumps(dict(zip(sys.argv[1:], pool.map(probe, sys.argv[1:])))))
`;

/** In-cluster URIs name Services; from the node, the Service's cluster IP reaches the same pods. */
const viaClusterIp = (uri: string): string => {
    const u = new URL(uri);
    const [svc, ns] = u.hostname.split(".");
    u.hostname = kubectl("-n", ns, "get", "svc", svc, "-o", "jsonpath={.spec.clusterIP}");
    return u.toString();
};

/**
 * TCP connects from `pod` (in `ns`) to every target at once: open, refused or timeout (a dropped
 * SYN). Asynchronous, so that probes from several pods wait out their timeouts side by side.
 */
const probeFrom = async (ns: string, pod: string, targets: Record<string, string>, container: string[] = []): Promise<Record<string, string>> => {
    const res: Record<string, string> = JSON.parse(await kubectlAsync("-n", ns, "exec", pod, ...container, "--", "python3", "-c", TCP_PROBE, ...Object.values(targets)));
    return Object.fromEntries(Object.entries(targets).map(([k, t]) => [k, res[t]]));
};
/** A pod that only sleeps, on the Patroni image (it has python3), with `labels`; ready before this returns. */
const startProbePods = (pods: Array<{ ns: string; name: string; labels?: string }>): void => {
    for (const p of pods) {
        kubectl("-n", p.ns, "run", p.name, `--image=${DEFAULT_IMAGES["patroni-17"]}`, "--image-pull-policy=Never", "--restart=Never",
            ...(p.labels ? [`--labels=${p.labels}`] : []), "--command", "--", "sleep", "600");
    }
    for (const p of pods) kubectl("-n", p.ns, "wait", "--for=condition=Ready", `pod/${p.name}`, "--timeout=90s");
};

describe("PatroniCluster on Kubernetes", () => {
    const name = uniqueStackName("k8s");
    const namespace = name;
    // The keys an operator would keep in the stack's secret config; random per run.
    const s3Keys = { s3AccessKey: `PGSCALE${randomBytes(8).toString("hex").toUpperCase()}`, s3SecretKey: randomBytes(30).toString("base64url") };
    let stack: Stack | undefined;
    let out: Outputs;
    const primary = () => viaClusterIp(out.primaryUri);
    const superuser = () => asSuperuser(primary(), out.superuserPassword);
    const streaming = async () =>
        Number((await query(superuser(), "SELECT count(*) AS n FROM pg_stat_replication WHERE state = 'streaming'"))[0].n);
    /** Resolves with n once n replicas stream from the primary. */
    const untilStreaming = (n: number, timeoutMs: number, what: string) =>
        eventually(async () => ((await streaming()) === n ? n : undefined), timeoutMs, what);
    const pods = (selector: string, field: "name" | "uid") =>
        kubectl("-n", namespace, "get", "pods", "-l", selector, "-o", `jsonpath={.items[*].metadata.${field}}`);
    const primaryPod = () => pods("role=master", "name");
    const memberPods = (field: "name" | "uid") => pods("app.kubernetes.io/name=patroni", field);

    /** Runs `fn` as a user runs pgscale's CLI against the cluster: kubectl on PATH, their kubeconfig (KUBECONFIG). */
    const withKubectl = async <T>(fn: () => Promise<T>): Promise<T> => {
        const savedPath = process.env.PATH;
        process.env.PATH = `${binDir()}${path.delimiter}${savedPath}`;
        try {
            return await fn();
        } finally {
            process.env.PATH = savedPath;
        }
    };

    const prometheusApi = async (path: string) => {
        const res = await fetch(new URL(path, viaClusterIp(out.prometheusUrl)));
        if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
        return (await res.json() as { data: any }).data;
    };

    beforeAll(async () => {
        // The fixture asks for PodMonitors: their kind must exist before the first `up`.
        const crdDir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-crd-"));
        fs.writeFileSync(path.join(crdDir, "podmonitor-crd.yaml"), PODMONITOR_CRD);
        kubectl("apply", "-f", path.join(crdDir, "podmonitor-crd.yaml"));
        fs.rmSync(crdDir, { recursive: true, force: true });
        kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd/podmonitors.monitoring.coreos.com");
        stack = await fixtureStack("kubernetes", name, {
            namespace: { value: namespace }, s3Image: { value: s3Image },
            s3AccessKey: { value: s3Keys.s3AccessKey, secret: true }, s3SecretKey: { value: s3Keys.s3SecretKey, secret: true },
        });
        const started = Date.now();
        const res = await stack.up(quiet);
        expect(res.summary.result).toBe("succeeded");
        console.log(`first up (cluster, backups' object store, pool, HAProxy, monitoring): ${((Date.now() - started) / 1000).toFixed(1)} s`);
        out = plainOutputs(res.outputs) as Outputs;
    });
    afterAll(() => destroyInBackground("PatroniCluster on Kubernetes", stack, namespace));

    it("writes through the primary Service and reads through the replica Service", async () => {
        expect(new URL(out.primaryUri).hostname).toBe(`main-primary.${namespace}.svc.cluster.local`);
        await query(primary(), "CREATE TABLE t (id int primary key, note text)");
        await query(primary(), "INSERT INTO t VALUES (1, 'first')");
        expect((await query(primary(), "SELECT pg_is_in_recovery() AS r, current_user AS u"))[0]).toEqual({ r: false, u: "app" });
        expect(await untilStreaming(2, 60000, "two replicas streaming")).toBe(2);
        const replica = await eventually(async () => {
            const [row] = await query(viaClusterIp(out.replicaUri), "SELECT pg_is_in_recovery() AS r, (SELECT note FROM t WHERE id = 1) AS note");
            return row.r === true && row.note ? row : undefined;
        }, 30000, "the row on a replica");
        expect(replica).toEqual({ r: true, note: "first" });
    });

    it("serves clients through PgBouncer", async () => {
        const rows = await query(viaClusterIp(out.poolerUri), "SELECT note, pg_is_in_recovery() AS r FROM t WHERE id = 1");
        expect(rows).toEqual([{ note: "first", r: false }]);
    });

    it("requires TLS (the default): plaintext is refused at the Services, HAProxy and PgBouncer; every URI, the pool's server connections and the walsenders encrypt", async () => {
        const withSslmode = (uri: string, mode: string) => {
            const u = new URL(uri);
            u.searchParams.set("sslmode", mode);
            return u.toString();
        };
        const plaintext = (uri: string) => query(withSslmode(uri, "disable"), "SELECT 1").then(() => "accepted", (e) => String((e as Error).message));
        const uris = { primary: primary(), replicas: viaClusterIp(out.replicaUri), haproxy: viaClusterIp(out.lbPrimaryUri), pool: viaClusterIp(out.poolerUri), poolConsole: viaClusterIp(out.poolerAdminUri) };
        for (const uri of Object.values(uris)) expect(new URL(uri).searchParams.get("sslmode")).toBe("require");
        // pg_hba's first TCP rule (hostnossl ... reject), before any password is asked for.
        for (const uri of [uris.primary, uris.replicas, uris.haproxy]) expect(await plaintext(uri)).toMatch(/pg_hba\.conf rejects connection for host .*no encryption/);
        for (const uri of [uris.pool, uris.poolConsole]) expect(await plaintext(uri)).toMatch(/SSL required/);
        const ssl = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        for (const uri of [uris.primary, uris.replicas, uris.haproxy]) expect(await query(uri, ssl)).toEqual([{ ssl: true }]);
        // Through the pool, the session is PgBouncer's server connection: verify-full against the members' CA.
        expect(await query(uris.pool, ssl)).toEqual([{ ssl: true }]);
        const walsenders = await query(superuser(), "SELECT s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)");
        expect(walsenders).toEqual([{ ssl: true }, { ssl: true }]);
    });

    it("creates the cluster's declared role and database: the role logs in with its generated password through the primary Service and the pool, in a pool of its own size", async () => {
        /** The SQLSTATE of `text` run as `user` on `database` through `uri`, or "ok". */
        const as = (uri: string, user: string, password: string, text: string, database?: string) => {
            const u = new URL(uri);
            u.username = user;
            u.password = password;
            if (database) u.pathname = `/${database}`;
            return query(u.toString(), text).then(() => "ok", (e) => (e as { code?: string }).code ?? String(e));
        };
        // The access Job ran before `up` returned: the auditor owns its database and creates a table there.
        expect(out.auditorPassword).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(await query(superuser(), "SELECT pg_get_userbyid(datdba) AS owner, (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'auditor') AS login FROM pg_database WHERE datname = 'audit'"))
            .toEqual([{ owner: "auditor", login: true }]);
        expect(await as(primary(), "auditor", out.auditorPassword, "CREATE TABLE entries (id int)", "audit")).toBe("ok");
        expect(await as(primary(), "auditor", out.auditorPassword.slice(1), "SELECT 1", "audit")).toBe("28P01");
        // The pool serves the cluster's database, which admits only who is granted CONNECT: granted
        // here by hand, as a Grant would (Grants run where Pulumi runs, outside the cluster).
        await query(superuser(), "GRANT CONNECT ON DATABASE appdb TO auditor");
        const pool = viaClusterIp(out.poolerUri);
        expect(await as(pool, "auditor", out.auditorPassword, "SELECT current_user")).toBe("ok");
        // PgBouncer ends a failed SCRAM exchange with its own 08P01 ("SASL authentication failed").
        expect(await as(pool, "auditor", out.auditorPassword.slice(1), "SELECT 1")).toBe("08P01");
        const users = (await query(viaClusterIp(out.poolerAdminUri), "SHOW USERS")).find((r: any) => r.name === "auditor");
        expect(Number(users?.pool_size)).toBe(2);
    });

    it("finds every target through Kubernetes discovery, labelled by job, cluster and member, and pgscale's queries on every member", async () => {
        const api = prometheusApi;
        const members = memberPods("name").split(" ").sort();
        expect(members).toEqual(["main-0", "main-1", "main-2"]);
        // Each member serves its backup scheduler's metrics too (the fixture's cluster has `backup`).
        const expected = [...members.flatMap((m) => [`patroni/main/${m}`, `postgres/main/${m}`, `backup/main/${m}`]), "haproxy/lb/-", "pgbouncer/pool/-"].sort();
        const up = await eventually(async () => {
            const { activeTargets } = await api("/api/v1/targets?state=active");
            const seen = (activeTargets as Array<{ labels: Record<string, string>; health: string }>)
                .filter((t) => t.health === "up").map((t) => `${t.labels.job}/${t.labels.cluster}/${t.labels.member ?? "-"}`).sort();
            return JSON.stringify(seen) === JSON.stringify(expected) ? seen : undefined;
        }, 60000, "every target discovered and up", 1000);
        expect(up).toEqual(expected);
        // The exporter logs in as pgscale_monitor (the role Job ran before `up` returned): one
        // primary and two standbys, each from its own member's exporter.
        const recovery = await eventually(async () => {
            const { result } = await api("/api/v1/query?query=pgscale_recovery_in_recovery");
            const byMember = Object.fromEntries((result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => [r.metric.member, r.value[1]]));
            return Object.keys(byMember).length === 3 ? byMember : undefined;
        }, 30000, "pgscale_recovery_in_recovery from every member", 1000);
        expect(Object.keys(recovery!).sort()).toEqual(members);
        expect(Object.values(recovery!).sort()).toEqual(["0", "1", "1"]);
        const { result: pgbouncerUp } = await api("/api/v1/query?query=pgbouncer_up");
        expect(pgbouncerUp.map((r: { value: [number, string] }) => r.value[1])).toEqual(["1"]);
        // pgscale's rules are loaded.
        const { groups } = await api("/api/v1/rules");
        expect(groups.flatMap((g: { rules: unknown[] }) => g.rules)).toHaveLength(ALERT_NAMES.length);
    });

    it("holds a PodMonitor per construct that asked, selecting its real pods by their labels and naming ports those pods declare", () => {
        const monitors = JSON.parse(kubectl("-n", namespace, "get", "podmonitors", "-o", "json")).items as any[];
        expect(monitors.map((m) => m.metadata.name).sort()).toEqual(["lb", "main", "pool"]);
        const endpoints: Record<string, string[]> = {};
        for (const m of monitors) {
            const selector = Object.entries(m.spec.selector.matchLabels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(",");
            const selected = JSON.parse(kubectl("-n", namespace, "get", "pods", "-l", selector, "-o", "json")).items as any[];
            expect(selected.length).toBeGreaterThan(0);
            for (const pod of selected) {
                expect(pod.metadata.labels["app.kubernetes.io/instance"]).toBe(m.metadata.name);
                const ports = pod.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
                for (const ep of m.spec.podMetricsEndpoints) expect(ports).toContain(ep.port);
            }
            endpoints[m.metadata.name] = m.spec.podMetricsEndpoints.map((ep: any) => `${ep.port}:${ep.relabelings[0].replacement}`);
            if (m.metadata.name === "main") expect(selected.map((p) => p.metadata.name).sort()).toEqual(["main-0", "main-1", "main-2"]);
        }
        // Each endpoint relabelled to the job pgscale's rules select on.
        expect(endpoints).toEqual({ main: ["patroni:patroni", "pg-metrics:postgres", "backup-metrics:backup"], pool: ["metrics:pgbouncer"], lb: ["metrics:haproxy"] });
    });

    it("sends alerts to the stack's Alertmanager: Prometheus reports it active, and a firing alert reaches it", async () => {
        const active = await eventually(async () => {
            const { activeAlertmanagers } = await prometheusApi("/api/v1/alertmanagers");
            return (activeAlertmanagers as Array<{ url: string }>).length ? activeAlertmanagers : undefined;
        }, 60000, "an active Alertmanager", 1000);
        expect(active).toEqual([{ url: `http://am.${namespace}.svc.cluster.local:9093/api/v2/alerts` }]);
        // The fixture's ConnectionsHigh fires at once; Alertmanager holds it with the labels the rules give.
        const alertmanager = viaClusterIp(out.alertmanagerUrl);
        const received = await eventually(async () => {
            const res = await fetch(new URL("/api/v2/alerts", alertmanager));
            if (!res.ok) throw new Error(`/api/v2/alerts: HTTP ${res.status}`);
            const alerts = (await res.json()) as Array<{ labels: Record<string, string>; status: { state: string } }>;
            const mine = alerts.filter((a) => a.labels.alertname === "PgscaleConnectionsHigh");
            return mine.length ? mine : undefined;
        }, 90000, "PgscaleConnectionsHigh in Alertmanager", 1000);
        expect(received![0].labels).toMatchObject({ job: "postgres", cluster: "main", severity: "warning" });
        expect(received![0].labels.member).toMatch(/^main-\d$/);
        expect(received![0].status.state).toBe("active");
    });

    it("closes Prometheus and the Alertmanager to all but their clients: the namespace's pods, and for the Alertmanager Prometheus servers anywhere", async () => {
        const ip = (selector: string) => kubectl("-n", namespace, "get", "pods", "-l", selector, "-o", "jsonpath={.items[0].status.podIP}");
        const targets = { prometheus: `${ip("app.kubernetes.io/instance=prom")}:9090`, alertmanager: `${ip("app.kubernetes.io/instance=am")}:9093` };
        const other = `${namespace}-x`;
        kubectl("create", "namespace", other);
        try {
            startProbePods([{ ns: other, name: "probe" }, { ns: other, name: "scraper", labels: "app.kubernetes.io/name=prometheus" }, { ns: namespace, name: "probe" }]);
            const [fromOther, fromScraper, fromNamespace] = await Promise.all([
                probeFrom(other, "probe", targets), probeFrom(other, "scraper", targets), probeFrom(namespace, "probe", targets),
            ]);
            expect(fromOther).toEqual({ prometheus: "timeout", alertmanager: "timeout" });
            // A Prometheus server of another namespace may send alerts, and nothing more.
            expect(fromScraper).toEqual({ prometheus: "timeout", alertmanager: "open" });
            expect(fromNamespace).toEqual({ prometheus: "open", alertmanager: "open" });
        } finally {
            kubectl("delete", "namespace", other, "--wait=false");
            kubectl("-n", namespace, "delete", "pod", "probe", "--now", "--ignore-not-found", "--wait=false");
        }
    });

    it("runs the replication watchdog beside Patroni in every member: its statement runs there over the socket, as the container's user", () => {
        for (const pod of memberPods("name").split(" ")) {
            const exec = (...args: string[]) => kubectl("-n", namespace, "exec", pod, "-c", MEMBER_CONTAINER, "--", ...args);
            expect(exec("sh", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; true")).toContain(`PGAPPNAME=${REPLICATION_CONNECT_WATCHDOG.applicationName}`);
            // Nothing is stuck connecting, so it ends nothing; it reaches PostgreSQL as the loop does.
            expect(exec("psql", "-h", "/var/run/postgresql", "-U", "postgres", "-d", "postgres", "-XAtq", "-c", stuckReplicationWorkersSql())).toBe("");
        }
    });

    it("elects a new primary when the primary pod is deleted, and writes succeed again", async () => {
        const old = primaryPod();
        expect(old).toMatch(/^main-\d$/);
        kubectl("-n", namespace, "delete", "pod", old, "--wait=false");
        const next = await eventually(async () => {
            const p = primaryPod();
            return p && p !== old ? p : undefined;
        }, 120000, "a new primary");
        expect(next).not.toBe(old);
        await eventually(async () => {
            await query(primary(), "INSERT INTO t VALUES (2, 'after failover') ON CONFLICT DO NOTHING");
            return true;
        }, 60000, "writes through the primary Service");
        expect((await query(primary(), "SELECT count(*)::int AS n FROM t"))[0].n).toBe(2);
        // The StatefulSet recreates the deleted pod on its volume; it must start and follow the new
        // leader (it did not while fsGroup re-permissioned the data directory on every mount).
        expect(await untilStreaming(2, 120000, "the old primary back as a streaming replica")).toBe(2);
    });

    it("applies changed settings through a new reconcile Job: work_mem by reload, shared_buffers by a rolling restart; a changed role through a new access Job", async () => {
        const podsBefore = memberPods("uid");
        await stack!.setAllConfig({ workMem: { value: "8MB" }, sharedBuffers: { value: "96MB" }, auditorLimit: { value: "5" } });
        const preview = await stack!.preview(quiet);
        // The members keep their pod template: only the Jobs (and their Secrets) are new, the
        // reconcile Job's for the settings and the access Job's for the role.
        expect(preview.changeSummary.replace).toBe(4);
        expect(preview.changeSummary.update ?? 0).toBe(0);
        const res = await stack!.up(quiet);
        expect(res.summary.result).toBe("succeeded");
        // The access Job ran again: the role changed in place and kept its password.
        expect(await query(superuser(), "SELECT rolconnlimit AS l FROM pg_roles WHERE rolname = 'auditor'")).toEqual([{ l: 5 }]);
        expect(plainOutputs(res.outputs).auditorPassword).toBe(out.auditorPassword);
        // `up` returned after the Job completed: every member runs the new values, none is pending a restart.
        for (const name of ["work_mem", "shared_buffers"]) {
            expect((await query(superuser(), `SELECT setting, unit, pending_restart FROM pg_settings WHERE name = '${name}'`))[0])
                .toMatchObject({ pending_restart: false });
        }
        expect((await query(primary(), "SHOW work_mem"))[0].work_mem).toBe("8MB");
        expect((await query(primary(), "SHOW shared_buffers"))[0].shared_buffers).toBe("96MB");
        const replica = await eventually(async () => {
            const [row] = await query(viaClusterIp(out.replicaUri), "SELECT pg_is_in_recovery() AS r, current_setting('shared_buffers') AS sb, current_setting('work_mem') AS wm");
            return row.r === true && row.sb === "96MB" ? row : undefined;
        }, 30000, "a replica with the new shared_buffers");
        expect(replica).toEqual({ r: true, sb: "96MB", wm: "8MB" });
        // Restarted in place by Patroni, not recreated by Kubernetes.
        expect(memberPods("uid")).toBe(podsBefore);
        expect(await untilStreaming(2, 60000, "two replicas streaming")).toBe(2);
        expect((await query(primary(), "SELECT count(*)::int AS n FROM t"))[0].n).toBe(2);
    });

    it("drills a restore on the member taking the backups once the first full exists; pgscale backup status --pod reads its figures", async () => {
        // Late in the sequence, so the drill ran meanwhile; every member pod, before one leaves: the
        // drill's record is in the status file of the member that ran it.
        const members = ["--pod", "main-0", "--pod", "main-1", "--pod", "main-2", "--namespace", namespace];
        const report = await withKubectl(() => eventually(async () => {
            const r = await pgscaleCli("backup", "status", ...members, "--json");
            const doc = JSON.parse(r.stdout);
            return doc.drill ? doc : undefined;
        }, 180000, "a scheduled drill recorded", 3000));
        // Restored, started and checked (its query's answer: the restored server's major version).
        expect(report.drill).toMatchObject({ ok: true, checkResult: "17", shortfalls: [] });
        expect(report.drill.restoreSeconds).toBeGreaterThan(0);
        expect(["main-0", "main-1", "main-2"]).toContain(report.drill.container);
        expect(report.findings.find((f: { check: string }) => f.check === "backup.drill")).toMatchObject({ severity: "ok" });
    });

    // The renewal of the members' certificates and a rotation of the cluster's CA ride on the
    // scale-down's `up` (a fraction near 1 makes the certificates due, tls.caGeneration 1 rotates
    // the CA); a later test finds the new ones served. What was served before, and a session to
    // main-0 (which stays) that must outlive them.
    let beforeRenewal: { serials: { pg: string; rest: string }; startedAt: string; uid: string; session: InstanceType<typeof Client>; caPem: string } | undefined;
    let rotated: Outputs | undefined;
    /** The serials main-0 serves (PostgreSQL with STARTTLS, the REST API), read from the node at its pod IP. */
    const servedSerials = (pod: string) => {
        const ip = kubectl("-n", namespace, "get", "pod", pod, "-o", "jsonpath={.status.podIP}");
        const serial = (port: number, starttls: boolean) => spawnSync("bash", ["-c", `openssl s_client -connect ${ip}:${port}${starttls ? " -starttls postgres" : ""} </dev/null 2>/dev/null | openssl x509 -noout -serial`], { encoding: "utf8", timeout: 20_000 }).stdout.trim();
        return { pg: serial(5432, true), rest: serial(8008, false) };
    };
    const inMember = (pod: string, sql: string) => kubectl("-n", namespace, "exec", pod, "-c", "patroni", "--", "psql", "-h", "/var/run/postgresql", "-U", "postgres", "-XAtc", sql, "postgres");

    it("scales down 3 -> 2: the highest ordinal leaves, its volume stays, no row is lost", async () => {
        const ip = kubectl("-n", namespace, "get", "pod", "main-0", "-o", "jsonpath={.status.podIP}");
        const sessionUri = new URL(out.primaryUri);
        sessionUri.hostname = ip;
        const session = new Client({ connectionString: libpqCompatible(sessionUri.toString()) });
        await session.connect();
        beforeRenewal = { serials: servedSerials("main-0"), startedAt: inMember("main-0", "SELECT pg_postmaster_start_time()"), uid: pods("statefulset.kubernetes.io/pod-name=main-0", "uid"), session, caPem: out.tlsCaPem! };
        expect(beforeRenewal.serials.pg).toMatch(/^serial=[0-9A-F]+$/);
        expect(beforeRenewal.serials.rest).toBe(beforeRenewal.serials.pg);
        await stack!.setAllConfig({ nodes: { value: "2" }, renewBeforeFraction: { value: "0.999999" }, tlsCaGeneration: { value: "1" } });
        const res = await stack!.up(quiet);
        expect(res.summary.result).toBe("succeeded");
        rotated = plainOutputs(res.outputs) as Outputs;
        await eventually(async () => (memberPods("name").split(" ").sort().join(",") === "main-0,main-1") || undefined,
            120000, "two member pods");
        await eventually(async () => {
            await query(primary(), "INSERT INTO t VALUES (3, 'after scale-down') ON CONFLICT DO NOTHING");
            return true;
        }, 60000, "writes after scale-down");
        expect(await untilStreaming(1, 60000, "one replica streaming")).toBe(1);
        expect((await query(primary(), "SELECT count(*)::int AS n FROM t"))[0].n).toBe(3);
        // Kubernetes keeps a removed member's claim; pgscale never deletes data.
        expect(kubectl("-n", namespace, "get", "pvc", "-o", "jsonpath={.items[*].metadata.name}").split(" ")).toContainEqual(expect.stringMatching(/main-2$/));
    });

    it("renews the members' certificates and rotates the CA in place: served after the kubelet's next sync, chained to the old CA through the cross-signed new one, reloaded, no restart, sessions kept", async () => {
        const was = beforeRenewal!;
        // The kubelet rewrites the Secret's files within its sync period (a minute), the member's
        // watcher reloads within its 10 s.
        const now = await eventually(async () => {
            const s = servedSerials("main-0");
            return s.pg !== was.serials.pg && s.rest !== was.serials.rest && s.pg === s.rest ? s : undefined;
        }, 120000, "main-0 serving a renewed certificate", 2000);
        expect(now?.pg).toMatch(/^serial=[0-9A-F]+$/);
        // The outputs are the bundle: the new CA, then the original.
        const certsIn = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
        expect(certsIn(was.caPem)).toBe(1);
        expect(certsIn(rotated!.tlsCaPem!)).toBe(2);
        expect(rotated!.tlsCaPem!).toContain(was.caPem.trim());
        expect(rotated!.tlsCaPem!.indexOf(was.caPem.trim())).toBeGreaterThan(0);
        expect(rotated!.restApiCaPem).toBe(rotated!.tlsCaPem);
        // Served: the leaf from the new CA, then the new CA cross-signed by the original; it verifies
        // in full against the bundle and against the original CA alone (a client that pinned it).
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-k8s-ca-"));
        try {
            fs.writeFileSync(path.join(dir, "original.pem"), was.caPem);
            fs.writeFileSync(path.join(dir, "bundle.pem"), rotated!.tlsCaPem!);
            const ip = kubectl("-n", namespace, "get", "pod", "main-0", "-o", "jsonpath={.status.podIP}");
            const handshake = (ca: string, port: number, starttls: boolean) => spawnSync("bash", ["-c",
                `openssl s_client -connect ${ip}:${port}${starttls ? " -starttls postgres" : ""} -showcerts -CAfile ${path.join(dir, ca)} -verify_return_error </dev/null 2>&1`],
            { encoding: "utf8", timeout: 20_000 }).stdout;
            for (const ca of ["original.pem", "bundle.pem"]) {
                for (const [port, starttls] of [[5432, true], [8008, false]] as const) {
                    const out = handshake(ca, port, starttls);
                    expect([ca, port, /Verify return code: 0 \(ok\)/.test(out)]).toEqual([ca, port, true]);
                    expect(out).toMatch(/ 0 s:CN ?= ?main-0\n\s+i:CN ?= ?pgscale main-tls CA #1\n/);
                    expect(out).toMatch(/ 1 s:CN ?= ?pgscale main-tls CA #1\n\s+i:CN ?= ?pgscale main-tls CA\n/);
                }
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        // Reloaded: the same pod, the same PostgreSQL (no restart), the patroni container never restarted.
        expect(pods("statefulset.kubernetes.io/pod-name=main-0", "uid")).toBe(was.uid);
        expect(inMember("main-0", "SELECT pg_postmaster_start_time()")).toBe(was.startedAt);
        expect(kubectl("-n", namespace, "get", "pod", "main-0", "-o", "jsonpath={.status.containerStatuses[?(@.name==\"patroni\")].restartCount}")).toBe("0");
        // The session opened before the renewal still answers; a new one verifies the renewed certificate.
        expect((await was.session.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
        await was.session.end();
        expect(kubectl("-n", namespace, "logs", "main-0", "-c", "patroni")).toContain("pgscale: renewed certificate files; reloading");
        expect((await query(primary(), "SELECT 1 AS one"))).toEqual([{ one: 1 }]);
        // The replica streams again over TLS, verifying the rotated primary with its bundle.
        expect(await untilStreaming(1, 60000, "one replica streaming")).toBe(1);
    });

    it("backs up into the bucket from the start and archives every write after the backup", async () => {
        const pgbackrestInfo = (pod: string) => JSON.parse(kubectl("-n", namespace, "exec", pod, "-c", "patroni", "--", "pgbackrest", "--stanza=main", "--output=json", "info"))[0];
        // The scheduler created the stanza on the primary at bootstrap and took the first full long ago.
        const info = await eventually(async () => {
            const doc = pgbackrestInfo(primaryPod());
            return doc?.backup?.some((b: { type: string }) => b.type === "full") ? doc : undefined;
        }, 120000, "a full backup in the bucket", 2000);
        expect(info.status).toMatchObject({ code: 0, message: "ok" });
        expect(info.cipher).toBe("aes-256-cbc");
        // Rows after the backup reach the bucket through archive_command alone.
        await query(primary(), "CREATE TABLE marks (n int PRIMARY KEY)");
        await query(primary(), "INSERT INTO marks SELECT generate_series(1, 50)");
        const [{ wal }] = await query(superuser(), "SELECT pg_walfile_name(pg_switch_wal()) AS wal");
        await eventually(async () => {
            const [{ last }] = await query(superuser(), "SELECT last_archived_wal AS last FROM pg_stat_archiver");
            return last !== null && last >= wal ? last : undefined;
        }, 60000, `segment ${wal} archived`, 500);
        // The keys are in the members' pgbackrest.conf (the Secret), never in their pod spec.
        const podSpec = kubectl("-n", namespace, "get", "pod", primaryPod(), "-o", "json");
        expect([podSpec.includes(s3Keys.s3SecretKey), podSpec.includes(s3Keys.s3AccessKey)]).toEqual([false, false]);
        const conf = kubectl("-n", namespace, "exec", primaryPod(), "-c", "patroni", "--", "cat", "/etc/pgbackrest/pgbackrest.conf");
        expect(conf.split("\n")).toContain(`repo1-s3-key-secret=${s3Keys.s3SecretKey}`);
    });

    it("pgscale backup --pod lists, checks and takes a backup through kubectl exec; Prometheus reads the schedulers", async () => {
        const members = ["--pod", "main-0", "--pod", "main-1", "--namespace", namespace];
        await withKubectl(async () => {
            const [list, run] = [await pgscaleCli("backup", "list", ...members, "--json"), await pgscaleCli("backup", "run", ...members, "--type", "incr", "--json")];
            expect(list.code).toBe(0);
            const listed = JSON.parse(list.stdout);
            expect(listed.backups.map((b: { type: string }) => b.type)).toContain("full");
            // The backup runs on the streaming replica (the scheduler's choice, under its Lease) and lands in the bucket.
            expect([run.code, run.code === 0 ? "" : `${run.stdout}\n${run.stderr}`]).toEqual([0, ""]);
            const done = JSON.parse(run.stdout);
            expect(done).toMatchObject({ stanza: "main", fromStandby: true, requestedType: "incr", backup: { type: "incr" } });
            expect(done.container).not.toBe(primaryPod());
            const status = await pgscaleCli("backup", "status", ...members, "--json");
            const report = JSON.parse(status.stdout);
            // Both pods' schedulers read (a pod it cannot read is a backup.scheduler warning), the repository and archive ok.
            expect(report).toMatchObject({ stanza: "main", status: "ok" });
            expect(report.findings.filter((f: { severity: string }) => f.severity !== "ok")).toEqual([]);
            expect(report.findings.map((f: { check: string }) => f.check)).toEqual(expect.arrayContaining(["backup.repository", "backup.scheduler", "backup.archive", "backup.drill"]));
            // A pod that is not there is named with kubectl's reason.
            const gone = await pgscaleCli("backup", "list", "--pod", "main-9", "--namespace", namespace);
            expect(gone).toMatchObject({ code: 1, stderr: expect.stringMatching(/main-9: .*pods "main-9" not found/) });
            // A drill on request: the bucket restored in a throwaway pod beside the members, to the
            // end of the archive (the 50 marks archived in the previous test), checked, and deleted.
            const drill = await pgscaleCli("backup", "drill", ...members, "--database", "appdb", "--check", "SELECT count(*) FROM marks", "--rpo-seconds", "3600", "--json");
            expect([drill.code, drill.code === 0 ? "" : drill.stdout]).toEqual([0, ""]);
            const drilled = JSON.parse(drill.stdout);
            expect(drilled).toMatchObject({ container: "main-0", stanza: "main", checkResult: "50", shortfalls: [] });
            expect(drilled.restoreSeconds).toBeGreaterThan(0);
            expect(drilled.pod).toMatch(/^main-0-drill-[0-9a-f]{6}$/);
        });
        await eventually(async () => kubectl("-n", namespace, "get", "pods", "-l", "app.kubernetes.io/component=restore-drill", "-o", "name") === "" || undefined, 30000, "the drill pod deleted", 500);
        // Every member's scheduler reports the repository's newest backup, scraped as job backup.
        const newest = await eventually(async () => {
            const { result } = await prometheusApi("/api/v1/query?query=pgscale_backup_last_completed_timestamp_seconds%7Bjob%3D%22backup%22%2Ckind%3D%22incr%22%7D");
            const members = (result as Array<{ metric: Record<string, string> }>).map((r) => r.metric.member).sort();
            return members.length === 2 ? members : undefined;
        }, 60000, "the incremental backup in both members' scheduler metrics", 1000);
        expect(newest).toEqual(["main-0", "main-1"]);
        // The drill's figures are the cluster's (the Lease's record): every member serves them.
        const { result: drilled } = await prometheusApi("/api/v1/query?query=pgscale_backup_drill_restore_seconds%7Bjob%3D%22backup%22%7D");
        expect((drilled as Array<{ metric: Record<string, string>; value: [number, string] }>).map((r) => [r.metric.member, Number(r.value[1]) > 0]).sort())
            .toEqual([["main-0", true], ["main-1", true]]);
    });

    // The same `up` also restores the bucket into a new cluster and drills it (the next tests check them): all side by side.
    let restoredOutputs: Outputs | undefined;
    it("scales back up 2 -> 3 on the kept volume: the member rejoins as a streaming replica, no row lost", async () => {
        await stack!.setAllConfig({ nodes: { value: "3" }, restore: { value: "true" } });
        // Renewed and rotated above: back to the default fraction, so this `up` renews nothing.
        await stack!.removeConfig("renewBeforeFraction");
        const started = Date.now();
        // The RestoreDrill reaches its pod with kubectl, as a user's `pulumi up` would.
        const res = await withKubectl(() => stack!.up(quiet));
        expect(res.summary.result).toBe("succeeded");
        console.log(`scale-up, restore into a new 1-member cluster and a RestoreDrill: pulumi up ${((Date.now() - started) / 1000).toFixed(1)} s`);
        restoredOutputs = plainOutputs(res.outputs) as Outputs;
        // `up` returned after the reconcile Job saw two replicas streaming.
        expect(await streaming()).toBe(2);
        const [row] = await query(superuser(), "SELECT array_agg(application_name ORDER BY application_name) AS names FROM pg_stat_replication");
        expect(row.names).toContain("main-2");
        expect((await query(primary(), "SELECT count(*)::int AS n FROM t"))[0].n).toBe(3);
    });

    it("restores the bucket's latest into a new cluster: every archived row, writable, the owner with its new password", async () => {
        const copy = restoredOutputs!;
        const restored = asSuperuser(viaClusterIp(copy.copyPrimaryUri!), copy.copySuperuserPassword!, "appdb");
        expect(await query(restored, "SELECT (SELECT count(*)::int FROM marks) AS marks, (SELECT count(*)::int FROM t) AS t, pg_is_in_recovery() AS r"))
            .toEqual([{ marks: 50, t: 3, r: false }]);
        expect(await query(viaClusterIp(copy.copyPrimaryUri!), "INSERT INTO t VALUES (4, 'restored') RETURNING id")).toEqual([{ id: 4 }]);
    });

    it("backs the restored cluster up into a repository claim of its own (ReadWriteMany, shared class); pgscale backup drill --pod restores the claim", async () => {
        const claim = JSON.parse(kubectl("-n", namespace, "get", "pvc", "copy-repository", "-o", "json"));
        expect([claim.spec.accessModes, claim.spec.storageClassName, claim.status.phase]).toEqual([["ReadWriteMany"], "shared", "Bound"]);
        const copyPod = ["--pod", "copy-0", "--namespace", namespace];
        await withKubectl(async () => {
            // The copy's scheduler creates its stanza in the claim and takes the first full backup from its primary.
            await eventually(async () => {
                const list = await pgscaleCli("backup", "list", ...copyPod, "--json");
                return list.code === 0 && JSON.parse(list.stdout).backups?.some((b: { type: string }) => b.type === "full") || undefined;
            }, 120000, "a full backup in the copy's claim", 2000);
            // The claim mounted read-only in a throwaway pod: the 50 marks the copy restored from the bucket.
            const drill = await pgscaleCli("backup", "drill", ...copyPod, "--database", "appdb", "--check", "SELECT count(*) FROM marks", "--json");
            expect([drill.code, drill.code === 0 ? "" : `${drill.stdout}\n${drill.stderr}`]).toEqual([0, ""]);
            expect(JSON.parse(drill.stdout)).toMatchObject({ container: "copy-0", stanza: "copy", checkResult: "50", shortfalls: [] });
        });
        // pgBackRest's repository files are in the claim, not in the pod: the stanza's archive and backup directories.
        expect(kubectl("-n", namespace, "exec", "copy-0", "-c", "patroni", "--", "ls", "/var/lib/pgbackrest").split(/\s+/)).toEqual(expect.arrayContaining(["archive", "backup"]));
    });

    it("RestoreDrill: drilled the bucket in a throwaway pod during that `up`: every archived mark restored, the figures as outputs, the pod gone", async () => {
        const figures = restoredOutputs!.drillFigures!;
        console.log(`RestoreDrill: ${JSON.stringify(figures)}`);
        expect(figures).toMatchObject({ backupSet: expect.stringMatching(/^\d{8}-\d{6}F/), checkResult: "50" });
        expect(figures.restoreSeconds).toBeGreaterThan(0);
        expect(figures.lossWindowSeconds).toBeLessThanOrEqual(3600);
        expect(Date.parse(figures.restorablePoint)).toBeLessThanOrEqual(Date.now());
        // Deleted without waiting (its grace period is 1 s): gone soon after.
        await eventually(async () => kubectl("-n", namespace, "get", "pods", "-l", "app.kubernetes.io/component=restore-drill", "-o", "name") === "" || undefined, 30000, "the drill pod deleted", 500);
    });

    it("refuses a restore from the copy's claim to a time before its oldest backup, naming the field, before any member exists; the check's pod gone", async () => {
        await stack!.setConfig("refusedRestore", { value: "true" });
        const started = Date.now();
        const failed = await withKubectl(() => stack!.up(quiet)).then(() => undefined, (e: Error) => e);
        console.log(`a refused restore: pulumi up failed after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        await stack!.setConfig("refusedRestore", { value: "false" });
        expect(failed?.message).toMatch(/PatroniCluster refused: invalid input\s+- bootstrap\.fromBackup\.target\.time: is before the oldest backup \(\d{8}-\d{6}F/);
        expect(kubectl("-n", namespace, "get", "statefulsets", "-o", "jsonpath={.items[*].metadata.name}").split(" ")).not.toContain("refused");
        await eventually(async () => kubectl("-n", namespace, "get", "pods", "-l", "app.kubernetes.io/component=restore-check", "-o", "name") === "" || undefined, 30000, "the check pod deleted", 500);
    });
});

// The proof on the user-facing example: examples/kubernetes as it ships (etcd DCS, HAProxy,
// PgBouncer), then its partitioned table through the primary Service, as a user would through a
// port-forward (here the Service's cluster IP, which the node reaches).
describe("examples/kubernetes", () => {
    const name = uniqueStackName("k8sex");
    const namespace = name;
    let stack: Stack | undefined;
    let out: Record<string, any>;

    beforeAll(async () => {
        const workDir = path.join(root, "examples/kubernetes");
        stack = await LocalWorkspace.createOrSelectStack({ stackName: name, workDir }, { envVars: stackEnv() });
        await stack.setConfig("namespace", { value: namespace });
        const res = await stack.up(quiet);
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs);
    });
    afterAll(() => destroyInBackground("examples/kubernetes", stack, namespace));

    it("routes writes to the leader and reads to replicas through HAProxy, and pools through PgBouncer", async () => {
        const primary = viaClusterIp(out.primaryUri);
        await eventually(async () => (await query(primary, "SELECT pg_is_in_recovery() AS r"))[0].r === false || undefined, 60000, "HAProxy routes to the leader");
        await query(primary, "CREATE TABLE notes (id int PRIMARY KEY)");
        await query(primary, "INSERT INTO notes VALUES (1)");
        const replica = await eventually(async () => {
            const [row] = await query(viaClusterIp(out.replicaUri), "SELECT pg_is_in_recovery() AS r, (SELECT count(*)::int FROM notes) AS n");
            return row.r === true && row.n === 1 ? row : undefined;
        }, 60000, "a replica through HAProxy");
        expect(replica).toEqual({ r: true, n: 1 });
        expect(await query(viaClusterIp(out.poolerUri), "SELECT count(*)::int AS n, pg_is_in_recovery() AS r FROM notes")).toEqual([{ n: 1, r: false }]);
    });

    it("serves Patroni's REST API over HTTPS only: probes and HAProxy's checks verify it, plain HTTP gets no answer, /switchover wants credentials", () => {
        // From inside a member, as any pod on the network could (curl prints the status, 000: no HTTP answer).
        const curl = (args: string) => {
            try {
                return kubectl("-n", namespace, "exec", "main-0", "-c", "patroni", "--", "sh", "-c", `curl -s -o /dev/null -w '%{http_code}' --max-time 5 ${args}; echo " exit=$?"`).trim();
            } catch (e) {
                return `${(e as { stdout?: string }).stdout ?? ""}`.trim();
            }
        };
        const peer = "main-1.main-headless:8008";
        expect(curl("http://127.0.0.1:8008/health")).toMatch(/^000 exit=(52|56)$/);
        expect(curl(`http://${peer}/health`)).toMatch(/^000 exit=(52|56)$/);
        // With the cluster's CA (in the member's config Secret), on the peer's pod DNS name: verified.
        expect(curl(`--cacert /etc/patroni/rest-ca.crt https://${peer}/health`)).toBe("200 exit=0");
        // Without it, verification fails (exit 60) before any request is sent.
        expect(curl(`https://${peer}/health`)).toBe("000 exit=60");
        expect(curl(`--cacert /etc/patroni/rest-ca.crt -X POST -d '{"leader":"main-0"}' https://${peer}/switchover`)).toBe("401 exit=0");
        // The kubelet's probes speak HTTPS, and every member is Ready by them.
        const sts = JSON.parse(kubectl("-n", namespace, "get", "statefulset", "main", "-o", "json"));
        const patroni = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === "patroni");
        expect([patroni.readinessProbe.httpGet.scheme, patroni.livenessProbe.httpGet.scheme]).toEqual(["HTTPS", "HTTPS"]);
        expect(sts.status.readyReplicas).toBe(sts.spec.replicas);
        // HAProxy's checks verify each member's certificate (its routing above only works when they pass).
        const cm = JSON.parse(kubectl("-n", namespace, "get", "configmap", "-o", "json")).items
            .find((c: { data?: Record<string, string> }) => c.data?.["haproxy.cfg"]);
        expect(cm.data["haproxy.cfg"]).toMatch(/check port 8008 check-ssl check-sni \S+ verify required ca-file \/etc\/haproxy\/patroni-ca\.crt verifyhost \S+/);
    });

    it("locks etcd: TLS only, nothing without credentials, and the scope's own user reaches its keys only", () => {
        // Run in an etcd member, against itself, as any pod with etcdctl and the CA could.
        const etcdctl = "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/pgscale/etcd-tls/ca.crt --command-timeout=5s";
        const inMember = (script: string, input = ""): { ok: boolean; out: string } => {
            try {
                return { ok: true, out: kubectlWithInput(input, "-n", namespace, "exec", "-i", "dcs-0", "-c", "etcd", "--", "sh", "-c", script) };
            } catch (e) {
                const err = e as { stdout?: string; stderr?: string };
                return { ok: false, out: `${err.stdout ?? ""}${err.stderr ?? ""}` };
            }
        };
        for (const command of ["get /service/main/leader", "put /service/main/leader intruder"]) {
            const res = inMember(`${etcdctl} ${command}`);
            expect({ command, ok: res.ok }).toEqual({ command, ok: false });
            expect(res.out).toMatch(/user name is empty/);
        }
        // Plain http is not served: the client URL speaks TLS only.
        const plainHttp = inMember("etcdctl --endpoints=http://127.0.0.1:2379 --command-timeout=5s get /service/main/leader");
        expect(plainHttp.ok).toBe(false);
        expect(plainHttp.out).toMatch(/deadline exceeded|connection reset|EOF|transport/i);
        // Patroni's own credentials (its patroni.yml) read its leader key, and nothing outside its scope.
        const yml = Buffer.from(kubectl("-n", namespace, "get", "secret", "main-patroni", "-o", "jsonpath={.data.main-0\\.yml}"), "base64").toString("utf8");
        const { username, password } = parse(yml).etcd3;
        expect(username).toBe("patroni-main");
        const asScope = (command: string) => inMember(`IFS= read -r pw; export ETCDCTL_USER=patroni-main ETCDCTL_PASSWORD="$pw"; ${etcdctl} ${command}`, `${password}\n`);
        const leader = asScope("get --print-value-only /service/main/leader");
        expect(leader).toEqual({ ok: true, out: expect.stringMatching(/^main-\d$/) });
        for (const command of ["put /service/other/leader intruder", "get --prefix /service/"]) {
            const res = asScope(command);
            expect({ command, ok: res.ok }).toEqual({ command, ok: false });
            expect(res.out).toMatch(/permission denied/);
        }
    });

    it("admits only the topology's paths (NetworkPolicies): another namespace reaches nothing, an unlabelled pod of the namespace only HAProxy and PgBouncer", async () => {
        const ip = (selector: string) => kubectl("-n", namespace, "get", "pods", "-l", selector, "-o", "jsonpath={.items[0].status.podIP}");
        const member = ip("statefulset.kubernetes.io/pod-name=main-1");
        const etcd = ip("statefulset.kubernetes.io/pod-name=dcs-0");
        const targets: Record<string, string> = {
            etcdClient: `${etcd}:2379`, etcdPeer: `${etcd}:2380`, patroniRest: `${member}:8008`, postgres: `${member}:5432`,
            haproxy: `${ip("app.kubernetes.io/name=haproxy")}:5000`, pgbouncer: `${ip("app.kubernetes.io/name=pgbouncer")}:6432`,
        };
        const probe = (ns: string, pod: string, container: string[] = []) => probeFrom(ns, pod, targets, container);
        const other = `${namespace}-x`;
        kubectl("create", "namespace", other);
        try {
            startProbePods([{ ns: other, name: "probe" }, { ns: namespace, name: "probe" }]);
            const [fromOther, fromNamespace, fromMember] = await Promise.all([probe(other, "probe"), probe(namespace, "probe"), probe(namespace, "main-0", ["-c", "patroni"])]);
            // Another namespace: not the control plane, not the members, not even the application ports (clientsFrom is the namespace's pods).
            expect(fromOther).toEqual({ etcdClient: "timeout", etcdPeer: "timeout", patroniRest: "timeout", postgres: "timeout", haproxy: "timeout", pgbouncer: "timeout" });
            // The stack's namespace, without pgscale's labels: HAProxy and PgBouncer only (the example closes the members' PostgreSQL: clientsFrom []).
            expect(fromNamespace).toEqual({ etcdClient: "timeout", etcdPeer: "timeout", patroniRest: "timeout", postgres: "timeout", haproxy: "open", pgbouncer: "open" });
            // A member: etcd's client port, its peers' PostgreSQL and REST API (the peer port is the etcd members' alone).
            expect(fromMember).toMatchObject({ etcdClient: "open", etcdPeer: "timeout", patroniRest: "open", postgres: "open" });
        } finally {
            kubectl("delete", "namespace", other, "--wait=false");
            kubectl("-n", namespace, "delete", "pod", "probe", "--now", "--ignore-not-found", "--wait=false");
        }
    });

    it("creates the partitioned table through the primary Service", async () => {
        const svc = new URL(viaClusterIp(out.servicePrimaryUri));
        await stack!.setConfig("tableVia", { value: `${svc.hostname}:${svc.port || 5432}` });
        const res = await stack!.up(quiet);
        expect(res.summary.resourceChanges?.create).toBe(1);
        const parts = await query(viaClusterIp(out.primaryUri),
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'public.events'::regclass ORDER BY 1");
        expect(parts.map((p) => p.relname)).toEqual(["events_2024_q1", "events_2024_q2", "events_2024_q3", "events_2024_q4", "events_default"]);
    });

    it("rotates etcd's CA on a raised tls.caGeneration: the members roll one at a time, each leader handing over first, and Patroni keeps its leader and timeline", async () => {
        const etcd = ["dcs-0", "dcs-1", "dcs-2"];
        const etcdPods = () => new Map<string, { uid: string; ip: string }>(JSON.parse(kubectl("-n", namespace, "get", "pods", ...etcd, "-o", "json")).items
            .map((p: { metadata: { name: string; uid: string }; status: { podIP: string } }) => [p.metadata.name, { uid: p.metadata.uid, ip: p.status.podIP }]));
        const patroni = () => {
            const doc = JSON.parse(kubectl("-n", namespace, "exec", "main-0", "-c", "patroni", "--", "curl", "-sf", "--max-time", "5",
                "--cacert", "/etc/patroni/rest-ca.crt", "https://main-0.main-headless:8008/cluster"));
            const leader = (doc.members as Array<{ name: string; role: string; timeline: number; state: string }>).find((m) => m.role === "leader")!;
            return { leader: leader.name, timeline: leader.timeline, running: doc.members.filter((m: { state: string }) => ["running", "streaming"].includes(m.state)).length };
        };
        const secretCa = () => Buffer.from(kubectl("-n", namespace, "get", "secret", "dcs-etcd-tls", "-o", "jsonpath={.data.ca\\.crt}"), "base64").toString();
        const before = { pods: etcdPods(), patroni: patroni(), ca: secretCa() };
        expect(before.patroni.running).toBe(3);
        // Writes through HAProxy's primary all along: a demoted primary would fail some.
        const primary = viaClusterIp(out.primaryUri);
        await query(primary, "CREATE TABLE etcd_roll (at timestamptz)");
        let writing = true;
        const writes = { ok: 0, errors: [] as string[] };
        const writer = (async () => {
            while (writing) {
                await query(primary, "INSERT INTO etcd_roll VALUES (now())").then(() => writes.ok++, (e: Error) => writes.errors.push(`${new Date().toISOString()} ${e.message}`));
                await sleep(200);
            }
        })();
        const started = Date.now();
        try {
            await stack!.setConfig("etcdCaGeneration", { value: "1" });
            const res = await stack!.up(quiet);
            expect(res.summary.result).toBe("succeeded");
        } finally {
            writing = false;
            await writer;
        }
        console.log(`etcd CA rotation: up ${((Date.now() - started) / 1000).toFixed(1)} s, ${writes.ok} writes through the primary, ${writes.errors.length} failed`);
        if (writes.errors.length) {
            // Seen once in a rehearsal (one write of 97 cut, the leader's fate not recorded): what
            // HAProxy and the leader's Patroni said meanwhile, to find why (docs/security.md, etcd's certificates).
            const logs = (selector: string, container: string) => {
                try {
                    return kubectl("-n", namespace, "logs", "-l", selector, "-c", container, "--tail", "60", "--timestamps");
                } catch (e) {
                    return (e as Error).message;
                }
            };
            console.log(`failed writes: ${JSON.stringify(writes.errors)}\nHAProxy:\n${logs("app.kubernetes.io/name=haproxy", "haproxy")}\nPatroni:\n${logs("statefulset.kubernetes.io/pod-name=main-0", "patroni")}`);
        }
        // Every member restarted (a new pod), and Patroni never lost its leader key: same leader, same timeline.
        const after = etcdPods();
        for (const m of etcd) expect([m, after.get(m)!.uid === before.pods.get(m)!.uid]).toEqual([m, false]);
        // Each preStop hook (the hand-off) ran to its end: a failed one leaves a FailedPreStopHook event.
        expect(kubectl("-n", namespace, "get", "events", "--field-selector", "reason=FailedPreStopHook", "-o", "name")).toBe("");
        expect(patroni()).toEqual({ ...before.patroni, running: 3 });
        // Writes went on (one every 200 ms through a roll of about 25 s). A cut connection is printed
        // above with what HAProxy and Patroni logged: its cause is open (docs/security.md).
        expect(writes.ok).toBeGreaterThan(50);
        // The members trust the bundle (the new CA, then the original) and serve leaves from the new CA,
        // with the new CA cross-signed by the original: a client that pinned the original still verifies.
        const bundle = secretCa();
        expect(bundle.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
        expect(bundle.indexOf(before.ca.trim())).toBeGreaterThan(0);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-etcd-ca-"));
        try {
            fs.writeFileSync(path.join(dir, "original.pem"), before.ca);
            for (const m of etcd) {
                const out = spawnSync("bash", ["-c", `openssl s_client -connect ${after.get(m)!.ip}:2379 -showcerts -CAfile ${path.join(dir, "original.pem")} -verify_return_error </dev/null 2>&1`],
                    { encoding: "utf8", timeout: 20_000 }).stdout;
                expect([m, /Verify return code: 0 \(ok\)/.test(out)]).toEqual([m, true]);
                expect(out).toMatch(new RegExp(` 0 s:CN ?= ?${m}\\n\\s+i:CN ?= ?pgscale dcs-tls CA #1\\n`));
                expect(out).toMatch(/ 1 s:CN ?= ?pgscale dcs-tls CA #1\n\s+i:CN ?= ?pgscale dcs-tls CA\n/);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        // And the three form one cluster again, each with its peers verified (peer TLS with the bundle).
        const health = kubectl("-n", namespace, "exec", "dcs-0", "-c", "etcd", "--", "etcdctl", "--endpoints=https://127.0.0.1:2379",
            "--cacert=/etc/pgscale/etcd-tls/ca.crt", "--command-timeout=5s", "member", "list", "-w", "simple");
        expect(health.trim().split("\n").filter((l) => l.includes(", started, "))).toHaveLength(3);
    });
});

describe("the kubernetes provider's waits on a real cluster", () => {
    const namespace = uniqueStackName("k8saw");
    const timeoutSeconds = 15;
    let stack: Stack | undefined;
    const up = async (unready: string) => {
        await stack!.setConfig("unready", { value: unready });
        const started = Date.now();
        const res = await stack!.up({ onOutput: () => undefined }).catch((e: Error) => e);
        return { res, seconds: (Date.now() - started) / 1000 };
    };

    beforeAll(async () => {
        stack = await fixtureStack("kubernetes-awaits", namespace, { namespace: { value: namespace }, timeoutSeconds: { value: String(timeoutSeconds) } });
    });
    afterAll(async () => destroyAndRemove(stack));

    it("does not wait on selector-less or headless Services, and settles a Service that selects no pod", async () => {
        // Each Service may wait 30 s at most: one awaited for Endpoints nobody writes would fail the up.
        const { res, seconds } = await up("");
        expect(res).not.toBeInstanceOf(Error);
        // The selector Service waited for its empty Endpoints to stay unchanged for 10 s.
        expect(seconds).toBeGreaterThanOrEqual(10);
        expect(kubectl("-n", namespace, "get", "endpoints", "no-selector", "--ignore-not-found", "-o", "name")).toBe("");
    });

    it("waits on a Service while a selected pod is not ready, until the resource's customTimeouts", async () => {
        expect((await up("pod")).res).not.toBeInstanceOf(Error);
        // The Service comes once the pod has an address, so its Endpoints list the pod from the start.
        await eventually(async () => kubectl("-n", namespace, "get", "pods", "-l", "app=unready",
            "-o", "jsonpath={.items[*].status.podIP}") || undefined, 120000, "the unready pod's address", 1000);
        const { res, seconds } = await up("service");
        expect(res).toBeInstanceOf(Error);
        expect((res as Error).message).toMatch(new RegExp(`Service ${namespace}/unready not ready after ${timeoutSeconds}s: selected pods are not ready`));
        // The headless Service selecting the same pod was created at once.
        expect((res as Error).message).toMatch(/Service headless-unready created/);
        expect((res as Error).message).not.toMatch(/headless-unready[^\n]*(error|failed)/);
        expect(seconds).toBeGreaterThanOrEqual(timeoutSeconds);
        expect(seconds).toBeLessThan(timeoutSeconds + 60);
    });
});

// Last: the destroys started in the background above, each awaited here.
describe("destroys", () => {
    it.each(["PatroniCluster on Kubernetes", "examples/kubernetes"])("%s leaves nothing behind on destroy", async (describeName) => {
        const destroy = destroying.get(describeName);
        expect(destroy).toBeDefined();
        const res = await destroy!.done;
        expect(res.summary.result).toBe("succeeded");
        expect(kubectl("get", "namespace", destroy!.namespace, "--ignore-not-found", "-o", "name")).toBe("");
    });
});
