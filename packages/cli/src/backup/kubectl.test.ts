import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { backupSpec, schedulerConfig } from "@pgscale/core";
import { COMMANDS } from "../commands";
import { run } from "../run";

// `pgscale backup --pod` and doctor's --backup-pod through a kubectl stand-in on PATH that answers
// as kubectl does (the command's output and status, "command terminated with exit code N", its own
// errors). test/e2e/kubernetes.test.ts runs the same commands with the real kubectl against member
// pods of a real cluster.

const INFO = fs.readFileSync(path.join(__dirname, "../../../core/src/backup/fixtures/pgbackrest-info-full-diff-incr.json"), "utf8");
const CONFIG = JSON.stringify(schedulerConfig("pg-main", backupSpec.parse({ schedule: { full: "24h", incr: "1h" } }), 8008, "/etc/patroni/tls/ca.crt"));

async function pgscale(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await run(argv, { out: (t) => void out.push(t), err: (t) => void err.push(t) }, COMMANDS);
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("pgscale backup --pod", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-kubectl-"));
    const log = path.join(dir, "calls.log");
    const savedPath = process.env.PATH;
    beforeAll(() => {
        fs.writeFileSync(path.join(dir, "backup.json"), CONFIG);
        fs.writeFileSync(path.join(dir, "info.json"), INFO);
        // kubectl [--context C] [--namespace N] exec POD --container patroni -- CMD...
        fs.writeFileSync(path.join(dir, "kubectl"), `#!/bin/sh
echo "$*" >> ${log}
while [ "$1" != "exec" ]; do shift; done
pod=$2; shift 5
case "$pod" in
  main-gone) echo "Error from server (NotFound): pods \\"$pod\\" not found" >&2; exit 1 ;;
esac
case "$*" in
  "cat /etc/pgscale/backup.json") cat ${dir}/backup.json ;;
  "pgbackrest --stanza=pg-main --output=json info") cat ${dir}/info.json ;;
  "cat /tmp/pgscale-backup-status.json") echo "cat: /tmp/pgscale-backup-status.json: No such file or directory" >&2; echo "command terminated with exit code 1" >&2; exit 1 ;;
  *) echo "unexpected: $*" >&2; echo "command terminated with exit code 127" >&2; exit 127 ;;
esac
`, { mode: 0o755 });
        process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
    });
    afterAll(() => {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => fs.rmSync(log, { force: true }));
    const calls = () => fs.readFileSync(log, "utf8").trim().split("\n");

    it("lists the repository from the first pod that answers, naming the one that did not", async () => {
        const r = await pgscale("backup", "list", "--pod", "main-gone", "--pod", "main-1", "--namespace", "db", "--context", "prod", "--json");
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout);
        expect(doc.container).toBe("main-1");
        expect(doc.backups).toHaveLength(3);
        expect(calls()).toEqual([
            "--context prod --namespace db exec main-gone --container patroni -- cat /etc/pgscale/backup.json",
            "--context prod --namespace db exec main-1 --container patroni -- cat /etc/pgscale/backup.json",
            "--context prod --namespace db exec main-1 --container patroni -- pgbackrest --stanza=pg-main --output=json info",
        ]);
    });

    it("status: a member whose scheduler wrote nothing yet is a finding, with the command's own message", async () => {
        const r = await pgscale("backup", "status", "--pod", "main-1", "--json");
        const doc = JSON.parse(r.stdout);
        expect(doc.container).toBe("main-1");
        expect(JSON.stringify(doc)).toContain("cannot read /tmp/pgscale-backup-status.json: cat: /tmp/pgscale-backup-status.json: No such file or directory");
        expect(calls()[0]).toBe("exec main-1 --container patroni -- cat /etc/pgscale/backup.json");
    });

    it("no pod answering: exit 1, each named with kubectl's reason; doctor reads the same through --backup-pod", async () => {
        const r = await pgscale("backup", "status", "--pod", "main-gone");
        expect(r.code).toBe(1);
        expect(r.stderr).toBe('pgscale backup status: no pod answered with a backup configuration\n  main-gone: Error from server (NotFound): pods "main-gone" not found');
    });

    it("refuses bad pods, namespaces and contexts, pods with containers and --namespace alone, naming each option", async () => {
        const errorsOf = (stdout: string) => (JSON.parse(stdout).errors as Array<{ option: string; message: string }>).map((e) => [e.option, e.message]);
        const bad = await pgscale("backup", "list", "--pod", "Main_0", "--namespace", "DB", "--context", "", "--json");
        expect(bad.code).toBe(2);
        expect(errorsOf(bad.stdout)).toEqual([
            ["--pod", '"Main_0" is not a pod name'],
            ["--namespace", '"DB" is not a namespace name'],
            ["--context", "must name a kubeconfig context"],
        ]);
        expect(errorsOf((await pgscale("backup", "list", "--pod", "main-0", "--container", "pg-0", "--json")).stdout)).toEqual([
            ["--pod", "cannot be combined with --container: the members are containers (Docker) or pods (Kubernetes)"],
        ]);
        expect(errorsOf((await pgscale("backup", "list", "--container", "pg-0", "--namespace", "db", "--json")).stdout)).toEqual([["--namespace", "applies to --pod only (Kubernetes)"]]);
        expect(errorsOf((await pgscale("backup", "drill", "--pod", "main-0", "--lsn", "0/1", "--name", "p", "--json")).stdout)).toEqual([["--name", "cannot be combined with --lsn: a restore has one target"]]);
        const doctor = await pgscale("doctor", "--primary-uri", "postgresql://u@127.0.0.1:1/db", "--backup-pod", "main-0", "--backup-container", "pg-0", "--json");
        expect(errorsOf(doctor.stdout)).toEqual([["--backup-pod", "cannot be combined with --backup-container: the members are containers (Docker) or pods (Kubernetes)"]]);
        expect(errorsOf((await pgscale("doctor", "--primary-uri", "postgresql://u@127.0.0.1:1/db", "--context", "prod", "--json")).stdout)).toEqual([["--context", "applies to --backup-pod only (Kubernetes)"]]);
        expect(fs.existsSync(log)).toBe(false);
    });
});
