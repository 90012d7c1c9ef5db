import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { settledCount } from "../../../test/support/bad-input";
import { isSecret, plain, recordKubernetesRegistrations } from "../../../test/support/kubernetes-mocks";
import { kubectlStandIn } from "../../../test/support/kubectl-stand-in";

// A Kubernetes restore's source check: its inputs as a construct graph, and its provider through a
// kubectl stand-in on PATH that answers `pgbackrest info` with pgBackRest 2.55.1's own JSON (the
// pod's steps are withThrowawayPod's, shared with RestoreDrill). test/e2e/kubernetes.test.ts runs
// it with the real kubectl against a real cluster and bucket, and a target it refuses.
const registered = recordKubernetesRegistrations();
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { RESTORE_FAILED_MARK } from "@pgscale/core";
import { PatroniCluster, restoreCheckPodHandlers } from "./index";

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "../../core/src/backup/fixtures", name), "utf8");
const INFO = fixture("pgbackrest-info-full-diff-incr.json");
// A member's log after a failed attempt: pgBackRest 2.55.1's output, then the restore script's mark.
const FAILED_LOG = fixture("pgbackrest-restore-empty-repository.log") + "pgscale-restore: the restore failed (pgBackRest exit 75)\n";
const S3 = { endpoint: "seaweed.db.svc.cluster.local:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: pulumi.secret("AKIDEXAMPLE"), secretAccessKey: pulumi.secret("s3-secret-key") };

describe("a Kubernetes restore's source check: the construct graph", () => {
    it("reads the source bucket in a pod shaped like the members' to be, with the bucket, keys and passphrase as secrets", async () => {
        new PatroniCluster("restored", {
            nodes: 2, namespace: "db", resources: { limits: { memory: "1Gi" } }, context: "prod",
            bootstrap: { fromBackup: { repository: { s3: S3 }, stanza: "orders", passphrase: pulumi.secret("PASSPHRASE"), target: { time: "2026-12-06T10:00:00Z" } } },
        });
        await settledCount(registered);
        const i = registered.find((r) => r.name === "restored-restore-check")!.inputs;
        expect(i).toMatchObject({ subject: "PatroniCluster restored", namespace: "db", context: "prod", stanza: "orders", target: { time: "2026-12-06T10:00:00Z" } });
        // The members' pod template, as the StatefulSet has it: image, security contexts, resources; no volume, Secret or label.
        const sts = registered.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === "restored")!.inputs;
        const patroni = sts.spec.template.spec.containers.find((c: { name: string }) => c.name === "patroni");
        expect(i.member.metadata).toEqual({ name: "restored", namespace: "db" });
        expect(i.member.spec.securityContext).toEqual(sts.spec.template.spec.securityContext);
        expect(i.member.spec.containers).toEqual([{ name: "patroni", image: patroni.image, imagePullPolicy: patroni.imagePullPolicy, securityContext: patroni.securityContext, resources: { limits: { memory: "1Gi" } } }]);
        expect(JSON.stringify(i.member)).not.toMatch(/volume|secret|labels/i);
        for (const k of ["s3", "passphrase"]) expect([k, isSecret(i[k])]).toEqual([k, true]);
        expect(plain(i.s3)).toMatchObject({ endpoint: S3.endpoint, accessKeyId: "AKIDEXAMPLE", secretAccessKey: "s3-secret-key" });
    });

    it("is not there for a cluster that does not restore", async () => {
        new PatroniCluster("fresh", { nodes: 1, namespace: "db" });
        await settledCount(registered);
        expect(registered.filter((r) => r.name.startsWith("fresh-restore"))).toEqual([]);
    });
});

describe("a Kubernetes restore's source check: the check", () => {
    // `exec` answers as pgBackRest would; `get` and `logs` as a member restoring, ready, or failed.
    const kubectl = kubectlStandIn("pgscale-k8s-check-", `
if (a[0] === "create") fs.appendFileSync(p.join(dir, "manifests"), fs.readFileSync(0, "utf8") + "\\n");
else if (a[0] === "get") process.stdout.write(JSON.stringify({ status: { phase: "Running", containerStatuses: [{ name: "patroni", ready: mode === "ready", restartCount: mode === "failed" ? 1 : 0, state: { running: {} } }] } }));
else if (a[0] === "logs") {
    // The failed attempt is the previous container's; the running one is trying again.
    process.stdout.write(mode === "failed" && a.includes("--previous") ? ${JSON.stringify(FAILED_LOG)} : "2026-12-06 15:00:00,000 INFO: trying to bootstrap a new cluster\\n");
}
else if (a[0] === "exec") {
    fs.appendFileSync(p.join(dir, "stdin"), fs.readFileSync(0, "utf8"));
    fs.appendFileSync(p.join(dir, "script"), a.join(" "));
    if (mode === "unreachable") { process.stderr.write("2026-12-06 15:00:00.000 P00  ERROR: [049]: unable to get address for 'nowhere.invalid': [-2] Name or service not known\\ncommand terminated with exit code 49\\n"); process.exit(1); }
    process.stdout.write(${JSON.stringify(INFO)});
}`);
    beforeAll(() => kubectl.install());
    afterAll(() => kubectl.uninstall());
    beforeEach(() => kubectl.reset(["manifests", "stdin", "script"]));
    const read = (f: string) => kubectl.read(f);

    const inputs = (extra: object = {}) => ({
        subject: "PatroniCluster restored", namespace: "db", context: "lab", stanza: "pg-main", passphrase: "PASSPHRASE", dataDir: "/var/lib/postgresql/data/pg17",
        member: { metadata: { name: "restored", namespace: "db" }, spec: { containers: [{ name: "patroni", image: "pgscale/patroni-17:1" }] } },
        s3: { endpoint: "seaweed.db.svc:8333", bucket: "b", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "KEY" } as any,
        target: "latest" as const, ...extra,
    });

    it("passes a target the bucket can reach, in a restore-check pod of the namespace that is deleted after; secrets only on stdin", async () => {
        await restoreCheckPodHandlers.check(inputs({ target: { time: "2026-12-04T05:17:58Z" } }));
        expect(read("calls.log").trim().split("\n").map((l) => l.split(" ").slice(0, 3).join(" "))).toEqual(["lab db create", "lab db get", "lab db exec", "lab db delete"]);
        const manifest = JSON.parse(read("manifests"));
        expect(manifest.metadata.name).toMatch(/^restored-restore-check-[0-9a-f]{6}$/);
        expect(manifest.metadata.labels["app.kubernetes.io/component"]).toBe("restore-check");
        expect(read("script")).toMatch(/pgbackrest --config=\/etc\/pgscale\/pgbackrest.conf --stanza='pg-main' --output=json info/);
        expect(read("stdin")).toMatch(/repo1-cipher-pass=PASSPHRASE/);
        expect(read("manifests") + read("script")).not.toMatch(/PASSPHRASE|AKID|KEY/);
    });

    it("refuses a target time before the oldest backup, and a bucket pgBackRest cannot reach, naming the field", async () => {
        await expect(restoreCheckPodHandlers.check(inputs({ target: { time: "2026-12-04T05:00:00Z" } })))
            .rejects.toThrow(/^PatroniCluster restored: invalid input\n  - bootstrap\.fromBackup\.target\.time: is before the oldest backup \(20261204-051755F/);
        kubectl.setMode("unreachable");
        await expect(restoreCheckPodHandlers.check(inputs()))
            .rejects.toThrow(/^PatroniCluster restored: invalid input\n  - bootstrap\.fromBackup\.repository: pgBackRest cannot read the source repository: ERROR: \[049\]: unable to get address for 'nowhere\.invalid'/);
        expect(read("calls.log").trim().split("\n").at(-1)).toMatch(/^lab db delete pod$/);
    });

    const watch = { subject: "PatroniCluster restored", namespace: "db", context: "lab", pods: ["restored-0", "restored-1"], timeoutSeconds: 30 };
    it("watches the members until one is ready", async () => {
        kubectl.setMode("ready");
        await restoreCheckPodHandlers.watch(watch);
        expect(read("calls.log").trim().split("\n")).toEqual(["lab db get pod"]);
    });

    it("fails at a member's first failed attempt with pgBackRest's message and the field it points to", async () => {
        expect(FAILED_LOG).toContain(RESTORE_FAILED_MARK);
        kubectl.setMode("failed");
        await expect(restoreCheckPodHandlers.watch(watch)).rejects.toThrow(
            /^PatroniCluster restored: the restore from the backup failed on restored-0: bootstrap\.fromBackup\.stanza: WARN: repo1: \[FileMissingError\].*ERROR: \[075\]: no backup set found to restore \(the member's log: kubectl logs restored-0 -c patroni;/);
    });

    it("gives up at its deadline, naming where to look", async () => {
        await expect(restoreCheckPodHandlers.watch({ ...watch, timeoutSeconds: 0 })).rejects.toThrow("PatroniCluster restored: no restored primary after 0 s (kubectl logs restored-0 -c patroni)");
    });
});
