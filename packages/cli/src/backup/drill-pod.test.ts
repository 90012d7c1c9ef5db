import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { MemberPod, backupSpec, renderPgBackRestConf, schedulerConfig } from "@pgscale/core";
import { COMMANDS } from "../commands";
import { run } from "../run";

// `pgscale backup drill --pod` through a kubectl stand-in on PATH that answers as kubectl does for
// the calls the drill makes (the member's files, its pod, the drill pod's creation, status, exec
// and deletion). test/e2e/kubernetes.test.ts runs the drill with the real kubectl in a real cluster.

const CA = "-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n";
const S3 = { endpoint: "s3.db.svc:8333", bucket: "pg-backups", region: "us-east-1", accessKeyId: "AKID", secretAccessKey: "SECRET-KEY", caPem: CA };
const CONF = renderPgBackRestConf({
    stanza: "main", dataDir: "/var/lib/postgresql/data/pg17", socketDir: "/var/run/postgresql", pgPort: 5432, cipherPass: "PASSPHRASE",
    backup: backupSpec.parse({ repository: { s3: S3 } }), s3Keys: { accessKeyId: "AKID", secretAccessKey: "SECRET-KEY" },
    tls: { certFile: "/var/run/postgresql/s.crt", keyFile: "/var/run/postgresql/s.key", caFile: "/etc/patroni-tls/ca.crt" },
});
// The member pod as kubectl shows it, reduced to what the drill pod copies (the copy itself: packages/core/src/backup/drill-pod.test.ts).
const MEMBER: MemberPod = { metadata: { name: "main-1", namespace: "db" }, spec: { containers: [{ name: "patroni", image: "pgscale/patroni-17:1" }] } };

describe("pgscale backup drill --pod", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-drill-pod-"));
    const log = path.join(dir, "calls.log");
    const mode = path.join(dir, "mode");
    const savedPath = process.env.PATH;
    beforeAll(() => {
        fs.writeFileSync(path.join(dir, "backup.json"), JSON.stringify(schedulerConfig("main", backupSpec.parse({ repository: { s3: S3 } }), 8008)));
        fs.writeFileSync(path.join(dir, "pgbackrest.conf"), CONF);
        fs.writeFileSync(path.join(dir, "member.json"), JSON.stringify(MEMBER));
        fs.writeFileSync(path.join(dir, "kubectl"), `#!/usr/bin/env node
const fs = require("fs"), p = require("path");
const dir = ${JSON.stringify(dir)};
let a = process.argv.slice(2);
while (a[0] === "--context" || a[0] === "--namespace") a = a.slice(2);
const stdin = () => fs.readFileSync(0, "utf8");
const mode = fs.existsSync(p.join(dir, "mode")) ? fs.readFileSync(p.join(dir, "mode"), "utf8") : "ok";
fs.appendFileSync(p.join(dir, "calls.log"), a.slice(0, 6).join(" ").replace(/\\n[\\s\\S]*/, "...") + "\\n");
const out = (s) => process.stdout.write(s);
if (a[0] === "exec" && a[1] === "main-1") {
    const cmd = a.slice(a.indexOf("--") + 1).join(" ");
    if (cmd === "cat /etc/pgscale/backup.json") out(fs.readFileSync(p.join(dir, "backup.json"), "utf8"));
    else if (cmd === "cat /etc/pgbackrest/pgbackrest.conf") out(fs.readFileSync(p.join(dir, "pgbackrest.conf"), "utf8"));
    else if (cmd === "cat /etc/pgbackrest/s3-ca.crt") out(${JSON.stringify(CA)});
    else if (a[a.indexOf("--") + 1] === "python3") out("/var/lib/postgresql/data/pg17\\n");
    else { process.stderr.write("unexpected: " + cmd + "\\ncommand terminated with exit code 127\\n"); process.exit(127); }
} else if (a[0] === "get" && a[2] === "main-1") out(fs.readFileSync(p.join(dir, "member.json"), "utf8"));
else if (a[0] === "create") fs.writeFileSync(p.join(dir, "created.json"), stdin());
else if (a[0] === "get") {
    const n = p.join(dir, "polls"); const polls = fs.existsSync(n) ? Number(fs.readFileSync(n, "utf8")) + 1 : 1; fs.writeFileSync(n, String(polls));
    const waiting = mode === "stuck" ? { reason: "ImagePullBackOff", message: "Back-off pulling image" } : { reason: "ContainerCreating" };
    out(JSON.stringify({ status: polls < 2 || mode === "stuck" ? { phase: "Pending", containerStatuses: [{ state: { waiting } }] } : { phase: "Running", containerStatuses: [{ state: { running: {} } }] } }));
} else if (a[0] === "exec" && a[1] === "--stdin") {
    fs.writeFileSync(p.join(dir, "stdin"), stdin());
    fs.writeFileSync(p.join(dir, "drill-args.json"), JSON.stringify(a.slice(a.indexOf("--") + 1)));
    if (mode === "fail") { process.stderr.write("ERROR: [075]: no backup set found to restore\\ncommand terminated with exit code 75\\n"); process.exit(75); }
    out("PGSCALE-DRILL backup=20261206-060000F start=2026-12-06 06:00:00+00\\nPGSCALE-DRILL seconds=4.26\\nPGSCALE-DRILL last=" + new Date(Date.now() - 30000).toISOString().replace("T", " ").replace("Z", "+00") + "\\nPGSCALE-DRILL check=17\\n");
} else if (a[0] === "delete") fs.writeFileSync(p.join(dir, "deleted"), a[2]);
else { process.stderr.write("error: unexpected " + a.join(" ") + "\\n"); process.exit(1); }
`, { mode: 0o755 });
        process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
    });
    afterAll(() => {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => {
        for (const f of [log, mode, "polls", "created.json", "stdin", "deleted", "drill-args.json"].map((f) => path.resolve(dir, f))) fs.rmSync(f, { force: true });
    });
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");

    async function drill(...extra: string[]) {
        const out: string[] = [];
        const err: string[] = [];
        const code = await run(["backup", "drill", "--pod", "main-1", "--namespace", "db", ...extra], { out: (t) => void out.push(t), err: (t) => void err.push(t) }, COMMANDS);
        return { code, stdout: out.join("\n"), stderr: err.join("\n") };
    }

    it("restores in a throwaway pod, the repository's secrets on stdin only, then deletes the pod", async () => {
        const r = await drill("--check", "SELECT 17", "--rpo-seconds", "3600", "--json");
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout);
        expect(doc).toMatchObject({ container: "main-1", stanza: "main", backupSet: "20261206-060000F", restoreSeconds: 4.3, checkResult: "17", shortfalls: [] });
        expect(doc.pod).toMatch(/^main-1-drill-[0-9a-f]{6}$/);
        expect(doc.lossWindowSeconds).toBeGreaterThanOrEqual(29);
        // The pod: the member's image, nothing secret in it.
        const created = read("created.json");
        expect(JSON.parse(created)).toMatchObject({ kind: "Pod", metadata: { name: doc.pod, namespace: "db" }, spec: { containers: [{ image: "pgscale/patroni-17:1" }] } });
        for (const secret of ["PASSPHRASE", "SECRET-KEY"]) expect(created).not.toContain(secret);
        // The restore's configuration on stdin (the source repository: the bucket, its keys, the passphrase), none of it in argv.
        const conf = read("stdin");
        expect(conf).toContain("repo1-cipher-pass=PASSPHRASE");
        expect(conf).toContain("repo1-s3-key-secret=SECRET-KEY");
        expect(conf).toContain("repo1-storage-ca-file=/etc/pgscale/restore-s3-ca.crt");
        const args = read("drill-args.json");
        for (const secret of ["PASSPHRASE", "SECRET-KEY"]) expect(args).not.toContain(secret);
        const [, , , , check, ca] = JSON.parse(args);
        expect([Buffer.from(check, "base64").toString(), Buffer.from(ca, "base64").toString()]).toEqual(["SELECT 17", CA]);
        expect(read("deleted")).toBe(doc.pod);
        expect(read("calls.log").split("\n").filter(Boolean).map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual([
            "exec main-1", "exec main-1", "exec main-1", "exec main-1", "get pod", "create --filename", "get pod", "get pod", "exec --stdin", "delete pod",
        ]);
    });

    it("a volume repository: the member's claim mounted read-only in the drill pod, the restore reading it there; a member with neither is named", async () => {
        const posix = renderPgBackRestConf({
            stanza: "main", dataDir: "/var/lib/postgresql/data/pg17", socketDir: "/var/run/postgresql", pgPort: 5432, cipherPass: "PASSPHRASE", backup: backupSpec.parse({}),
            tls: { certFile: "/var/run/postgresql/s.crt", keyFile: "/var/run/postgresql/s.key", caFile: "/etc/patroni-tls/ca.crt" },
        });
        const withClaim: MemberPod = {
            metadata: MEMBER.metadata,
            spec: {
                containers: [{ name: "patroni", image: "pgscale/patroni-17:1", volumeMounts: [{ name: "pgbackrest-repository", mountPath: "/var/lib/pgbackrest" }] }],
                volumes: [{ name: "pgbackrest-repository", persistentVolumeClaim: { claimName: "main-backup" } }],
            },
        };
        fs.writeFileSync(path.join(dir, "pgbackrest.conf"), posix);
        fs.writeFileSync(path.join(dir, "member.json"), JSON.stringify(withClaim));
        try {
            const r = await drill("--json");
            expect([r.code, r.stderr]).toEqual([0, ""]);
            const created = JSON.parse(read("created.json"));
            expect(created.spec.volumes).toContainEqual({ name: "repository", persistentVolumeClaim: { claimName: "main-backup", readOnly: true } });
            expect(created.spec.containers[0].volumeMounts).toContainEqual({ name: "repository", mountPath: "/var/lib/pgbackrest-source", readOnly: true });
            expect(read("stdin")).toContain("repo1-path=/var/lib/pgbackrest-source\n");
            fs.writeFileSync(path.join(dir, "member.json"), JSON.stringify(MEMBER));
            const none = await drill();
            expect(none.code).toBe(1);
            expect(none.stderr).toContain("main-1: no S3 bucket in its pgBackRest configuration and no claim at /var/lib/pgbackrest");
        } finally {
            fs.writeFileSync(path.join(dir, "pgbackrest.conf"), CONF);
            fs.writeFileSync(path.join(dir, "member.json"), JSON.stringify(MEMBER));
        }
    });

    it("a failed restore: exit 1 with pgBackRest's message and the pod's name; the pod is deleted", async () => {
        fs.writeFileSync(mode, "fail");
        const r = await drill();
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^pgscale backup drill: the restore failed in pod main-1-drill-[0-9a-f]{6} \(exit 75\): ERROR: \[075\]: no backup set found to restore$/m);
        expect(fs.existsSync(path.join(dir, "deleted"))).toBe(true);
    });

    it("a pod that cannot start: the reason, at once; the pod is deleted", async () => {
        fs.writeFileSync(mode, "stuck");
        const r = await drill();
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/the drill pod main-1-drill-[0-9a-f]{6} did not start: ImagePullBackOff: Back-off pulling image$/m);
        expect(fs.existsSync(path.join(dir, "deleted"))).toBe(true);
        expect(fs.existsSync(path.join(dir, "stdin"))).toBe(false);
    });
});
