import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * A kubectl stand-in on PATH for the unit tests of pgscale's kubectl steps (RestoreDrill, a
 * restore's checks). It takes kubectl's global options as the real one does (`--kubeconfig F
 * --context C --namespace N VERB ...`), records each call as `context namespace verb object` in
 * `calls.log` and each kubeconfig it was given (path, mode, content) in `kubeconfigs`, then runs
 * `verbs`: JavaScript that sees `a` (the arguments from the verb on), `dir`, `fs`, `p` (path) and
 * `mode` (the `mode` file's content, "ok" without one).
 */
export function kubectlStandIn(prefix: string, verbs: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const savedPath = process.env.PATH;
    const file = (f: string) => path.join(dir, f);
    return {
        dir,
        install(): void {
            fs.writeFileSync(file("kubectl"), `#!/usr/bin/env node
const fs = require("fs"), p = require("path");
const dir = ${JSON.stringify(dir)};
let a = process.argv.slice(2);
const seen = {};
while (a[0] && a[0].startsWith("--")) { seen[a[0]] = a[1]; a = a.slice(2); }
if (seen["--kubeconfig"]) fs.appendFileSync(p.join(dir, "kubeconfigs"), JSON.stringify({ file: seen["--kubeconfig"], mode: (fs.statSync(seen["--kubeconfig"]).mode & 0o777).toString(8), content: fs.readFileSync(seen["--kubeconfig"], "utf8") }) + "\\n");
fs.appendFileSync(p.join(dir, "calls.log"), [seen["--context"], seen["--namespace"], ...a.slice(0, 2)].join(" ") + "\\n");
const mode = fs.existsSync(p.join(dir, "mode")) ? fs.readFileSync(p.join(dir, "mode"), "utf8") : "ok";
${verbs}
`, { mode: 0o755 });
            process.env.PATH = `${dir}${path.delimiter}${savedPath}`;
        },
        uninstall(): void {
            process.env.PATH = savedPath;
            fs.rmSync(dir, { recursive: true, force: true });
        },
        /** Forgets the calls, the files the verbs wrote and the mode. */
        reset(files: string[] = []): void {
            ["calls.log", "kubeconfigs", "mode", ...files].forEach((f) => fs.rmSync(file(f), { force: true }));
        },
        setMode(mode: string): void {
            fs.writeFileSync(file("mode"), mode);
        },
        read(f: string): string {
            return fs.readFileSync(file(f), "utf8");
        },
        calls(): string[] {
            return fs.readFileSync(file("calls.log"), "utf8").trim().split("\n");
        },
    };
}
