import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { settledCount } from "../../../test/support/bad-input";
import { isSecret, plain, recordKubernetesRegistrations } from "../../../test/support/kubernetes-mocks";
import { kubectlStandIn } from "../../../test/support/kubectl-stand-in";

// The Kubernetes RestoreDrill: its inputs as a construct graph, and its provider's drill through a
// kubectl stand-in on PATH (the drill pod's own steps are runDrillPod's, tested with
// `pgscale backup drill --pod` in packages/cli/src/backup/drill-pod.test.ts). test/e2e/kubernetes.test.ts
// runs the resource with the real kubectl against a real cluster and bucket.
const registered = recordKubernetesRegistrations();
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { PatroniCluster, RestoreDrill, restoreDrillPodHandlers } from "./index";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const S3 = { endpoint: "seaweed.db.svc.cluster.local:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: pulumi.secret("AKIDEXAMPLE"), secretAccessKey: pulumi.secret("s3-secret-key"), caPem: CA };

describe("RestoreDrill on Kubernetes: the construct graph", () => {
    it("drills the cluster's bucket in a pod shaped like the members', with the bucket, keys and passphrase as secrets, after the cluster is ready", async () => {
        const pg = new PatroniCluster("orders", { nodes: 2, namespace: "db", backup: { repository: { s3: S3 } }, resources: { limits: { memory: "1Gi" } } });
        new RestoreDrill("orders-drill", { cluster: pg, database: "app", check: "SELECT count(*) FROM orders", objectives: { rpoSeconds: 300 }, runOn: "create", context: "prod" });
        await settledCount(registered);
        const drill = registered.find((r) => r.name === "orders-drill")!;
        const i = drill.inputs;
        expect(i).toMatchObject({ subject: "RestoreDrill orders-drill", namespace: "db", context: "prod", stanza: "orders", target: "latest", database: "app", check: "SELECT count(*) FROM orders", objectives: { rpoSeconds: 300 }, trigger: "create" });
        expect(i.dataDir).toMatch(/^\/var\/lib\/postgresql\/data\//);
        // The members' pod template: their image, security contexts and resources; no volume, Secret or label of theirs.
        const sts = registered.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "orders")!.inputs;
        const patroni = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === "patroni");
        expect(i.member.metadata).toEqual({ name: "orders", namespace: "db" });
        expect(i.member.spec.securityContext).toEqual(sts.spec.template.spec.securityContext);
        expect(i.member.spec.containers).toEqual([{ name: "patroni", image: patroni.image, imagePullPolicy: patroni.imagePullPolicy, securityContext: patroni.securityContext, resources: { limits: { memory: "1Gi" } } }]);
        expect(JSON.stringify(i.member)).not.toMatch(/volume|secret|labels/i);
        for (const k of ["s3", "passphrase"]) expect([k, isSecret(i[k])]).toEqual([k, true]);
        expect(plain(i.s3)).toMatchObject({ endpoint: S3.endpoint, bucket: "pg-backups", accessKeyId: "AKIDEXAMPLE", secretAccessKey: "s3-secret-key", caPem: CA });
        expect(i.kubeconfig).toBeUndefined();
    });

    it("drills a volume repository through its claim, mounted read-only in the drill pod, with no bucket", async () => {
        const pg = new PatroniCluster("ledger", { nodes: 2, namespace: "db", backup: {}, backupStorage: { storageClassName: "nfs" } });
        new RestoreDrill("ledger-drill", { cluster: pg, runOn: "create" });
        await settledCount(registered);
        const i = registered.find((r) => r.name === "ledger-drill")!.inputs;
        expect([plain(i.claim), i.s3]).toEqual(["ledger-backup", undefined]);
    });
});

describe("RestoreDrill on Kubernetes: the drill", () => {
    const kubectl = kubectlStandIn("pgscale-k8s-drill-", `
if (a[0] === "create") fs.readFileSync(0);
else if (a[0] === "get") process.stdout.write(JSON.stringify({ status: mode === "stuck" ? { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ErrImagePull", message: "not found" } } }] } : { phase: "Running", containerStatuses: [{ state: { running: {} } }] } }));
else if (a[0] === "exec") {
    fs.readFileSync(0);
    const last = new Date(Date.now() - (mode === "old" ? 7200000 : 20000)).toISOString().replace("T", " ").replace("Z", "+00");
    process.stdout.write("PGSCALE-DRILL backup=20261206-060000F start=2026-12-06 06:00:00+00\\nPGSCALE-DRILL seconds=6.04\\nPGSCALE-DRILL last=" + last + "\\nPGSCALE-DRILL check=42\\n");
}`);
    const dir = kubectl.dir;
    const mode = path.join(dir, "mode");
    beforeAll(() => kubectl.install());
    afterAll(() => kubectl.uninstall());
    beforeEach(() => kubectl.reset());
    const calls = () => kubectl.calls();

    const inputs = (extra: object = {}) => ({
        subject: "RestoreDrill d", namespace: "db", stanza: "orders", passphrase: "PASSPHRASE", dataDir: "/var/lib/postgresql/data/pg17",
        member: { metadata: { name: "orders", namespace: "db" }, spec: { containers: [{ name: "patroni", image: "pgscale/patroni-17:1" }] } },
        s3: { endpoint: "seaweed.db.svc:8333", bucket: "b", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "KEY" } as any,
        target: "latest" as const, database: "app", check: "SELECT 42", objectives: {}, trigger: "create", ...extra,
    });

    it("restores in a pod of the cluster's namespace and gives the figures; a kubeconfig's contents go to a 0600 file, removed after", async () => {
        const kubeconfig = "apiVersion: v1\nkind: Config\ncurrent-context: lab\n";
        const out = await restoreDrillPodHandlers.run(inputs({ kubeconfig, context: "lab" }));
        expect(out).toMatchObject({ backupSet: "20261206-060000F", restoreSeconds: 6, checkResult: "42" });
        expect(out.lossWindowSeconds).toBeGreaterThanOrEqual(19);
        expect(calls().map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual(["lab db create", "lab db get", "lab db exec", "lab db delete"]);
        const seen = fs.readFileSync(path.join(dir, "kubeconfigs"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
        expect(seen.map((s) => [s.mode, s.content])).toEqual(Array(4).fill(["600", kubeconfig]));
        expect(fs.existsSync(seen[0].file)).toBe(false);
    });

    it("a kubeconfig path is passed as it is; a missed objective fails with the figures; a pod that cannot start names the resource", async () => {
        const file = path.join(dir, "config");
        fs.writeFileSync(file, "apiVersion: v1\n");
        fs.writeFileSync(mode, "old");
        await expect(restoreDrillPodHandlers.run(inputs({ kubeconfig: file, objectives: { rpoSeconds: 600 } })))
            .rejects.toThrow(/^RestoreDrill d: restored 20261206-060000F in 6 s, but objectives\.rpoSeconds: the newest restorable commit \(.*\) is 7\d{3} s old, over the objective of 600 s$/);
        expect(JSON.parse(fs.readFileSync(path.join(dir, "kubeconfigs"), "utf8").split("\n")[0]).file).toBe(file);
        expect(fs.existsSync(file)).toBe(true);
        fs.writeFileSync(mode, "stuck");
        await expect(restoreDrillPodHandlers.run(inputs())).rejects.toThrow(/^RestoreDrill d: the drill pod orders-drill-[0-9a-f]{6} did not start: ErrImagePull: not found$/);
        expect(calls().at(-1)).toMatch(/^ db delete pod$/);
    });
});
