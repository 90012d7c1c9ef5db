// The configuration `pgscale plan` emits is a program a user can run: the TypeScript stack snippet
// of a configure_ha plan is written out as a Pulumi project and previewed for real (CLI, language
// host, docker plugin, dynamic providers). Construct specs check every goal under mocks
// (packages/core/src/planner/construct-specs.test.ts); this proves the snippet itself type-checks
// against the real packages and that the engine accepts its resource graph.
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { planScaling } from "@pgscale/core";
import { stackEnv, uniqueStackName } from "../support/stack";

jest.setTimeout(5 * 60 * 1000);

const ROOT = path.resolve(__dirname, "../..");

describe("a plan's configuration under a real `pulumi preview`", () => {
    // Inside the checkout so that "@pgscale/docker" resolves through the workspace's node_modules.
    const workDir = fs.mkdtempSync(path.join(ROOT, ".pgscale", "plan-preview-"));
    let stack: Stack | undefined;

    afterAll(async () => {
        if (stack) await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
        fs.rmSync(workDir, { recursive: true, force: true });
    });

    it("configure_ha: the emitted stack type-checks (and design_sharding's) and previews the whole topology, creating nothing", async () => {
        const plan = planScaling({
            scaling_goal: "configure_ha",
            current_metrics: { table_size_gb: 40, rows_millions: 120, connections_peak: 400, read_write_ratio: "80:20" },
            constraints: ["no-downtime"],
        });
        const constructs = plan.configuration.constructs.map((c) => c.construct);
        expect(constructs).toEqual(expect.arrayContaining(["EtcdCluster", "PatroniCluster", "HAProxyFrontend", "PgBouncerPool"]));

        fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), "name: pgscale-plan-preview\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
        fs.copyFileSync(path.join(ROOT, "test/e2e/fixtures/ha/tsconfig.json"), path.join(workDir, "tsconfig.json"));
        fs.writeFileSync(path.join(workDir, "index.ts"), plan.configuration.stack);
        // A design_sharding plan's stack (a ShardedTable, its shards' connections from stack config)
        // beside it: the same tsc run checks it, the preview runs index.ts only.
        const sharding = planScaling({ scaling_goal: "design_sharding", current_metrics: { table_size_gb: 3000 }, constraints: [] });
        expect(sharding.configuration.stack).toContain("new ShardedTable(");
        fs.writeFileSync(path.join(workDir, "sharding.ts"), sharding.configuration.stack);
        // The engine only transpiles (PULUMI_NODEJS_TRANSPILE_ONLY); the type check is tsc's.
        execFileSync(path.join(ROOT, "node_modules/.bin/tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: workDir, encoding: "utf8" });

        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: uniqueStackName("plan"), workDir },
            { envVars: stackEnv() },
        );
        const before = execFileSync("docker", ["ps", "-aq"], { encoding: "utf8" });
        const preview = await stack.preview({ onOutput: () => undefined });
        expect(Object.keys(preview.changeSummary)).toEqual(["create"]);
        // Four components and their children: etcd members, Patroni nodes, HAProxy, PgBouncer, secrets.
        expect(preview.changeSummary.create).toBeGreaterThan(20);
        expect(execFileSync("docker", ["ps", "-aq"], { encoding: "utf8" })).toBe(before);
    });
});
