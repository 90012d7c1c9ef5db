// A run that dies midway (SIGKILL: no cleanup code runs) leaves labelled containers, a network,
// volumes, its state directory and the Pulumi CLI's orphaned plugin processes; `pgscale-testing
// prune` removes all of it, and only it.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerObjectsOfStack } from "../support/stack";
import { eventually } from "../support/pg";

jest.setTimeout(10 * 60 * 1000);

// The bin as users run it: from the build (npm test builds before running jest).
const bin = path.resolve(__dirname, "../../packages/testing/dist/bin.js");

/** Processes started for a cluster carry its state directory in their environment. */
function processesOf(dir: string): number[] {
    return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
        try {
            return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`PGSCALE_TESTING_CLUSTER_DIR=${dir}`);
        } catch {
            return false;
        }
    });
}

describe("pgscale-testing prune after a crashed run", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-testing-crash-"));
    let child: ChildProcess | undefined;
    let stack = "";

    afterAll(() => {
        child?.kill("SIGKILL");
        // Whatever the outcome, nothing of this test may outlive it.
        execFileSync(process.execPath, [bin, "prune", "--state", root], { stdio: "ignore" });
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("reaps everything a SIGKILLed startCluster left behind", async () => {
        expect(fs.existsSync(bin)).toBe(true); // built by `npx tsc -b tsconfig.build.json`
        child = spawn(process.execPath, [bin, "start", "--nodes", "2", "--state", root], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr!.on("data", (d) => (stderr += d));
        // Midway: every container exists, Patroni is still electing a leader.
        await eventually(async () => stderr.includes("waiting for a Patroni leader"), 180_000, `the child to get midway (stderr: ${stderr})`, 50);
        stack = /starting (t-[a-z0-9]+):/.exec(stderr)![1];
        const exited = new Promise((r) => child!.on("exit", r));
        child.kill("SIGKILL");
        await exited;

        const dir = path.join(root, stack);
        const left = dockerObjectsOfStack(stack);
        expect(left.containers.length).toBeGreaterThanOrEqual(3); // dcs-0, node-0, node-1 (lb too, unless still being created)
        expect(left.networks).toHaveLength(1);
        expect(left.volumes.length).toBeGreaterThanOrEqual(1);
        expect(fs.existsSync(path.join(dir, "owner"))).toBe(true);
        expect(processesOf(dir).length).toBeGreaterThan(0);

        const report = JSON.parse(execFileSync(process.execPath, [bin, "prune", "--state", root, "--json"], { encoding: "utf8" }));
        expect(report.reaped).toEqual([stack]);
        expect(report.processes).toBeGreaterThan(0);
        expect(report.dirs).toBe(1);
        expect(dockerObjectsOfStack(stack)).toEqual({ containers: [], networks: [], volumes: [] });
        expect(fs.existsSync(dir)).toBe(false);
        expect(processesOf(dir)).toEqual([]);

        // Nothing is left for a second pass.
        const again = JSON.parse(execFileSync(process.execPath, [bin, "prune", "--state", root, "--json"], { encoding: "utf8" }));
        expect(again.reaped).toEqual([]);
    });
});
