import { parse } from "yaml";
import { settledCount } from "../../../test/support/bad-input";
import { plain, recordKubernetesRegistrations } from "../../../test/support/kubernetes-mocks";

// postgresVersion on Kubernetes, as a construct graph (test/e2e/kubernetes.test.ts runs 17, the default, for real).
// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
const registered = recordKubernetesRegistrations();
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { EtcdCluster, HAProxyFrontend, PatroniCluster } from "./index";

const byName = (type: string, name: string) => registered.find((r) => r.type === type && r.name === name)!;
const STS = "kubernetes:apps/v1:StatefulSet";
const SECRET = "kubernetes:core/v1:Secret";
const JOB = "kubernetes:batch/v1:Job";

async function cluster(name: string, args: object) {
    registered.splice(0);
    const pg = new PatroniCluster(name, { nodes: 2, ...args });
    await new Promise((resolve) => pg.primaryUri.apply(resolve));
    await settledCount(registered);
    const file = (member: string) => parse(plain(plain(byName(SECRET, `${name}-patroni`).inputs.stringData)[`${member}.yml`]));
    return { pg, sts: byName(STS, name).inputs, job: byName(JOB, `${name}-dcs-config`).inputs, file };
}

describe("postgresVersion on Kubernetes", () => {
    it("17 runs pgscale/patroni-17 with PGDATA in pg17 and 17's binaries, in the members and the reconcile Job", async () => {
        const { sts, job, file } = await cluster("v17", { postgresVersion: 17 });
        expect(sts.spec.template.spec.containers[0].image).toBe("pgscale/patroni-17:0.12.0");
        expect(job.spec.template.spec.containers[0].image).toBe("pgscale/patroni-17:0.12.0");
        expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsUser: 100, fsGroup: 102 });
        const doc = file("v17-0");
        expect(doc.postgresql.data_dir).toBe("/var/lib/postgresql/data/pg17");
        expect(doc.postgresql.bin_dir).toBe("/usr/lib/postgresql/17/bin");
        // Patroni 4 would label the leader `primary`: kept `master` so one Service selector serves both majors.
        expect(doc.kubernetes).toMatchObject({ role_label: "role", leader_label_value: "master", standby_leader_label_value: "master" });
        expect(byName("kubernetes:core/v1:Service", "v17-primary").inputs.spec.selector.role).toBe("master");
        expect(byName("pgscale:index:PostgresVersionGuard", "v17-postgres-version").inputs).toMatchObject({ version: 17, bootstrapVersion: 17 });
    });

    it("15 keeps the image, paths and labels of every cluster made before 17", async () => {
        const { sts, file } = await cluster("v15", { postgresVersion: 15 });
        expect(sts.spec.template.spec.containers[0].image).toBe("pgscale/patroni:0.1.0");
        const doc = file("v15-1");
        expect(doc.postgresql.data_dir).toBe("/var/lib/postgresql/data/pg15");
        expect(doc.postgresql.bin_dir).toBe("/usr/lib/postgresql/15/bin");
        expect(doc.kubernetes.leader_label_value).toBeUndefined();
    });

    it("17 with a registry pulls REGISTRY/patroni-17:TAG; on an etcd DCS the member files name no Kubernetes labels", async () => {
        const { sts } = await cluster("reg", { postgresVersion: 17, images: { registry: "registry.example.com/pgscale", tag: "0.1.0" } });
        expect(sts.spec.template.spec.containers[0].image).toBe("registry.example.com/pgscale/patroni-17:0.1.0");
        registered.splice(0);
        const dcs = new EtcdCluster("dcs", { members: 3 });
        const pg = new PatroniCluster("etcd17", { dcs, nodes: 2, postgresVersion: 17 });
        await new Promise((resolve) => pg.primaryUri.apply(resolve));
        await settledCount(registered);
        const doc = parse(plain(plain(byName(SECRET, "etcd17-patroni").inputs.stringData)["etcd17-0.yml"]));
        expect(doc.kubernetes).toBeUndefined();
        expect(doc.postgresql.data_dir).toBe("/var/lib/postgresql/data/pg17");
    });

    it("quorum commit: Patroni 4 gets synchronous_mode quorum, HAProxy's sync listener checks /quorum", async () => {
        const { pg, file } = await cluster("q17", { nodes: 3, postgresVersion: 17, patroni: { synchronousMode: "quorum" } });
        expect(file("q17-0").bootstrap.dcs).toMatchObject({ synchronous_mode: "quorum" });
        registered.splice(0);
        const lb = new HAProxyFrontend("q17-lb", { cluster: pg });
        await new Promise((resolve) => lb.primaryUri.apply(resolve));
        await settledCount(registered);
        const cfg: string = plain(byName("kubernetes:core/v1:ConfigMap", "q17-lb-haproxy").inputs.data)["haproxy.cfg"];
        expect(cfg).toMatch(/listen sync_replicas\n {4}bind \*:5002\n {4}balance roundrobin\n {4}option httpchk GET \/quorum\n/);
        expect(lb.syncReplicaUri).toBeDefined();
    });
});
