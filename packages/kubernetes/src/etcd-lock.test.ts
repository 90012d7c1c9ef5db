import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { parse } from "yaml";
import { etcdHandOffScript } from "@pgscale/core";
import { settledCount } from "../../../test/support/bad-input";
import { Registered, isSecret, plain, recordKubernetesRegistrations, unwrap } from "../../../test/support/kubernetes-mocks";

// The locked etcd on Kubernetes (as on Docker: TLS on client and peer URLs, auth with a root and a
// user per Patroni scope), as the object graph shows it. The real thing: test/e2e/kubernetes.test.ts.

const registered = recordKubernetesRegistrations();
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { EtcdCluster, PatroniCluster } from "./index";
import { keptEtcdSecurity } from "./etcd";
import { keptRestApiHttps } from "./patroni";
import { keptPostgresTls } from "./patroni-tls";

const SECRET = "kubernetes:core/v1:Secret";
const JOB = "kubernetes:batch/v1:Job";
const STS = "kubernetes:apps/v1:StatefulSet";
const TLS = "pgscale:index:GeneratedTls";
const find = (t: string, name: string) => registered.find((r) => r.type === t && r.name === name);
const byName = (t: string, name: string): Registered => {
    const r = find(t, name);
    if (!r) throw new Error(`no ${t} ${name}`);
    return r;
};
const fileOf = (secret: string, key: string) => plain(plain(byName(SECRET, secret).inputs.stringData)[key]);
const dependencies = new Map<string, Array<{ __name?: string }>>();
const track: pulumi.ResourceTransformation = (a) => {
    dependencies.set(`${a.type}::${a.name}`, (a.opts.dependsOn ?? []) as Array<{ __name?: string }>);
    return undefined;
};
const dependsOn = (t: string, name: string) => (dependencies.get(`${t}::${name}`) ?? []).map((d) => d.__name);
const etcdContainer = (name: string) => byName(STS, name).inputs.spec.template.spec.containers[0];
const flag = (command: string[], f: string) => command[command.indexOf(f) + 1];

async function build(etcd: { tls?: boolean; auth?: boolean }, name = "dcs") {
    registered.splice(0);
    const dcs = new EtcdCluster(name, { members: 3, namespace: "locked", ...etcd }, { transformations: [track] });
    const pg = new PatroniCluster(`${name}-pg`, { dcs, nodes: 2 }, { transformations: [track] });
    await unwrap(pg.primaryUri);
    await settledCount(registered);
    return { dcs, pg };
}

describe("EtcdCluster on Kubernetes, locked by default", () => {
    let dcs: EtcdCluster;
    beforeAll(async () => ({ dcs } = await build({})));

    it("serves clients and peers over TLS, each member with its own certificate from one Secret", () => {
        const c = etcdContainer("dcs");
        const command: string[] = c.command;
        expect(flag(command, "--listen-client-urls")).toBe("https://0.0.0.0:2379");
        expect(flag(command, "--advertise-client-urls")).toBe("https://$(POD_NAME).dcs-headless.locked.svc.cluster.local:2379");
        expect(flag(command, "--initial-cluster")).toBe([0, 1, 2].map((i) => `dcs-${i}=https://dcs-${i}.dcs-headless.locked.svc.cluster.local:2380`).join(","));
        // One pod template: the kubelet expands $(POD_NAME), so each member reads its own files.
        expect(flag(command, "--cert-file")).toBe("/etc/pgscale/etcd-tls/$(POD_NAME).crt");
        expect(flag(command, "--peer-key-file")).toBe("/etc/pgscale/etcd-tls/$(POD_NAME).key");
        expect(flag(command, "--peer-trusted-ca-file")).toBe("/etc/pgscale/etcd-tls/ca.crt");
        expect(command).toContain("--peer-client-cert-auth");
        expect(c.volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/pgscale/etcd-tls", readOnly: true });
        const pod = byName(STS, "dcs").inputs.spec.template.spec;
        expect(pod.volumes).toContainEqual({ name: "tls", secret: { secretName: "dcs-etcd-tls", defaultMode: 0o440 } });
        // Readable by the etcd user through its group (fsGroup), by nobody else.
        expect(pod.securityContext).toMatchObject({ runAsUser: 100, runAsGroup: 101, fsGroup: 101 });
        expect(dependsOn(STS, "dcs")).toContain("dcs-etcd-tls");

        expect(isSecret(byName(SECRET, "dcs-etcd-tls").inputs.stringData)).toBe(true);
        expect(Object.keys(plain(byName(SECRET, "dcs-etcd-tls").inputs.stringData)).sort())
            .toEqual(["ca.crt", "dcs-0.crt", "dcs-0.key", "dcs-1.crt", "dcs-1.key", "dcs-2.crt", "dcs-2.key"]);
        expect(fileOf("dcs-etcd-tls", "dcs-1.key")).toBe("KEY dcs-1");
        expect(fileOf("dcs-etcd-tls", "ca.crt")).toBe("CA dcs-tls");
    });

    it("certifies every name a client or peer dials, for server and client use (peers)", () => {
        const servers = byName(TLS, "dcs-tls").inputs.servers;
        expect(Object.keys(servers)).toEqual(["dcs-0", "dcs-1", "dcs-2"]);
        expect(servers["dcs-2"]).toEqual({
            dnsNames: [
                "dcs-2.dcs-headless.locked.svc.cluster.local", "dcs-2.dcs-headless", "dcs-2.dcs-headless.locked.svc",
                "dcs", "dcs.locked", "dcs.locked.svc", "dcs.locked.svc.cluster.local", "localhost",
            ],
            ipAddresses: ["127.0.0.1"],
            clientAuth: true,
            validDays: 90,
        });
        // Renewed in the last third of their 90 days (etcd reads them at each handshake); the CA rotates
        // by the same rule on its own lifetime (no caRenewal: false), and on a raised tls.caGeneration.
        expect(byName(TLS, "dcs-tls").inputs).toMatchObject({ renewBeforeFraction: 1 / 3, caGeneration: 0 });
        expect(byName(TLS, "dcs-tls").inputs.caRenewal).toBeUndefined();
    });

    it("rolls the members when the CA changes (etcd reads its peers' CA only at start); a member going down hands its leadership over and is killed", async () => {
        const template = byName(STS, "dcs").inputs.spec.template;
        // The CA's SHA-256 on the pod template: a new CA is a new template, which the StatefulSet rolls one pod at a time.
        expect(template.metadata.annotations).toEqual({ "pgscale.io/etcd-ca-sha256": createHash("sha256").update("CA dcs-tls").digest("hex") });
        const c = etcdContainer("dcs");
        // etcd runs under a shell that turns the kubelet's TERM into a kill (etcd-restart.ts).
        expect(c.command.slice(0, 2)).toEqual(["sh", "-c"]);
        expect(c.command.slice(3, 5)).toEqual(["etcd-member", "etcd"]);
        // The preStop hook hands the leadership over, preferring the members a roll (highest ordinal first) restarted already.
        const [shell, flagC, script] = c.lifecycle.preStop.exec.command;
        expect([shell, flagC]).toEqual(["bash", "-c"]);
        expect(script.split("\n").slice(0, 5)).toEqual([
            'case "$POD_NAME" in',
            "  dcs-2) set -- dcs-0 dcs-1;;",
            "  dcs-1) set -- dcs-2 dcs-0;;",
            "  dcs-0) set -- dcs-1 dcs-2;;",
            "esac",
        ]);
        expect(script).toContain(etcdHandOffScript(true));
        // Jobs, Patroni and the outputs trust the bundle: the CA alone until it rotates.
        expect(await unwrap(dcs.tlsCaPem)).toBe("CA dcs-tls");
    });

    it("keeps a single member's template free of the CA (no peers to verify, no restart on a new CA)", async () => {
        registered.splice(0);
        new EtcdCluster("solo", { members: 1, namespace: "solo", tls: { caGeneration: 3 } });
        await settledCount(registered);
        expect(byName(STS, "solo").inputs.spec.template.metadata.annotations).toBeUndefined();
        expect(byName(TLS, "solo-tls").inputs).toMatchObject({ caGeneration: 3 });
        expect(etcdContainer("solo").lifecycle.preStop.exec.command[2]).toContain("  solo-0) set -- ;;");
        ({ dcs } = await build({}));
    });

    it("turns auth on from a Job once the members run: the root password on stdin from a Secret, never in arguments", async () => {
        const job = byName(JOB, "dcs-etcd-auth").inputs;
        expect(dependsOn(JOB, "dcs-etcd-auth")).toEqual(["dcs"]);
        expect(job.spec.template.spec.automountServiceAccountToken).toBe(false);
        expect(job.spec.template.spec.containers[0].image).toBe("pgscale/etcd:0.1.0");
        expect(JSON.stringify(job)).not.toMatch(/pw-/);
        expect(job.spec.template.spec.containers[0].command.join(" ")).toContain("sh /etc/pgscale/script.sh < /etc/pgscale/stdin");
        expect(fileOf("dcs-etcd-auth", "stdin")).toBe("pw-dcs-root-password\n");
        expect(fileOf("dcs-etcd-auth", "ca.crt")).toBe("CA dcs-tls");
        const script: string = fileOf("dcs-etcd-auth", "script.sh");
        expect(script).toContain("auth enable");
        // Against the members, verified with the CA the Job mounts.
        expect(script).toContain("etcdctl --endpoints=https://dcs-0.dcs-headless.locked.svc.cluster.local:2379,https://dcs-1.dcs-headless.locked.svc.cluster.local:2379,https://dcs-2.dcs-headless.locked.svc.cluster.local:2379 --cacert=/etc/pgscale/ca.crt");
        expect(await unwrap(dcs.rootPassword)).toBe("pw-dcs-root-password");
        expect(await unwrap(dcs.tlsCaPem)).toBe("CA dcs-tls");
        expect(dcs.ready).toEqual([dcs.authJob]);
    });

    it("gives each PatroniCluster its own etcd user, made before its members start, and Patroni the CA and credentials", () => {
        const job = byName(JOB, "dcs-pg-etcd-user").inputs;
        // After etcd auth is on, and after the NetworkPolicies that open its path to the etcd members.
        expect(dependsOn(JOB, "dcs-pg-etcd-user")).toEqual(["dcs-etcd-auth", "dcs-pg-members", "dcs-pg-to-etcd"]);
        expect(dependsOn(STS, "dcs-pg")).toContain("dcs-pg-etcd-user");
        expect(JSON.stringify(job)).not.toMatch(/pw-/);
        expect(fileOf("dcs-pg-etcd-user", "stdin")).toBe("pw-dcs-root-password\npw-dcs-pg-etcd-password\n");
        expect(fileOf("dcs-pg-etcd-user", "script.sh")).toContain("role grant-permission 'patroni-dcs-pg' readwrite '/service/dcs-pg/' --prefix");
        const doc = parse(fileOf("dcs-pg-patroni", "dcs-pg-1.yml"));
        expect(doc.etcd3).toEqual({
            hosts: [0, 1, 2].map((i) => `dcs-${i}.dcs-headless.locked.svc.cluster.local:2379`),
            protocol: "https", cacert: "/etc/patroni/etcd-ca.crt", username: "patroni-dcs-pg", password: "pw-dcs-pg-etcd-password",
        });
        expect(fileOf("dcs-pg-patroni", "etcd-ca.crt")).toBe("CA dcs-tls");
    });
});

describe("EtcdCluster on Kubernetes with the lock taken off", () => {
    it("tls false, auth false: plain http, no certificates, no Jobs but the DCS reconcile, Patroni without credentials", async () => {
        const { dcs } = await build({ tls: false, auth: false }, "open");
        const c = etcdContainer("open");
        expect(flag(c.command, "--listen-peer-urls")).toBe("http://0.0.0.0:2380");
        expect(c.command).not.toContain("--cert-file");
        expect(c.readinessProbe.httpGet.scheme).toBeUndefined();
        expect(c.volumeMounts.map((m: any) => m.name)).toEqual(["data", "tmp"]);
        expect(find(TLS, "open-tls")).toBeUndefined();
        expect(registered.filter((r) => r.type === JOB).map((r) => r.name)).toEqual(["open-pg-dcs-config"]);
        expect(parse(fileOf("open-pg-patroni", "open-pg-0.yml")).etcd3).toEqual({ hosts: dcs.clientEndpoints });
        expect(await unwrap(dcs.rootPassword)).toBeUndefined();
        expect(dcs.ready).toEqual([dcs.statefulSet]);
    });

    it("auth without tls: the Jobs dial plain http and mount no CA; Patroni gets its user", async () => {
        await build({ tls: false }, "plain");
        expect(fileOf("plain-etcd-auth", "script.sh")).toContain("etcdctl --endpoints=http://plain-0.plain-headless.locked.svc.cluster.local:2379,");
        expect(fileOf("plain-etcd-auth", "ca.crt")).toBeUndefined();
        const doc = parse(fileOf("plain-pg-patroni", "plain-pg-0.yml"));
        expect(doc.etcd3).toMatchObject({ username: "patroni-plain-pg", password: "pw-plain-pg-etcd-password" });
        expect(doc.etcd3.protocol).toBeUndefined();
    });

    it("tls without auth: no root, no user Jobs; Patroni verifies the members with the CA", async () => {
        await build({ auth: false }, "tlsonly");
        expect(registered.filter((r) => r.type === JOB).map((r) => r.name)).toEqual(["tlsonly-pg-dcs-config"]);
        const doc = parse(fileOf("tlsonly-pg-patroni", "tlsonly-pg-0.yml"));
        expect(doc.etcd3).toMatchObject({ protocol: "https", cacert: "/etc/patroni/etcd-ca.crt" });
        expect(doc.etcd3.username).toBeUndefined();
    });
});

describe("a running EtcdCluster's tls and auth", () => {
    it("are kept: a change is refused before the StatefulSet registers, so no member rolls to another scheme", () => {
        expect(() => keptEtcdSecurity("EtcdCluster dcs", { tls: false, auth: false }, { tls: true, auth: true }))
            .toThrow(/EtcdCluster dcs: tls and auth cannot change on a running cluster \(created with tls: false, auth: false\)/);
        expect(() => keptEtcdSecurity("EtcdCluster dcs", { tls: true, auth: true }, { tls: true, auth: false })).toThrow(/cannot change/);
        expect(keptEtcdSecurity("EtcdCluster dcs", { tls: true, auth: false }, { tls: true, auth: false })).toEqual({ tls: true, auth: false });
    });

    it("are recorded at creation, and the StatefulSet (not its pods) waits on the check", async () => {
        await build({}, "kept");
        expect(byName("pgscale:index:FirstValue", "kept-security").inputs.value).toEqual({ tls: true, auth: true });
        expect(byName(STS, "kept").inputs.metadata.annotations).toEqual({ "pgscale.io/etcd-security": "tls=true,auth=true" });
        // The pods carry only the CA's fingerprint (a new CA rolls them), not the security check.
        expect(Object.keys(byName(STS, "kept").inputs.spec.template.metadata.annotations)).toEqual(["pgscale.io/etcd-ca-sha256"]);
    });
});

describe("Patroni's REST API scheme on a running cluster", () => {
    it("keeps restApi.https as the cluster was created; a change is refused naming the field (a note from before counts as false)", () => {
        expect(() => keptRestApiHttps("PatroniCluster main", { restApiHttps: false }, true))
            .toThrow(/PatroniCluster main: restApi\.https is true, but the running members were created with restApi\.https false; .*Set `restApi: \{ https: false \}`/);
        expect(() => keptRestApiHttps("PatroniCluster main", {}, true)).toThrow(/created with restApi\.https false/);
        expect(() => keptRestApiHttps("PatroniCluster main", { restApiHttps: true }, false)).toThrow(/Set `restApi: \{ https: true \}`/);
        expect(keptRestApiHttps("PatroniCluster main", { restApiHttps: true }, true)).toBe(true);
        expect(keptRestApiHttps("PatroniCluster main", { restApiHttps: false }, false)).toBe(false);
        // No record to compare with (Pulumi's mocks, or a record older than notes): the program's value.
        expect(keptRestApiHttps("PatroniCluster main", undefined, true)).toBe(true);
    });

    it("records it in the bootstrap note at creation", async () => {
        const dcs = new EtcdCluster("rdcs", { namespace: "rest" });
        const pg = new PatroniCluster("rest", { dcs, nodes: 2 });
        await unwrap(pg.restApiCaPem);
        await settledCount(registered);
        expect(byName("pgscale:index:FirstValue", "rest-bootstrap-dcs").inputs.note).toEqual({ postgresVersion: 17, restApiHttps: true, postgresTls: true });
    });
});

describe("PostgreSQL's TLS on a running cluster", () => {
    it("keeps tls.enabled as the cluster was created; a change is refused naming the field (a note from before counts as false)", () => {
        expect(() => keptPostgresTls("PatroniCluster main", {}, true))
            .toThrow(/PatroniCluster main: tls\.enabled is true, but the running members were created with tls\.enabled false \(Kubernetes clusters had no PostgreSQL TLS before\); .*Set `tls: \{ enabled: false \}`/);
        expect(() => keptPostgresTls("PatroniCluster main", { postgresTls: true }, false)).toThrow(/Set `tls: \{ enabled: true \}`/);
        expect(keptPostgresTls("PatroniCluster main", { postgresTls: true }, true)).toBe(true);
        expect(keptPostgresTls("PatroniCluster main", {}, false)).toBe(false);
        expect(keptPostgresTls("PatroniCluster main", undefined, true)).toBe(true);
    });
});
