import { parseSchedulerConfig, repositoryPassphrase, s3RepositoryOfConf } from "./member";
import { renderPgBackRestConf, schedulerConfig } from "./render";
import { backupSpec } from "./spec";

describe("parseSchedulerConfig", () => {
    it("reads what schedulerConfig renders into backup.json", () => {
        const cfg = schedulerConfig("pg-main", backupSpec.parse({ schedule: { full: "7d", incr: "1h" }, drill: { schedule: "6h", objectives: { restoreSeconds: 60 } } }), 8008,
            "/etc/patroni/tls/ca.crt", { dataDir: "/var/lib/postgresql/data/pg17", pgPort: 5432, caFile: "/etc/patroni/tls/ca.crt", certFile: "/etc/patroni/tls/server.crt" });
        expect(parseSchedulerConfig(JSON.stringify(cfg, null, 2), "pg-0:/etc/pgscale/backup.json")).toEqual(cfg);
    });

    it("names the file and each bad field", () => {
        expect(() => parseSchedulerConfig("{}", "pg-0:/etc/pgscale/backup.json")).toThrow(/^pg-0:\/etc\/pgscale\/backup\.json: invalid input\n {2}- stanza: .*\n {2}- intervals: /);
        expect(() => parseSchedulerConfig("cat: no such file", "pg-0:/etc/pgscale/backup.json")).toThrow("pg-0:/etc/pgscale/backup.json: not JSON: cat: no such file");
    });
});

describe("repositoryPassphrase", () => {
    it("reads repo1-cipher-pass from the conf pgscale renders, and nothing from an unencrypted one", () => {
        const backup = backupSpec.parse({});
        const base = { stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", socketDir: "/var/run/postgresql", pgPort: 5432, tls: { certFile: "/etc/patroni/tls/server.crt", keyFile: "/var/run/postgresql/server.key", caFile: "/etc/patroni/tls/ca.crt" } };
        expect(repositoryPassphrase(renderPgBackRestConf({ ...base, backup, cipherPass: "a=b c" }))).toBe("a=b c");
        expect(repositoryPassphrase(renderPgBackRestConf({ ...base, backup: { ...backup, encrypt: false } }))).toBeUndefined();
    });
});

describe("s3RepositoryOfConf", () => {
    const base = { stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", socketDir: "/var/run/postgresql", pgPort: 5432, tls: { certFile: "/etc/patroni/tls/server.crt", keyFile: "/var/run/postgresql/server.key", caFile: "/etc/patroni/tls/ca.crt" } };
    const s3 = { endpoint: "seaweed:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "sk/x+y", caPem: "-----BEGIN CERTIFICATE-----\nx" };

    it("reads back the bucket, keys and CA file renderPgBackRestConf wrote, and nothing from a posix repository", () => {
        const backup = backupSpec.parse({ repository: { s3 } });
        const conf = renderPgBackRestConf({ ...base, backup, cipherPass: "p", s3Keys: { accessKeyId: "AKID", secretAccessKey: "sk/x+y" } });
        const read = s3RepositoryOfConf(conf, "pg-0:/etc/pgbackrest/pgbackrest.conf")!;
        const { caPem: _, ...expected } = backup.repository.s3!;
        expect(read).toEqual({ location: { spec: expected, keys: { accessKeyId: "AKID", secretAccessKey: "sk/x+y" } }, caFile: "/etc/pgbackrest/s3-ca.crt" });
        expect(s3RepositoryOfConf(renderPgBackRestConf({ ...base, backup: backupSpec.parse({}), cipherPass: "p" }), "x")).toBeUndefined();
    });

    it("names the file and what is missing", () => {
        expect(() => s3RepositoryOfConf("[global]\nrepo1-type=s3\nrepo1-s3-endpoint=x\n", "pg-0:/etc/pgbackrest/pgbackrest.conf"))
            .toThrow("pg-0:/etc/pgbackrest/pgbackrest.conf: an S3 repository without repo1-s3-bucket");
    });
});
