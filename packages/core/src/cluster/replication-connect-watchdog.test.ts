import { spawn } from "child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { REPLICATION_CONNECT_WATCHDOG, replicationConnectWatchdogStep, stuckReplicationWorkersSql } from "./replication-connect-watchdog";

/** Runs the step as a member's start command does (the step, then `exec` of the main process) against a psql stand-in. */
async function runStep(psqlScript: string, seconds: number) {
    const bin = mkdtempSync(join(tmpdir(), "pgscale-watchdog-"));
    try {
        writeFileSync(join(bin, "psql"), `#!/bin/sh\n${psqlScript}\n`, { mode: 0o755 });
        const step = replicationConnectWatchdogStep(bin, { afterSeconds: 20, intervalSeconds: 0.2 });
        const child = spawn("/bin/sh", ["-c", `${step} && exec sleep 30`], { detached: true, env: { PATH: process.env.PATH, CALLS: join(bin, "calls") } });
        let stdout = "";
        child.stdout.on("data", (d) => (stdout += d));
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        process.kill(-child.pid!, "SIGKILL");
        let calls: string[] = [];
        try { calls = readFileSync(join(bin, "calls"), "utf8").trim().split("\n"); } catch { /* never called */ }
        return { stdout, calls };
    } finally {
        rmSync(bin, { recursive: true, force: true });
    }
}

describe("ending replication workers stuck connecting", () => {
    it("picks the workers waiting to connect past the bound, then signals them", () => {
        const sql = stuckReplicationWorkersSql(20);
        expect(sql).toContain("lower(a.wait_event) = 'libpqwalreceiverconnect'");
        expect(sql).toContain("a.backend_start < now() - interval '20 seconds'");
        // Picked in a materialized CTE first, so pg_terminate_backend sees only what the filter kept.
        expect(sql).toMatch(/^WITH stuck AS MATERIALIZED \(.*\) SELECT who FROM stuck WHERE pg_terminate_backend\(pid\)$/);
        expect(() => stuckReplicationWorkersSql(0)).toThrow(/afterSeconds/);
        expect(() => stuckReplicationWorkersSql(1.5)).toThrow(/afterSeconds/);
    });

    it("runs beside the main process, asks PostgreSQL each interval over the Unix socket as postgres, and logs each worker ended", async () => {
        const r = await runStep([
            'echo "$PGAPPNAME $*" >> "$CALLS"',
            'echo "logical replication apply worker 4242 (subscription shard_ref)"',
        ].join("\n"), 1.2);
        expect(r.calls.length).toBeGreaterThanOrEqual(3);
        expect(r.calls[0]).toBe(`${REPLICATION_CONNECT_WATCHDOG.applicationName} -h /var/run/postgresql -U postgres -d postgres -XAtq -c ${stuckReplicationWorkersSql(20)}`);
        expect(r.stdout.split("\n")[0]).toBe(
            "pgscale: ended logical replication apply worker 4242 (subscription shard_ref): it waited more than 20 s to connect, and PostgreSQL gives replication workers no connect timeout");
    });

    it("keeps going, quietly, while PostgreSQL refuses connections", async () => {
        const r = await runStep('echo call >> "$CALLS"; echo "psql: error: connection to server failed" >&2; exit 2', 1);
        expect(r.calls.length).toBeGreaterThanOrEqual(3);
        expect(r.stdout).toBe("");
    });

    it("refuses a binDir the shell would misread", () => {
        expect(() => replicationConnectWatchdogStep("usr/lib/postgresql/17/bin")).toThrow(/binDir/);
        expect(() => replicationConnectWatchdogStep("/usr/lib/$(id)/bin")).toThrow(/binDir/);
    });
});
