import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { settledCount } from "../../../test/support/bad-input";
import { plain, recordKubernetesRegistrations } from "../../../test/support/kubernetes-mocks";

// `backup` and `bootstrap.fromBackup` on Kubernetes as a construct graph (test/e2e/kubernetes.test.ts
// backs up into SeaweedFS and restores into a new cluster for real).
// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
const registered = recordKubernetesRegistrations();
jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { EtcdCluster, PatroniCluster } from "./index";

const byName = (type: string, name: string) => registered.find((r) => r.type === type && r.name === name)!;
const SECRET = "kubernetes:core/v1:Secret";
const S3 = {
    endpoint: "seaweed.db.svc.cluster.local:8333", bucket: "pg-backups", region: "us-east-1",
    accessKeyId: pulumi.secret("AKIDEXAMPLE"), secretAccessKey: pulumi.secret("s3-secret-key"), caPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
};

async function cluster(name: string, args: object) {
    registered.splice(0);
    const pg = new PatroniCluster(name, { nodes: 2, namespace: "db", ...args });
    await new Promise((resolve) => pg.primaryUri.apply(resolve));
    await settledCount(registered);
    const sts = byName("kubernetes:apps/v1:StatefulSet", name).inputs;
    const secret = (n: string) => byName(SECRET, n);
    const file = (n: string, key: string) => plain(plain(secret(n).inputs.stringData)[key]) as string;
    return { pg, sts, container: sts.spec.template.spec.containers[0], secret, file };
}

describe("backup on Kubernetes", () => {
    it("puts pgBackRest's configuration, keys and passphrase in a Secret (never in env or args), archives from the primary and starts the scheduler before Patroni", async () => {
        const { container, sts, secret, file } = await cluster("orders", { backup: { repository: { s3: S3 }, rpoSeconds: 30 } });
        const conf = file("orders-backup", "pgbackrest.conf");
        expect(conf).toContain("repo1-type=s3\nrepo1-path=/pgbackrest\nrepo1-s3-endpoint=seaweed.db.svc.cluster.local\nrepo1-storage-port=8333");
        expect(conf).toContain("repo1-s3-key-secret=s3-secret-key");
        expect(conf).toMatch(/repo1-cipher-pass=\S+/);
        expect(conf).toContain("repo1-storage-ca-file=/etc/pgbackrest/s3-ca.crt");
        // One file for every member: each member's certificate is copied to the same path at start.
        expect(conf).toContain("tls-server-cert-file=/var/run/postgresql/pgbackrest-server.crt");
        expect(JSON.parse(file("orders-backup", "backup.json"))).toMatchObject({ stanza: "orders", patroniUrl: "https://127.0.0.1:8008", patroniCaFile: "/etc/patroni/rest-ca.crt" });
        // A standby's backup presents the client certificate's copy, made with the key's (one pair through a CA rotation).
        expect(JSON.parse(file("orders-backup", "backup.json")).standbyOptions).toEqual(expect.arrayContaining([
            "--pg2-host-cert-file=/var/run/postgresql/pgbackrest-client.crt", "--pg2-host-key-file=/var/run/postgresql/pgbackrest-client.key",
        ]));
        expect(secret("orders-backup").inputs.metadata).toMatchObject({ name: "orders-backup", namespace: "db" });
        const podText = JSON.stringify({ command: container.command, args: container.args, env: container.env, labels: sts.template?.metadata, annotations: sts.spec.template.metadata });
        for (const secretValue of ["s3-secret-key", "AKIDEXAMPLE"]) expect(podText).not.toContain(secretValue);
        expect(container.command[2]).toMatch(/^install -m 0644 \/etc\/patroni\/\$POD_NAME\.crt .*install -m 0600 \/etc\/patroni\/\$POD_NAME\.key \/var\/run\/postgresql\/pgbackrest-server\.key && install -m 0644 \/etc\/pgbackrest\/client\.crt \/var\/run\/postgresql\/pgbackrest-client\.crt && install -m 0600 \/etc\/pgbackrest\/client\.key \/var\/run\/postgresql\/pgbackrest-client\.key && \{ python3 \/usr\/local\/bin\/pgscale-backup-scheduler \/etc\/pgscale\/backup\.json & \} && /);
        // The client's certificate and key are watched with the member's: a CA rotation issues them anew, and the key's copy follows.
        expect(container.command[2]).toMatch(/cat [^|]*\/etc\/pgbackrest\/client\.crt \/etc\/pgbackrest\/client\.key 2>\/dev\/null \| cksum/);
        // The certificate watcher refreshes the pgBackRest server's copies on a renewal, then Patroni starts.
        expect(container.command[2]).toMatch(/\{ install -m 0644 \/etc\/patroni\/\$POD_NAME\.crt \/var\/run\/postgresql\/pgbackrest-server\.crt; install -m 0600 \/etc\/patroni\/\$POD_NAME\.key \/var\/run\/postgresql\/pgbackrest-server\.key; install -m 0644 \/etc\/pgbackrest\/client\.crt \/var\/run\/postgresql\/pgbackrest-client\.crt; install -m 0600 \/etc\/pgbackrest\/client\.key \/var\/run\/postgresql\/pgbackrest-client\.key; kill -HUP 1; .* && exec patroni \/etc\/patroni\/\$POD_NAME\.yml$/);
        expect(container.env).toContainEqual({ name: "PGSCALE_PATRONI_CONFIG", value: "/etc/patroni/$(POD_NAME).yml" });
        const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m.name]));
        expect(mounts).toMatchObject({ "/etc/pgbackrest": "pgbackrest-config", "/etc/pgscale": "pgscale-config", "/var/spool/pgbackrest": "pgbackrest-spool", "/var/log/pgbackrest": "pgbackrest-log" });
        const volumes = Object.fromEntries(sts.spec.template.spec.volumes.map((v: any) => [v.name, v]));
        expect(volumes["pgbackrest-config"].secret.items.map((i: any) => i.path).sort()).toEqual(["client.crt", "client.key", "pgbackrest.conf", "s3-ca.crt"]);
        expect(volumes["pgscale-config"].secret.items.map((i: any) => i.path).sort()).toEqual(["backup.json", "replica-from-backup.sh"]);
        const dcs = plain(byName("pgscale:index:FirstValue", "orders-bootstrap-dcs").inputs.value) as any;
        expect(dcs.postgresql.parameters).toMatchObject({ archive_mode: "on", archive_command: "pgbackrest --stanza=orders archive-push %p", archive_timeout: "30s" });
        const yml = parse(file("orders-patroni", "orders-1.yml"));
        expect(yml.postgresql.create_replica_methods).toEqual(["pgbackrest", "basebackup"]);
    });

    it("lets the scheduler hold its lease in the Kubernetes DCS (two named Leases) and opens pgBackRest's port between members only", async () => {
        await cluster("orders", { backup: { repository: { s3: S3 } } });
        const rules = byName("kubernetes:rbac.authorization.k8s.io/v1:Role", "orders-patroni").inputs.rules;
        expect(rules).toEqual(expect.arrayContaining([
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
            { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["orders-pgscale-backup-lease", "orders-pgscale-backup-drill"], verbs: ["get", "update", "delete"] },
        ]));
        const ingress = byName("kubernetes:networking.k8s.io/v1:NetworkPolicy", "orders-members").inputs.spec.ingress;
        const own = ingress.find((r: any) => r.ports.some((p: any) => p.port === 8432));
        expect(own.ports.map((p: any) => p.port)).toEqual([5432, 8008, 8432]);
        // With an etcd DCS the lease is in etcd: no Lease rights.
        registered.splice(0);
        const dcs = new EtcdCluster("dcs", { namespace: "db", members: 3 });
        const pg = new PatroniCluster("pay", { dcs, nodes: 1, backup: { repository: { s3: S3 } } });
        await new Promise((resolve) => pg.primaryUri.apply(resolve));
        await settledCount(registered);
        expect(JSON.stringify(byName("kubernetes:rbac.authorization.k8s.io/v1:Role", "pay-patroni").inputs.rules)).not.toContain("leases");
    });

    it("with backup.drill, gives the scheduler the drill script (the member's own configuration, a scratch directory of its data volume) and the schedule", async () => {
        const { file, sts } = await cluster("orders", { backup: { repository: { s3: S3 }, drill: { schedule: "6h", database: "postgres", check: "SELECT 42", objectives: { restoreSeconds: 300 } } } });
        const script = file("orders-backup", "restore-drill.sh");
        expect(script).toContain("--config=/etc/pgbackrest/pgbackrest.conf --stanza=orders");
        expect(script).toContain("--pg1-path=/var/lib/postgresql/data/restore-drill");
        expect(JSON.parse(file("orders-backup", "backup.json")).drill).toEqual({
            everySeconds: 21600, script: "/etc/pgscale/restore-drill.sh", checkBase64: Buffer.from("SELECT 42").toString("base64"), objectives: { restoreSeconds: 300 },
        });
        const volumes = Object.fromEntries(sts.spec.template.spec.volumes.map((v: any) => [v.name, v]));
        expect(volumes["pgscale-config"].secret.items.map((i: any) => i.path).sort()).toEqual(["backup.json", "replica-from-backup.sh", "restore-drill.sh"]);
        // Without a drill, no script.
        const plainBackup = await cluster("plain", { backup: { repository: { s3: S3 } } });
        expect(Object.keys(plain(plainBackup.secret("plain-backup").inputs.stringData))).not.toContain("restore-drill.sh");
    });

    it("declares the scheduler's metrics port, opens it to metricsFrom beside Patroni's, and scrapes it in the PodMonitor as job backup", async () => {
        const { container } = await cluster("orders", { backup: { repository: { s3: S3 } }, monitoring: { podMonitor: true }, networkPolicy: { metricsFrom: [{ namespaceSelector: { matchLabels: { team: "scrapers" } } }] } });
        expect(container.ports).toEqual([{ name: "postgresql", containerPort: 5432 }, { name: "patroni", containerPort: 8008 }, { name: "backup-metrics", containerPort: 9854 }]);
        const ingress = byName("kubernetes:networking.k8s.io/v1:NetworkPolicy", "orders-members").inputs.spec.ingress;
        const metrics = ingress.find((r: any) => JSON.stringify(r.from).includes("scrapers"));
        expect(metrics.ports.map((p: any) => p.port)).toEqual([8008, 9854]);
        const endpoints = byName("kubernetes:monitoring.coreos.com/v1:PodMonitor", "orders-pod-monitor").inputs.spec.podMetricsEndpoints;
        expect(endpoints.map((e: any) => [e.port, e.relabelings[0].replacement])).toEqual([["patroni", "patroni"], ["backup-metrics", "backup"]]);
        expect(endpoints[1].relabelings).toContainEqual({ sourceLabels: ["__meta_kubernetes_pod_name"], targetLabel: "member" });
        // Without `backup`, no such port.
        const plainCluster = await cluster("plain", {});
        expect(plainCluster.container.ports.map((p: any) => p.name)).toEqual(["postgresql", "patroni"]);
    });

    it("restores a new cluster from the bucket through Patroni's custom bootstrap, with the owner's new password", async () => {
        const { container, file, sts } = await cluster("copy", {
            nodes: 1, owner: "app", database: "appdb",
            bootstrap: { fromBackup: { repository: { s3: S3 }, stanza: "orders", passphrase: pulumi.secret("pass-phrase"), target: "latest" } },
        });
        const yml = parse(file("copy-patroni", "copy-0.yml"));
        expect(yml.bootstrap.method).toBe("pgbackrest");
        expect(yml.bootstrap.pgbackrest).toEqual({ command: "/etc/pgscale/restore.sh", keep_existing_recovery_conf: true, no_params: true });
        expect(file("copy-backup", "restore.conf")).toContain("repo1-cipher-pass=pass-phrase");
        expect(file("copy-backup", "restore.conf")).toContain("repo1-storage-ca-file=/etc/pgscale/restore-s3-ca.crt");
        expect(file("copy-backup", "restore.sh")).toContain("--stanza=orders");
        expect(file("copy-patroni", "post-bootstrap.sh")).toContain("ALTER SYSTEM RESET ALL;");
        // No scheduler without `backup`: Patroni starts after the certificate watcher alone.
        expect(container.command[2]).not.toContain("pgscale-backup-scheduler");
        expect(container.command[2]).toMatch(/^\{ \(last=''; .* && exec patroni \/etc\/patroni\/\$POD_NAME\.yml$/);
        const volumes = Object.fromEntries(sts.spec.template.spec.volumes.map((v: any) => [v.name, v]));
        expect(volumes["pgbackrest-config"]).toBeUndefined();
        expect(volumes["pgscale-config"].secret.items.map((i: any) => i.path).sort()).toEqual(["restore-s3-ca.crt", "restore.conf", "restore.sh"]);
    });
    it("keeps a volume repository in a ReadWriteMany claim every member mounts, not awaited; pgBackRest writes it as a posix repository", async () => {
        const { sts, container, file, pg } = await cluster("orders", { backup: {}, backupStorage: { storageClassName: "nfs" } });
        const claim = registered.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim" && r.name === "orders-backup-repository")!;
        expect(claim.inputs).toMatchObject({
            metadata: { name: "orders-backup", namespace: "db", annotations: { "pulumi.com/skipAwait": "true" }, labels: { "app.kubernetes.io/component": "backup-repository" } },
            spec: { accessModes: ["ReadWriteMany"], storageClassName: "nfs", resources: { requests: { storage: "20Gi" } } },
        });
        expect(await new Promise((resolve) => pg.backupVolume.apply(resolve))).toBe("orders-backup");
        expect(file("orders-backup", "pgbackrest.conf")).toContain("repo1-path=/var/lib/pgbackrest\n");
        expect(file("orders-backup", "pgbackrest.conf")).not.toContain("repo1-type=s3");
        expect(container.volumeMounts).toContainEqual({ name: "pgbackrest-repository", mountPath: "/var/lib/pgbackrest" });
        expect(sts.spec.template.spec.volumes).toContainEqual({ name: "pgbackrest-repository", persistentVolumeClaim: { claimName: "orders-backup" } });
        // A named claim and its size.
        await cluster("named", { backup: { repository: { volume: "named-repo" } }, backupStorage: { storageClassName: "nfs", size: "50Gi" } });
        expect(registered.find((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim")!.inputs).toMatchObject({ metadata: { name: "named-repo" }, spec: { resources: { requests: { storage: "50Gi" } } } });
    });

    it("restores a new cluster from a repository claim mounted read-only where the restore reads its source", async () => {
        const { container, file, sts } = await cluster("copy", {
            nodes: 1, bootstrap: { fromBackup: { repository: { volume: "orders-backup" }, stanza: "orders", passphrase: pulumi.secret("pass-phrase") } },
        });
        expect(file("copy-backup", "restore.conf")).toContain("repo1-path=/var/lib/pgbackrest-source\n");
        expect(container.volumeMounts).toContainEqual({ name: "pgbackrest-source", mountPath: "/var/lib/pgbackrest-source", readOnly: true });
        expect(sts.spec.template.spec.volumes).toContainEqual({ name: "pgbackrest-source", persistentVolumeClaim: { claimName: "orders-backup", readOnly: true } });
        // The source check's throwaway pod mounts the claim too (not the bucket).
        const check = plain(registered.find((r) => r.name === "copy-restore-check")!.inputs) as any;
        expect([check.claim, check.s3]).toEqual(["orders-backup", undefined]);
        expect(registered.some((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim")).toBe(false);
    });
});
