import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { memberTlsReload } from "@pgscale/core";
import { certWatchStep } from "./cert-watch";

// The watcher as a member's start command runs it, in a real shell: a changed file is reloaded once,
// an unchanged one never, and a failing reload is logged and retried at the next change.

describe("the certificate watcher", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-cert-watch-"));
    const crt = path.join(dir, "m.crt");
    const log = path.join(dir, "reloads");
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const reloads = () => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []);

    it("reloads once per change of the files, never while they stay the same", async () => {
        fs.writeFileSync(crt, "first");
        // The step backgrounds the watcher; `wait` keeps this shell (and the watcher) alive until killed.
        const sh = spawn("/bin/sh", ["-c", `${certWatchStep([crt, path.join(dir, "absent.key")], `echo "$(cat ${crt})" >> ${log}`, 0.2)} && wait`], { detached: true, stdio: "ignore" });
        try {
            await sleep(1000);
            expect(reloads()).toEqual([]);
            fs.writeFileSync(crt, "renewed");
            await sleep(1000);
            expect(reloads()).toEqual(["renewed"]);
            fs.writeFileSync(crt, "renewed again");
            await sleep(1000);
            expect(reloads()).toEqual(["renewed", "renewed again"]);
        } finally {
            process.kill(-sh.pid!, "SIGKILL");
        }
    });

    it("a member's reload: the pgBackRest server's copies, then SIGHUP to Patroni and PostgreSQL's reload", () => {
        const r = memberTlsReload("/usr/lib/postgresql/17/bin", [{ from: "/etc/patroni/$POD_NAME.crt", to: "/var/run/postgresql/s.crt", mode: "0644" }]);
        expect(r).toBe("install -m 0644 /etc/patroni/$POD_NAME.crt /var/run/postgresql/s.crt; kill -HUP 1; if /usr/lib/postgresql/17/bin/pg_isready -q -h /var/run/postgresql; then /usr/lib/postgresql/17/bin/psql -h /var/run/postgresql -U postgres -d postgres -XAtqc 'SELECT pg_reload_conf()' >/dev/null; fi");
        expect(spawnSync("/bin/sh", ["-n", "-c", certWatchStep(["/a"], r)]).status).toBe(0);
    });
});
