import { readFileSync } from "fs";
import { join } from "path";
import { schedulerConfig, backupSpec } from "@pgscale/core";
import { ContainerExec, ExecResult, checkArchive, findActing, findPrimary, firstMember, readInfo, readSchedulers, verifyRepository } from "./members";

// What the engine answers in each container, scripted: the commands pgscale backup runs there and
// the real pgBackRest answer of core's fixture. The engine itself is exercised in test/e2e/backup.test.ts.
const INFO = readFileSync(join(__dirname, "../../../core/src/backup/fixtures/pgbackrest-info-full-diff-incr.json"), "utf8");
const CONFIG = JSON.stringify(schedulerConfig("pg-main", backupSpec.parse({ schedule: { full: "24h", incr: "1h" } }), 8008, "/etc/patroni/tls/ca.crt"));
const ok = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: "" });

function engine(containers: Record<string, { which?: string; status?: string; verify?: ExecResult } | "stopped">): ContainerExec & { calls: string[] } {
    const calls: string[] = [];
    const exec = async (container: string, cmd: string[]): Promise<ExecResult> => {
        calls.push(`${container}: ${cmd.join(" ")}`);
        const c = containers[container];
        if (c === undefined) throw new Error(`(HTTP code 404) no such container - No such container: ${container} `);
        if (c === "stopped") throw new Error(`(HTTP code 409) unexpected - container ${container} is not running`);
        const line = cmd.join(" ");
        if (line === "cat /etc/pgscale/backup.json") return ok(CONFIG);
        if (line === "cat /tmp/pgscale-backup-status.json") return c.status ? ok(c.status) : { exitCode: 1, stdout: "", stderr: "cat: /tmp/pgscale-backup-status.json: No such file or directory\n" };
        if (line === "pgbackrest --stanza=pg-main --output=json info") return ok(INFO);
        if (line === "pgbackrest --stanza=pg-main --output=text --verbose verify") return c.verify ?? ok("");
        if (line === "pgbackrest --stanza=pg-main --archive-timeout=30 check") return ok("");
        // The member's scheduler, asked who takes the backups.
        if (line === "timeout 30 python3 /usr/local/bin/pgscale-backup-scheduler /etc/pgscale/backup.json which") return ok(c.which ?? "");
        throw new Error(`unexpected command in ${container}: ${line}`);
    };
    return Object.assign(exec, { calls });
}

describe("pgscale backup's reads inside the members", () => {
    it("uses the first container that answers, naming each that did not", async () => {
        const exec = engine({ "pg-1": "stopped", "pg-2": {} });
        const r = await firstMember(exec, ["pg-0", "pg-1", "pg-2"]);
        expect(r.member).toMatchObject({ container: "pg-2", config: { stanza: "pg-main", statusFile: "/tmp/pgscale-backup-status.json" } });
        expect(r.unanswered).toEqual([
            { container: "pg-0", error: "(HTTP code 404) no such container - No such container: pg-0" },
            { container: "pg-1", error: "(HTTP code 409) unexpected - container pg-1 is not running" },
        ]);
        expect((await readInfo(exec, "pg-2", "pg-main")).backups).toHaveLength(3);
    });

    it("a pgbackrest that fails is named with its error line", async () => {
        const exec: ContainerExec = async () => ({ exitCode: 56, stdout: "", stderr: "ERROR: [056]: unable to find primary cluster\n" });
        await expect(readInfo(exec, "pg-0", "pg-main")).rejects.toThrow("pgbackrest info in pg-0 failed (exit 56): ERROR: [056]: unable to find primary cluster");
    });

    it("reads every member's scheduler status, or why not", async () => {
        const exec = engine({ "pg-0": { status: JSON.stringify({ stanza: "pg-main", checkedAt: 1 }) }, "pg-1": {} });
        expect(await readSchedulers(exec, ["pg-0", "pg-1"], "/tmp/pgscale-backup-status.json")).toEqual([
            { container: "pg-0", status: { stanza: "pg-main", checkedAt: 1 } },
            { container: "pg-1", error: "cannot read /tmp/pgscale-backup-status.json: cat: /tmp/pgscale-backup-status.json: No such file or directory" },
        ]);
    });

    it("finds the member that takes the backups through each member's scheduler, or says what each one is", async () => {
        const which = (member: string) => JSON.stringify({ member, acting: "pg-1", primary: "pg-0", primaryHost: "pg-0", standby: true });
        const exec = engine({ "pg-0": { which: which("pg-0") }, "pg-1": { which: which("pg-1") } });
        expect((await findActing(exec, ["pg-0", "pg-1"])).acting).toMatchObject({ container: "pg-1", standby: true });
        expect(await findActing(engine({ "pg-0": { which: which("pg-0") }, "pg-1": "stopped" }), ["pg-0", "pg-1"])).toEqual({
            others: [{ container: "pg-0", error: "pg-0: the backups are taken on pg-1" }, { container: "pg-1", error: "(HTTP code 409) unexpected - container pg-1 is not running" }],
        });
        expect((await findActing(engine({ "pg-0": { which: JSON.stringify({ member: "pg-0", acting: null }) } }), ["pg-0"])).others)
            .toEqual([{ container: "pg-0", error: "pg-0: no member takes backups now (no running primary)" }]);
    });

    it("finds the running primary for pgbackrest check, or says what each member is", async () => {
        const which = (member: string) => JSON.stringify({ member, acting: "pg-1", primary: "pg-0", primaryHost: "pg-0", standby: true });
        const exec = engine({ "pg-0": { which: which("pg-0") }, "pg-1": { which: which("pg-1") } });
        const { primary } = await findPrimary(exec, ["pg-1", "pg-0"]);
        expect(primary).toMatchObject({ container: "pg-0", config: { stanza: "pg-main" } });
        expect(await checkArchive(exec, primary!, "pg-main")).toEqual(ok(""));
        expect(exec.calls.at(-1)).toBe("pg-0: pgbackrest --stanza=pg-main --archive-timeout=30 check");
        expect(await findPrimary(engine({ "pg-1": { which: which("pg-1") } }), ["pg-1"])).toEqual({ others: [{ container: "pg-1", error: "pg-1: a replica; the primary is pg-0" }] });
        expect((await findPrimary(engine({ "pg-0": { which: JSON.stringify({ member: "pg-0", acting: null }) } }), ["pg-0"])).others)
            .toEqual([{ container: "pg-0", error: "pg-0: no running primary" }]);
    });

    it("verifies the repository with pgBackRest's verify report, and names a verify that fails", async () => {
        const report = "stanza: pg-main\nstatus: error\n  backup: 20261207-102219F, status: invalid, total files checked: 966, total valid files: 965\n    missing: 0, checksum invalid: 1, size invalid: 0, other: 0\n";
        const r = await verifyRepository(engine({ "pg-0": { verify: ok(report) } }), "pg-0", "pg-main");
        expect(r).toMatchObject({ stanza: "pg-main", status: "error", backups: [{ label: "20261207-102219F", status: "invalid", checksumInvalid: 1 }] });
        const failing = engine({ "pg-0": { verify: { exitCode: 56, stdout: "", stderr: "P00 ERROR: [056]: unable to read repository\n" } } });
        await expect(verifyRepository(failing, "pg-0", "pg-main")).rejects.toThrow("pgbackrest verify in pg-0 failed (exit 56): P00 ERROR: [056]: unable to read repository");
    });
});
