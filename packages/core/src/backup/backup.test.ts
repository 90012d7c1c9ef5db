import {
    archiveParameters, backupSpec, durationSeconds, fromBackupSpec, pgBackRestTime, renderPgBackRestConf, renderPostRestore, renderRestoreConf,
    renderReplicaFromBackupScript, renderRestoreScript, restoreTargetOptions, schedulerConfig,
} from ".";
import { resolvePatroniCluster } from "../cluster/resolve";

const messages = (input: unknown) => {
    const res = backupSpec.safeParse(input);
    return res.success ? [] : res.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("backup spec", () => {
    it("defaults: a full backup a day, two kept, WAL archived at least every minute, two pgBackRest processes, a look every 15 s, encrypted", () => {
        expect(backupSpec.parse({})).toEqual({
            repository: {}, schedule: { full: "24h" }, retention: { full: 2 }, rpoSeconds: 60, processes: 2, checkSeconds: 15, encrypt: true, removalPolicy: "retain",
        });
    });

    it("parses durations, and names the field of one that does not parse or is under a minute", () => {
        expect(durationSeconds("90s")).toBe(90);
        expect(durationSeconds("30m")).toBe(1800);
        expect(durationSeconds("7d")).toBe(604800);
        expect(durationSeconds("1.5h")).toBeUndefined();
        expect(messages({ schedule: { full: "daily" } })).toEqual([expect.stringMatching(/^schedule\.full: must be a duration of at least 1 minute/)]);
        expect(messages({ schedule: { full: "24h", incr: "30s" } })).toEqual([expect.stringMatching(/^schedule\.incr: must be a duration/)]);
    });

    it("refuses retention 0, a misspelt option and a volume name the engine would refuse", () => {
        expect(messages({ retention: { full: 0 } })).toEqual([expect.stringMatching(/^retention\.full: must be at least 1: the last full backup/)]);
        expect(messages({ retentoin: {} })).toHaveLength(1);
        expect(messages({ repository: { volume: "a b" } })).toEqual([expect.stringMatching(/^repository\.volume: must be a volume name/)]);
    });

    it("keeps the repository on removal unless asked; never deletes from a bucket", () => {
        expect(backupSpec.parse({ removalPolicy: "destroy" }).removalPolicy).toBe("destroy");
        expect(messages({ removalPolicy: "drop" })).toEqual([expect.stringMatching(/^removalPolicy: /)]);
        const s3 = { endpoint: "s3.example:9000", bucket: "pg-backups", region: "r", accessKeyId: "a", secretAccessKey: "s" };
        expect(messages({ repository: { s3 }, removalPolicy: "destroy" })).toEqual([expect.stringMatching(/^removalPolicy: must be "retain" with `repository\.s3`: pgscale never deletes a bucket's contents/)]);
        expect(messages({ repository: { s3 } })).toEqual([]);
    });
});

describe("PatroniCluster with backup", () => {
    it("refuses archive settings in parameters, naming them, and the 15 image that has no pgBackRest", () => {
        expect(() => resolvePatroniCluster({ backup: {}, parameters: { archive_command: "/bin/true", archive_timeout: "5min" } }, "PatroniCluster pg"))
            .toThrow(/parameters\.archive_command: is set by `backup`[^]*parameters\.archive_timeout: is set by `backup`/);
        expect(() => resolvePatroniCluster({ backup: {}, postgresVersion: 15 }, "PatroniCluster pg")).toThrow(/backup: needs postgresVersion: 17/);
        expect(resolvePatroniCluster({ backup: { rpoSeconds: 30 } }, "PatroniCluster pg").spec.backup?.rpoSeconds).toBe(30);
        // A drill schedule that does not parse is named from the cluster's props, before anything exists.
        expect(() => resolvePatroniCluster({ backup: { drill: { schedule: "nightly" } } }, "PatroniCluster pg"))
            .toThrow(/PatroniCluster pg: invalid input[^]*backup\.drill\.schedule: must be a duration of at least 1 minute/);
        // Without backup, archive settings stay the user's.
        expect(resolvePatroniCluster({ parameters: { archive_timeout: "5min" } }, "PatroniCluster pg").parameters.archive_timeout).toBe("5min");
    });
});

describe("pgBackRest configuration", () => {
    const backup = backupSpec.parse({ retention: { full: 3, diff: 4 }, rpoSeconds: 20 });
    const base = { stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", socketDir: "/var/run/postgresql", pgPort: 5432, tls: { certFile: "/etc/patroni/tls/server.crt", keyFile: "/var/run/postgresql/server.key", caFile: "/etc/patroni/tls/ca.crt" }, backup };

    it("renders the repository, retention, encryption and the stanza's data directory", () => {
        const conf = renderPgBackRestConf({ ...base, cipherPass: "s3cret-pass" });
        expect(conf.split("\n")).toEqual(expect.arrayContaining([
            "[global]", "repo1-path=/var/lib/pgbackrest", "repo1-retention-full=3", "repo1-retention-diff=4",
            "repo1-cipher-type=aes-256-cbc", "repo1-cipher-pass=s3cret-pass", "archive-async=y", "start-fast=y", "compress-type=zst", "compress-level=1", "repo1-bundle=y", "process-max=2",
            "[pg]", "pg1-path=/var/lib/postgresql/data/pg17", "pg1-socket-path=/var/run/postgresql", "pg1-port=5432",
        ]));
        const plain = renderPgBackRestConf({ ...base, backup: { ...backup, encrypt: false } });
        expect(plain).not.toMatch(/cipher/);
        expect(renderPgBackRestConf({ ...base, cipherPass: "p", backup: backupSpec.parse({ processes: 4 }) })).toMatch(/^process-max=4$/m);
        expect(() => backupSpec.parse({ processes: 0 })).toThrow(/must be at least 1/);
    });

    it("serves pgBackRest's protocol over mutual TLS to the cluster's client certificate, and logs where each backed-up file came from", () => {
        const lines = renderPgBackRestConf({ ...base, cipherPass: "p" }).split("\n");
        expect(lines).toEqual(expect.arrayContaining([
            "tls-server-address=*", "tls-server-port=8432", "tls-server-cert-file=/etc/patroni/tls/server.crt",
            "tls-server-key-file=/var/run/postgresql/server.key", "tls-server-ca-file=/etc/patroni/tls/ca.crt", "tls-server-auth=pgbackrest=pg",
        ]));
        // Detail logging for backups only, in a section of its own before the stanza's.
        expect(lines.slice(lines.indexOf("[global:backup]"), lines.indexOf("[pg]"))).toEqual(["[global:backup]", "log-level-file=detail", ""]);
    });

    it("refuses to render an encrypted repository without a passphrase, or a passphrase that would break the file", () => {
        expect(() => renderPgBackRestConf(base)).toThrow(/needs cipherPass/);
        expect(() => renderPgBackRestConf({ ...base, cipherPass: "a\nrepo1-path=/tmp" })).toThrow(/single line/);
    });

    it("archives into the stanza, switching segments at least every rpoSeconds", () => {
        expect(archiveParameters("pg", backup)).toEqual({
            archive_mode: "on", archive_command: "pgbackrest --stanza=pg archive-push %p", archive_timeout: "20s",
        });
    });

    it("gives the scheduler each kind's interval in seconds, and only the kinds that are on", () => {
        expect(schedulerConfig("pg", backupSpec.parse({ schedule: { full: "7d", incr: "1h" } }), 8008)).toEqual({
            stanza: "pg", intervals: { full: 604800, incr: 3600 }, patroniUrl: "http://127.0.0.1:8008", checkSeconds: 15,
            statusFile: "/tmp/pgscale-backup-status.json", metricsPort: 9854,
        });
    });

    it("gives the scheduler its checkSeconds, and names one that is not a whole number of seconds from 1 to 3600", () => {
        expect(schedulerConfig("pg", backupSpec.parse({ checkSeconds: 2 }), 8008).checkSeconds).toBe(2);
        expect(messages({ checkSeconds: 0 })).toEqual(["checkSeconds: must be at least 1"]);
        expect(messages({ checkSeconds: 3601 })).toEqual(["checkSeconds: must be at most 3600"]);
        expect(messages({ checkSeconds: 1.5 })).toEqual([expect.stringMatching(/^checkSeconds: /)]);
    });

    it("gives the scheduler the options that reach the primary from a standby, and the scheduled drill", () => {
        const cfg = schedulerConfig("pg", backupSpec.parse({ drill: { schedule: "6h", check: "SELECT 1", objectives: { rpoSeconds: 120 } } }), 8008, "/ca.crt",
            { dataDir: "/var/lib/postgresql/data/pg17", pgPort: 5432, caFile: "/ca.crt", certFile: "/server.crt" });
        expect(cfg.serverCertFile).toBe("/server.crt");
        expect(cfg.standbyOptions).toEqual([
            "--pg2-host-type=tls", "--pg2-host-port=8432", "--pg2-host-ca-file=/ca.crt", "--pg2-host-cert-file=/etc/pgbackrest/client.crt",
            "--pg2-host-key-file=/var/run/postgresql/pgbackrest-client.key", "--pg2-path=/var/lib/postgresql/data/pg17", "--pg2-port=5432", "--pg2-socket-path=/var/run/postgresql",
        ]);
        expect(cfg.drill).toEqual({ everySeconds: 21600, script: "/etc/pgscale/restore-drill.sh", checkBase64: Buffer.from("SELECT 1").toString("base64"), objectives: { rpoSeconds: 120 } });
    });

    it("takes a drill schedule with the drill's defaults, and names a bad one", () => {
        expect(backupSpec.parse({ drill: { schedule: "1h" } }).drill).toEqual({ schedule: "1h", database: "postgres", check: "SELECT 1", objectives: {} });
        expect(backupSpec.parse({}).drill).toBeUndefined();
        const bad = (drill: unknown) => backupSpec.safeParse({ drill }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        expect(bad({ schedule: "every day" })).toEqual([expect.stringMatching(/^drill\.schedule: must be a duration of at least 1 minute/)]);
        expect(bad({ schedule: "30s" })).toEqual([expect.stringMatching(/^drill\.schedule: must be a duration of at least 1 minute/)]);
        expect(bad({})).toEqual([expect.stringMatching(/^drill\.schedule: /)]);
        expect(bad({ schedule: "1h", objectives: { restoreSeconds: 0 } })).toEqual([expect.stringMatching(/^drill\.objectives\.restoreSeconds: /)]);
        expect(bad({ schedule: "1h", database: "App" })).toEqual(["drill.database: must be a lower-case PostgreSQL identifier"]);
        expect(bad({ schedule: "1h", target: "latest" })).toEqual([expect.stringMatching(/^drill: Unrecognized key/)]);
    });
});

describe("restore from a backup", () => {
    const from = (o: Record<string, unknown> = {}) => fromBackupSpec.safeParse({ repository: { volume: "pg-backup" }, stanza: "pg", ...o });

    it("takes latest by default, a time with a zone, an LSN or a restore point, and names a bad target", () => {
        expect(from().data?.target).toBe("latest");
        expect(from({ target: { time: "2026-12-03T21:05:00.123456Z" } }).success).toBe(true);
        expect(from({ target: { lsn: "0/3000060" } }).success).toBe(true);
        expect(from({ target: { name: "before-migration" } }).success).toBe(true);
        const bad = (target: unknown) => from({ target }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
        expect(bad({ time: "2026-12-03 21:05:00" })).toMatch(/with a zone/);
        expect(bad({ time: "2999-01-01T00:00:00Z" })).toMatch(/is in the future/);
        expect(bad("yesterday")).toMatch(/target/);
        expect(from({ stanza: "Bad Stanza" }).success).toBe(false);
    });

    it("takes the volume and passphrase as Pulumi outputs (objects), checked later", () => {
        expect(from({ repository: { volume: { apply: () => undefined } }, passphrase: { apply: () => undefined } }).success).toBe(true);
        expect(from({ repository: { volume: "" } }).success).toBe(false);
    });

    it("gives pgBackRest its own time format, and promotes at the target", () => {
        expect(pgBackRestTime("2026-12-03T21:05:00.123456Z")).toBe("2026-12-03 21:05:00.123456+00");
        expect(pgBackRestTime("2026-12-03T22:05:00+01:00")).toBe("2026-12-03 22:05:00+01:00");
        expect(restoreTargetOptions("latest")).toEqual([]);
        expect(restoreTargetOptions({ time: "2026-12-03T21:05:00Z" })).toEqual(["--type=time", "--target=2026-12-03 21:05:00+00", "--target-action=promote"]);
        expect(restoreTargetOptions({ lsn: "0/3000060" })).toEqual(["--type=lsn", "--target=0/3000060", "--target-action=promote"]);
        expect(renderRestoreScript("pg", { name: "it's" })).toContain(`--stanza=pg '--type=name' '--target=it'\\''s' '--target-action=promote' restore 2>&1 && exit 0`);
        expect(renderRestoreScript("pg", "latest")).toContain("\npgbackrest --config=/etc/pgscale/restore.conf --stanza=pg restore 2>&1 && exit 0\nrc=$?\necho \"pgscale-restore: the restore failed (pgBackRest exit $rc)\"\nexit $rc\n");
    });

    it("reads the source read-only path, and gives the restored owner this cluster's password, creating only what is missing", () => {
        const conf = renderRestoreConf({ stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", cipherPass: "pass" });
        expect(conf).toContain("repo1-path=/var/lib/pgbackrest-source");
        expect(conf).toContain("repo1-cipher-pass=pass");
        expect(renderRestoreConf({ stanza: "pg", dataDir: "/d" })).not.toMatch(/cipher/);
        const post = renderPostRestore("app", "SCRAM-SHA-256$4096:x", "appdb");
        expect(post).toContain("ALTER ROLE app LOGIN PASSWORD 'SCRAM-SHA-256$4096:x';");
        expect(post).toMatch(/CREATE DATABASE %I OWNER %I', 'appdb', 'app'\) WHERE NOT EXISTS/);
        expect(post).toContain("ALTER SYSTEM RESET ALL;");
    });

    it("creates replicas from the repository into their data directory, as standbys", () => {
        const script = renderReplicaFromBackupScript("pg", "/var/lib/postgresql/data/pg17");
        expect(script).toContain("mkdir -p -m 0700 /var/lib/postgresql/data/pg17");
        expect(script).toContain("exec pgbackrest --stanza=pg --delta --type=standby restore");
    });

    it("is refused on the PostgreSQL 15 image, which has no pgBackRest", () => {
        expect(() => resolvePatroniCluster({ postgresVersion: 15, bootstrap: { fromBackup: { repository: { volume: "v" }, stanza: "pg" } } }, "PatroniCluster pg"))
            .toThrow(/bootstrap\.fromBackup: needs postgresVersion: 17/);
    });
});

describe("S3 repository", () => {
    const s3 = { endpoint: "seaweed.internal:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "s3cret/key+x" };
    const backup = (o: Record<string, unknown> = {}) => backupSpec.parse({ repository: { s3: { ...s3, ...o } } });
    const base = { stanza: "pg", dataDir: "/var/lib/postgresql/data/pg17", socketDir: "/var/run/postgresql", pgPort: 5432, tls: { certFile: "/etc/patroni/tls/server.crt", keyFile: "/var/run/postgresql/server.key", caFile: "/etc/patroni/tls/ca.crt" } };
    const keys = { accessKeyId: "AKID", secretAccessKey: "s3cret/key+x" };

    it("defaults: path style for a custom endpoint, host style for AWS, TLS verified, the /pgbackrest prefix", () => {
        expect(backup().repository.s3).toEqual({ ...s3, uriStyle: "path", verifyTls: true, path: "/pgbackrest" });
        expect(backup({ endpoint: "s3.eu-west-1.amazonaws.com" }).repository.s3?.uriStyle).toBe("host");
        expect(backup({ endpoint: "s3.eu-west-1.amazonaws.com", uriStyle: "path" }).repository.s3?.uriStyle).toBe("path");
    });

    it("names each bad field under backup.repository.s3", () => {
        expect(messages({ repository: { s3: { ...s3, endpoint: "https://minio:9000" } } })).toEqual([expect.stringMatching(/^repository\.s3\.endpoint: must be a host name, with :port when not 443, and no scheme/)]);
        expect(messages({ repository: { s3: { ...s3, endpoint: "minio:70000" } } })).toEqual(["repository.s3.endpoint: has a port outside 1-65535"]);
        expect(messages({ repository: { s3: { ...s3, bucket: "Bad_Bucket" } } })).toEqual([expect.stringMatching(/^repository\.s3\.bucket: must be an S3 bucket name/)]);
        expect(messages({ repository: { s3: { ...s3, secretAccessKey: "two words" } } })).toEqual([expect.stringMatching(/^repository\.s3\.secretAccessKey: must be one word/)]);
        expect(messages({ repository: { s3: { ...s3, accessKeyId: "a\nrepo1-path=/x" } } })).toEqual([expect.stringMatching(/^repository\.s3\.accessKeyId: must be one word/)]);
        expect(messages({ repository: { s3: { ...s3, path: "/a/../b" } } })).toEqual(["repository.s3.path: may not contain .."]);
        expect(messages({ repository: { s3: { ...s3, uriStyle: "virtual" } } })).toEqual([expect.stringMatching(/^repository\.s3\.uriStyle: /)]);
        expect(messages({ repository: { s3: { ...s3, caPem: "not a pem" } } })).toEqual([expect.stringMatching(/^repository\.s3\.caPem: must be a PEM certificate/)]);
        expect(messages({ repository: { s3: { ...s3, caPem: "-----BEGIN CERTIFICATE-----\nx", verifyTls: false } } })).toEqual([expect.stringMatching(/^repository\.s3\.caPem: is not used with verifyTls: false/)]);
        expect(messages({ repository: { s3: { ...s3, region: undefined } } })).toEqual([expect.stringMatching(/^repository\.s3\.region: /)]);
        expect(messages({ repository: { volume: "v", s3 } })).toEqual(["repository: takes `volume` or `s3`, not both"]);
    });

    it("takes the keys and the CA as Pulumi outputs, checked when they are rendered", () => {
        const output = { apply: () => undefined };
        expect(backupSpec.safeParse({ repository: { s3: { ...s3, accessKeyId: output, secretAccessKey: output, caPem: output } } }).success).toBe(true);
    });

    it("renders repo1-type=s3 with the endpoint's host and port, the bucket, region, URI style, keys, TLS and encryption", () => {
        const conf = renderPgBackRestConf({ ...base, backup: backup({ caPem: "-----BEGIN CERTIFICATE-----\nx" }), cipherPass: "pass", s3Keys: keys });
        const lines = conf.split("\n");
        expect(lines.slice(0, 14)).toEqual([
            "[global]", "repo1-type=s3", "repo1-path=/pgbackrest", "repo1-s3-endpoint=seaweed.internal", "repo1-storage-port=8333",
            "repo1-s3-bucket=pg-backups", "repo1-s3-region=us-east-1", "repo1-s3-uri-style=path",
            "repo1-s3-key=AKID", "repo1-s3-key-secret=s3cret/key+x", "repo1-storage-ca-file=/etc/pgbackrest/s3-ca.crt", "repo1-storage-verify-tls=y",
            "repo1-cipher-type=aes-256-cbc", "repo1-cipher-pass=pass",
        ]);
        expect(lines).toEqual(expect.arrayContaining(["archive-async=y", "repo1-retention-full=2", "[pg]", "pg1-port=5432"]));
        const plain = renderPgBackRestConf({ ...base, backup: { ...backup({ verifyTls: false, endpoint: "s3.amazonaws.com", path: "/" }), encrypt: false }, s3Keys: keys });
        expect(plain).toContain("repo1-s3-endpoint=s3.amazonaws.com\nrepo1-s3-bucket=");
        expect(plain).toContain("repo1-path=/\n");
        expect(plain).toContain("repo1-s3-uri-style=host");
        expect(plain).toContain("repo1-storage-verify-tls=n");
        expect(plain).not.toMatch(/storage-port|storage-ca-file|cipher/);
    });

    it("refuses to render without the keys, or keys that would break the file", () => {
        expect(() => renderPgBackRestConf({ ...base, backup: backup(), cipherPass: "p" })).toThrow("renderPgBackRestConf: backup.repository.s3 needs its keys (s3Keys)");
        expect(() => renderPgBackRestConf({ ...base, backup: backup(), cipherPass: "p", s3Keys: { ...keys, secretAccessKey: "a\nrepo1-path=/" } })).toThrow(/s3 secretAccessKey must be a single line/);
    });

    it("restores from a bucket: the source's S3 options, its CA at the restore's own path", () => {
        const spec = backup({ caPem: "-----BEGIN CERTIFICATE-----\nx" }).repository.s3!;
        const conf = renderRestoreConf({ stanza: "pg", dataDir: "/d", cipherPass: "pass", s3: { spec, keys } });
        expect(conf).toContain("repo1-type=s3\nrepo1-path=/pgbackrest\nrepo1-s3-endpoint=seaweed.internal\nrepo1-storage-port=8333\n");
        expect(conf).toContain("repo1-storage-ca-file=/etc/pgscale/restore-s3-ca.crt");
        expect(conf).not.toContain("/var/lib/pgbackrest-source");
        expect(conf).toContain("lock-path=/tmp/pgbackrest-restore/lock");
    });

    it("fromBackup takes a bucket instead of a volume, and needs one of them", () => {
        const parse = (repository: unknown) => fromBackupSpec.safeParse({ repository, stanza: "pg" });
        expect(parse({ s3 }).data?.repository.s3?.uriStyle).toBe("path");
        expect(parse({}).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["repository: needs `volume` or `s3`: where the source repository is"]);
        expect(parse({ volume: "v", s3 }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["repository: takes `volume` or `s3`, not both"]);
        expect(parse({ s3: { ...s3, bucket: "x" } }).error?.issues.map((i) => i.path.join("."))).toEqual(["repository.s3.bucket"]);
    });

    it("a cluster with an S3 repository validates it with the rest of the cluster, naming backup.repository.s3", () => {
        expect(() => resolvePatroniCluster({ backup: { repository: { s3: { ...s3, endpoint: "http://x" } } } }, "PatroniCluster pg"))
            .toThrow(/backup\.repository\.s3\.endpoint: must be a host name/);
    });
});
