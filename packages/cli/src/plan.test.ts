// `pgscale plan` as users run it: the compiled bin in a child process.
import { execFileSync, spawn, spawnSync } from "child_process";
import { readFileSync } from "fs";
import { join } from "path";

const root = join(__dirname, "../../..");
const pkg = JSON.parse(readFileSync(join(__dirname, "../package.json"), "utf8"));
const bin = join(__dirname, "..", pkg.bin.pgscale);

function pgscale(...args: string[]) {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
    // Builds @pgscale/core and @pgscale/cli (project references) into dist/.
    execFileSync(join(root, "node_modules/.bin/tsc"), ["-b", "packages/cli"], { cwd: root, stdio: "pipe" });
}, 180_000);

describe("pgscale plan", () => {
    test("the bin is a committed shim with a node shebang, so npm ci links it before the build", () => {
        expect(pkg.bin).toEqual({ pgscale: "bin/pgscale.js" });
        expect(pkg.files).toContain("bin");
        expect(readFileSync(bin, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    });

    test("human output: summary, diagram, then numbered steps, configuration, rollback", () => {
        const r = pgscale("plan", "--goal", "configure_ha", "--table-size-gb", "500", "--rows-millions", "2000", "--connections-peak", "1200", "--read-write-ratio", "80:20", "--constraint", "no-downtime", "--constraint", "EU only");
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        const out = r.stdout;
        const order = ["pgscale plan: configure_ha", "Architecture\n------------", 'PgBouncer "pool"   transaction, 60 (+15) server conns, max_client_conn 1800', "Steps\n-----", " 1. Create the DCS", "Configuration (Pulumi, TypeScript)", 'new PatroniCluster("main"', "Rollback\n--------", "Why\n---", "Notes"];
        const at = order.map((s) => out.indexOf(s));
        expect(at.every((i) => i >= 0)).toBe(true);
        expect([...at].sort((a, b) => a - b)).toEqual(at);
        expect(out).toContain('constraint "EU only" is not in pgscale\'s vocabulary');
        expect(out).toContain("ttl: 20"); // no-downtime reached the plan
    });

    test("--json prints the plan as data", () => {
        const r = pgscale("plan", "--goal", "partition_table", "--table-size-gb", "120", "--constraint", "growth-gb-per-month=8", "--json");
        expect(r.code).toBe(0);
        const plan = JSON.parse(r.stdout);
        expect(Object.keys(plan)).toEqual(expect.arrayContaining(["architecture", "implementation_steps", "configuration", "rollback_plan"]));
        expect(plan.configuration.constructs[0].args.rolling.interval).toBe("1 month");
        expect(plan.implementation_steps[0].step).toBe(1);
    });

    test("--json errors: a machine-readable list naming option and field, exit 2", () => {
        const r = pgscale("plan", "--goal", "make_it_fast", "--connections-peak", "lots", "--read-write-ratio", "80-20", "--constraint", "max-connections=x", "--json");
        expect(r.code).toBe(2);
        const { errors } = JSON.parse(r.stdout);
        expect(errors.map((e: { option: string; field: string }) => [e.option, e.field])).toEqual([
            ["--goal", "scaling_goal"],
            ["--connections-peak", "current_metrics.connections_peak"],
            ["--read-write-ratio", "current_metrics.read_write_ratio"],
            ["--constraint", "constraints[0]"],
        ]);
        expect(errors.every((e: { message: string }) => e.message.length > 0)).toBe(true);
    });

    test("human errors go to stderr, one line per field", () => {
        const r = pgscale("plan", "--goal", "setup_pooling", "--connections-peak", "10.5");
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/^pgscale plan: invalid input\n {2}--connections-peak \(current_metrics.connections_peak\): /);
    });

    test("a missing goal and an unknown option are named too", () => {
        expect(pgscale("plan", "--connections-peak", "100", "--json").stdout).toContain('"option": "--goal"');
        const unknown = pgscale("plan", "--goal", "setup_pooling", "--frobnicate", "--json");
        expect(unknown.code).toBe(2);
        expect(JSON.parse(unknown.stdout).errors[0].option).toBe("--frobnicate");
    });

    test("help lists the registered commands", () => {
        const r = pgscale("--help");
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/^usage: pgscale <command>/);
        expect(r.stdout).toMatch(/^ {2}plan +plan partitioning/m);
        expect(r.stdout).toMatch(/^ {2}doctor +check a live deployment/m);
        expect(pgscale("plan", "--help").stdout).toContain("--read-write-ratio R:W");
        expect(pgscale("frobnicate").code).toBe(2);
    });

    test("a reader that stops early (| head) ends the command quietly", () => {
        // dd reads one byte and exits; the plan (~100 KB) overflows the 64 KB pipe, so later writes hit EPIPE.
        const cmd = `set -o pipefail; "${process.execPath}" "${bin}" plan --goal design_sharding --table-size-gb 3000 | dd bs=1 count=1 status=none >/dev/null`;
        const r = spawnSync("bash", ["-c", cmd], { encoding: "utf8" });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
    });
});
