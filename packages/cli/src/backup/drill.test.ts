import { backupSpec, renderPgBackRestConf, restoreDrillSpec, schedulerConfig } from "@pgscale/core";
import { drillMember } from "./drill";
import { ContainerExec, ExecResult } from "./members";

// What `pgscale backup drill` reads off a member and hands to the drill: scripted engine answers
// (the member's files as the cluster rendered them). The drill itself runs in test/e2e/backup*.test.ts.
const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: "" });
const CA = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n";
const base = { stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", socketDir: "/var/run/postgresql", pgPort: 5432, tls: { certFile: "/etc/patroni/tls/server.crt", keyFile: "/var/run/postgresql/server.key", caFile: "/etc/patroni/tls/ca.crt" }, cipherPass: "pass" };
const S3 = { endpoint: "seaweed:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "SK/x", caPem: CA };

function member(conf: string, mounts: Array<{ Type: string; Name: string; Destination: string }>) {
    const runs: Array<Record<string, unknown>> = [];
    const docker = {
        dockerEngine: () => ({ getContainer: () => ({ inspect: async () => ({ Image: "sha256:img", Mounts: mounts, NetworkSettings: { Networks: { "stack-net": {} } } }) }) }),
        restoreDrillHandlers: {
            run: async (i: Record<string, unknown>) => {
                runs.push(i);
                return { backupSet: "20261205-000000F", restoreSeconds: 3, restorablePoint: new Date().toISOString(), checkResult: "1", ranAt: new Date().toISOString() };
            },
        },
    };
    const exec: ContainerExec = async (_container, cmd) => {
        const line = cmd.join(" ");
        if (line === "cat /etc/pgbackrest/pgbackrest.conf") return ok(conf);
        if (line === "cat /etc/pgbackrest/s3-ca.crt") return ok(CA);
        if (cmd[0] === "python3") return ok(`${base.dataDir}\n`);
        throw new Error(`unexpected command: ${line}`);
    };
    return { docker, exec, runs };
}

describe("pgscale backup drill reads the repository off the member", () => {
    const spec = restoreDrillSpec.parse({});
    const config = schedulerConfig("pg", backupSpec.parse({}), 8008);

    it("an S3 repository: the bucket, its keys and CA from the member's files, on the member's network, no volume", async () => {
        const conf = renderPgBackRestConf({ ...base, backup: backupSpec.parse({ repository: { s3: S3 } }), s3Keys: { accessKeyId: "AKID", secretAccessKey: "SK/x" } });
        const m = member(conf, []);
        await drillMember(m.docker, m.exec, { container: "pg-0", config }, "pg", spec);
        expect(m.runs).toHaveLength(1);
        expect(m.runs[0]).toMatchObject({
            image: "sha256:img", stanza: "pg", passphrase: "pass", network: "stack-net", dataDir: base.dataDir,
            s3: { endpoint: "seaweed:8333", bucket: "pg-backups", region: "us-east-1", uriStyle: "path", verifyTls: true, path: "/pgbackrest", accessKeyId: "AKID", secretAccessKey: "SK/x", caPem: CA },
        });
        expect(m.runs[0].volume).toBeUndefined();
    });

    it("a volume repository: the member's volume, no network, no S3", async () => {
        const m = member(renderPgBackRestConf({ ...base, backup: backupSpec.parse({}) }), [{ Type: "volume", Name: "pg-backup", Destination: "/var/lib/pgbackrest" }]);
        await drillMember(m.docker, m.exec, { container: "pg-0", config }, "pg", spec);
        expect(m.runs[0]).toMatchObject({ volume: "pg-backup", passphrase: "pass" });
        expect(m.runs[0].s3).toBeUndefined();
        expect(m.runs[0].network).toBeUndefined();
    });
});
