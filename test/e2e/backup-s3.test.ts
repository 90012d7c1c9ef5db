// Backups to an S3-compatible object store: SeaweedFS (built from the Go module proxy by setup) on
// the stack network, S3 over TLS with a certificate from pgscale's TLS generation (verifyTls on),
// a 2-member cluster archiving and backing up into a bucket, a third member restored from it, a
// point-in-time restore from the bucket
// into a new cluster, a RestoreDrill and `pgscale backup` reading the bucket, and the keys nowhere
// but pgbackrest.conf.
import { randomBytes } from "crypto";
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, docker, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { eventually, query } from "../support/pg";
import { leaderName } from "../support/patroni";
import { pgscaleCli } from "../support/cli";
import { containerLogs, leaks, secretPlaces } from "../support/leaks";
import { seaweedfsImage } from "../support/seaweedfs";

jest.setTimeout(10 * 60 * 1000);

interface Outputs {
    superuserPassword: string;
    scope: string;
    backupVolume?: string;
    backupPassphrase: string;
    members: Array<{ name: string; container: string; restUrl: string; pgPort: number }>;
    s3Container: string;
    bucket: string;
    repoPath: string;
}

describe("backup to an S3 repository (SeaweedFS over TLS)", () => {
    const name = uniqueStackName("bs3");
    // The keys an operator would keep in the stack's secret config; random per run.
    const keys = { s3AccessKey: `PGSCALE${randomBytes(8).toString("hex").toUpperCase()}`, s3SecretKey: randomBytes(30).toString("base64url") };
    let stack: Stack | undefined;
    let out: Outputs;
    let t1: string;
    const t0 = Date.now();

    const uri = (port: number, password: string, db = "appdb") => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}?sslmode=require`;
    const leader = async () => {
        const lead = await leaderName(out.members.map((m) => m.restUrl));
        return out.members.find((m) => m.name === lead)!;
    };
    const primary = async () => uri((await leader()).pgPort, out.superuserPassword);
    const pgbackrest = (container: string, ...args: string[]) => docker("exec", "-u", "postgres", container, "pgbackrest", `--stanza=${out.scope}`, ...args);
    /** The objects under a folder of the bucket, as SeaweedFS's filer lists them. */
    const bucketLs = (dir: string) => docker("exec", out.s3Container, "sh", "-c", `echo "fs.ls /buckets/${out.bucket}${out.repoPath}/${dir}" | weed shell -master=127.0.0.1:9333 2>/dev/null`);
    const mark = async (phase: string, n: number) =>
        query(await primary(), "INSERT INTO marks (phase, n) SELECT $1, g FROM generate_series(1, $2) g", [phase, n]);
    /** Switches WAL on the primary and waits until that segment is in the bucket. */
    const archived = async () => {
        const su = await primary();
        const [{ wal }] = await query<{ wal: string }>(su, "SELECT pg_walfile_name(pg_switch_wal()) AS wal");
        await eventually(async () => {
            const [{ last }] = await query<{ last: string | null }>(su, "SELECT last_archived_wal AS last FROM pg_stat_archiver");
            return last !== null && last >= wal;
        }, 60000, `segment ${wal} archived`);
    };
    const flags = () => out.members.flatMap((m) => ["--container", m.container]);

    beforeAll(async () => {
        const image = seaweedfsImage();
        stack = await fixtureStack("backup-s3", name, {
            s3Image: { value: image },
            s3AccessKey: { value: keys.s3AccessKey, secret: true },
            s3SecretKey: { value: keys.s3SecretKey, secret: true },
        });
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        out = plainOutputs(res.outputs) as Outputs;
        console.log(`S3 stack up (SeaweedFS + etcd + 2 members): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        await query(await primary(), "CREATE TABLE marks (phase text NOT NULL, n int NOT NULL, PRIMARY KEY (phase, n))");
    });
    afterAll(async () => {
        await destroyAndRemove(stack);
        console.log(`backup-s3 suite: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    });

    it("takes the first full backup into the bucket, encrypted, and pgbackrest check passes over TLS", async () => {
        // No engine volume: the repository is the bucket.
        expect(out.backupVolume ?? undefined).toBeUndefined();
        const lead = await leader();
        const info = await eventually(async () => {
            const doc = JSON.parse(pgbackrest(lead.container, "--output=json", "info"));
            return doc[0]?.backup?.length ? doc[0] : undefined;
        }, 180000, "the scheduler's first full backup in the bucket", 2000);
        expect(info.backup.map((b: any) => b.type)).toEqual(["full"]);
        expect(info.cipher).toBe("aes-256-cbc");
        // The backup set is in the bucket, under the repository path and the stanza.
        expect(bucketLs(`backup/${out.scope}`)).toContain(info.backup[0].label);
        await mark("before-t1", 100);
        // pgBackRest picks a time target's backup by whole seconds: the target after the second the full stopped in.
        await new Promise((r) => setTimeout(r, Math.max(0, info.backup[0].timestamp.stop * 1000 + 1050 - Date.now())));
        [{ t1 }] = await query<{ t1: string }>(await primary(), `SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t1`);
        await new Promise((r) => setTimeout(r, 1100));
        await mark("after-t1", 30);
        await archived();
        // Archiving end to end from the primary, and the replica reads the same bucket.
        pgbackrest(lead.container, "check");
        const replica = out.members.find((m) => m.name !== lead.name)!;
        expect(JSON.parse(pgbackrest(replica.container, "--output=json", "info"))[0].status).toMatchObject({ code: 0, message: "ok" });
    });

    it("creates a new replica from the bucket (create_replica_methods: pgbackrest), and it streams", async () => {
        await stack!.setConfig("nodes", { value: "3" });
        const res = await stack!.up({ onOutput: () => undefined });
        out = plainOutputs(res.outputs) as Outputs;
        const added = out.members.find((m) => m.name === "pg-2")!;
        expect(containerLogs(added.container)).toContain("replica has been created using pgbackrest");
        const [{ n }] = await query<{ n: string }>(await primary(), "SELECT count(*) AS n FROM pg_stat_replication WHERE application_name = 'pg-2' AND state = 'streaming'");
        expect(Number(n)).toBe(1);
    });

    it("restores the bucket to a point in time into a new cluster: exactly the rows before it", async () => {
        await stack!.setConfig("restoreTime", { value: t1 });
        const startedAt = Date.now();
        const res = await stack!.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        const copy = plainOutputs(res.outputs) as { copyMembers: Array<{ pgPort: number }>; copySuperuserPassword: string };
        console.log(`restore from S3 to ${t1} into a new 1-member cluster: pulumi up ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
        const rows = await query<{ phase: string; n: string }>(uri(copy.copyMembers[0].pgPort, copy.copySuperuserPassword), "SELECT phase, count(*) AS n FROM marks GROUP BY phase ORDER BY phase");
        expect(rows.map((r) => `${r.phase}=${r.n}`)).toEqual(["before-t1=100"]);
    });

    it("a RestoreDrill restores the latest backup from the bucket: every archived row, no container left", async () => {
        await stack!.setConfig("drill", { value: "true" });
        const res = await stack!.up({ onOutput: () => undefined });
        const drill = plainOutputs(res.outputs) as { drillCheck: string; drillRestoreSeconds: number; drillBackupSet: string };
        console.log(`RestoreDrill from S3: ${drill.drillBackupSet} restored in ${drill.drillRestoreSeconds} s`);
        expect(drill.drillCheck).toBe("130");
        expect(drill.drillBackupSet).toMatch(/^\d{8}-\d{6}F$/);
        expect(docker("ps", "-aq", "--filter", "label=pgscale.role=restore-drill")).toBe("");
    });

    it("pgscale backup list, status, run and drill read the bucket through the members", async () => {
        const list = await pgscaleCli("backup", "list", ...flags(), "--json");
        expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: "" });
        expect(JSON.parse(list.stdout)).toMatchObject({ stanza: out.scope, status: { code: 0, message: "ok" }, cipher: "aes-256-cbc" });
        const status = await pgscaleCli("backup", "status", ...flags(), "--json");
        const report = JSON.parse(status.stdout) as { findings: Array<{ check: string; severity: string }> };
        expect({ code: status.code, notOk: report.findings.filter((f) => f.severity !== "ok") }).toEqual({ code: 0, notOk: [] });
        expect(report.findings.map((f) => f.check)).toEqual(["backup.repository", "backup.full", "backup.archive", "backup.scheduler", "backup.check"]);
        const run = await pgscaleCli("backup", "run", ...flags(), "--type", "incr", "--json");
        expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
        // Taken on a streaming replica, which reaches the primary's pgBackRest server over TLS.
        expect(JSON.parse(run.stdout)).toMatchObject({ fromStandby: true, backup: { type: "incr" } });
        const startedAt = Date.now();
        const drill = await pgscaleCli("backup", "drill", ...flags(), "--database", "appdb", "--check", "SELECT count(*) FROM marks", "--json");
        expect({ code: drill.code, stderr: drill.stderr }).toEqual({ code: 0, stderr: "" });
        const d = JSON.parse(drill.stdout);
        console.log(`pgscale backup drill from S3: ${d.backupSet} in ${d.restoreSeconds} s (command ${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
        // The incremental just taken, restored with the archive after it.
        expect(d).toMatchObject({ backupSet: JSON.parse(run.stdout).backup.label, checkResult: "130", shortfalls: [] });
    });

    it("keeps the S3 keys and the repository's passphrase out of the state, the engine's metadata and the logs", () => {
        const containers = [...out.members.map((m) => m.container), out.s3Container,
            ...docker("ps", "-a", "--format", "{{.Names}}", "--filter", `label=pgscale.stack=${name}`).split("\n").filter(Boolean)];
        const places = secretPlaces(stack!, [...new Set(containers)]);
        // pgBackRest's own log files in each member: it logs its options, the secure ones redacted.
        const pgbackrestLogs = out.members.map((m): [string, string] =>
            [`${m.container} /var/log/pgbackrest`, docker("exec", m.container, "sh", "-c", "cat /var/log/pgbackrest/* 2>/dev/null; true")]);
        expect(pgbackrestLogs.map(([, text]) => text).join("\n")).toContain("--repo1-s3-key-secret=<redacted>");
        places.push(...pgbackrestLogs);
        expect(out.backupPassphrase).toMatch(/^\S{20,}$/);
        expect(leaks({ accessKeyId: keys.s3AccessKey, secretAccessKey: keys.s3SecretKey, passphrase: out.backupPassphrase }, places)).toEqual([]);
        // They are where pgBackRest reads them: the member's configuration file.
        const conf = docker("exec", out.members[0].container, "cat", "/etc/pgbackrest/pgbackrest.conf");
        expect(conf).toContain(`repo1-s3-key-secret=${keys.s3SecretKey}`);
        expect(conf).toContain(`repo1-cipher-pass=${out.backupPassphrase}`);
    });

    it("removing the cluster leaves the bucket's contents, and a new cluster restores every row written before the last archived segment", async () => {
        // The last rows, acknowledged and archived; what the bucket holds is the whole table.
        await mark("before-removal", 20);
        await archived();
        const su = await primary();
        const table = async (u: string) => (await query<{ phase: string; n: string }>(u, "SELECT phase, count(*) AS n FROM marks GROUP BY phase ORDER BY phase")).map((r) => `${r.phase}=${r.n}`);
        const written = await table(su);
        const [{ at }] = await query<{ at: Date }>(su, "SELECT last_archived_time AS at FROM pg_stat_archiver");
        const before = bucketLs(`backup/${out.scope}`);
        await stack!.setAllConfig({ cluster: { value: "false" }, drill: { value: "false" }, restoreTime: { value: "" } });
        await stack!.up({ onOutput: () => undefined });
        const removedAt = Date.now();
        for (const m of out.members) expect(docker("ps", "-a", "--quiet", "--filter", `name=^${m.container}$`)).toBe("");
        expect(bucketLs(`backup/${out.scope}`)).toBe(before);
        expect(bucketLs(`archive/${out.scope}`)).toMatch(/17-1/);

        // Every member and data volume gone: restore the end of the archive into a new cluster.
        await stack!.setAllConfig({ restoreLatest: { value: "true" }, restoreStanza: { value: out.scope }, restorePassphrase: { value: out.backupPassphrase, secret: true } });
        const startedAt = Date.now();
        const res = await stack!.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        const latest = plainOutputs(res.outputs) as { latestMembers: Array<{ pgPort: number }>; latestSuperuserPassword: string };
        console.log(`restore of the bucket's latest into a new cluster, the original removed: pulumi up ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ` +
            `loss window at the removal: ${((removedAt - new Date(at).getTime()) / 1000).toFixed(1)} s since the last archived segment, rows ${written.join(", ")}`);
        expect(await table(uri(latest.latestMembers[0].pgPort, latest.latestSuperuserPassword))).toEqual(written);
    });
});
