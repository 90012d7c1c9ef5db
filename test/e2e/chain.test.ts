// Proves the toolchain end to end: `pulumi up` of a program using @pulumi/docker and a dynamic
// provider creates a real container, a second preview shows no changes, destroy removes it all.
import { Stack } from "@pulumi/pulumi/automation";
import { destroyAndRemove, docker, dockerObjectsOfStack, fixtureStack, plainOutputs, storedState, uniqueStackName } from "../support/stack";

jest.setTimeout(10 * 60 * 1000);

describe("toolchain", () => {
    it("has the pinned CLI, a Node.js language host and the docker plugin at the version @pulumi/docker asks for", () => {
        const { execFileSync } = require("child_process");
        const version = execFileSync("pulumi", ["version"], { encoding: "utf8" }).trim();
        const wanted = require("@pulumi/docker/package.json").pulumi.version;
        const plugins = JSON.parse(execFileSync("pulumi", ["plugin", "ls", "--json"], { encoding: "utf8" }));
        expect(plugins).toEqual(expect.arrayContaining([expect.objectContaining({ name: "docker", kind: "resource", version: wanted })]));
        expect(execFileSync("sh", ["-c", "command -v pulumi-language-nodejs"], { encoding: "utf8" }).trim()).not.toBe("");
        // The offline toolchain pins v3.259.0; a normally installed CLI only needs to be v3.
        expect(version).toMatch(process.env.PULUMI_HOME?.includes("pgscale") ? /^v3\.259\.0$/ : /^v3\./);
    });
});

describe("pulumi + docker + dynamic provider chain", () => {
    const name = uniqueStackName("chain");
    let stack: Stack | undefined;

    afterAll(async () => destroyAndRemove(stack));

    it("creates, is stable, and destroys without leftovers", async () => {
        stack = await fixtureStack("chain", name);
        const up = await stack.up({ onOutput: () => undefined });
        expect(up.summary.result).toBe("succeeded");
        const out = plainOutputs(up.outputs);
        expect(up.outputs.token.secret).toBe(true);
        expect(out.tokenLength).toBe(32);

        // Real engine state, not Pulumi's word for it.
        const inspect = JSON.parse(docker("inspect", out.containerName))[0];
        expect(inspect.State.Running).toBe(true);
        expect(docker("exec", out.containerName, "cat", "/run/token")).toBe(out.token);
        expect(JSON.stringify(inspect.Config.Env)).not.toContain(out.token);
        expect(dockerObjectsOfStack(name).networks).toEqual([`chain-${name}`]);

        const preview = await stack.preview({ onOutput: () => undefined });
        expect(preview.changeSummary).toEqual({ same: expect.any(Number) });

        // The secret is ciphertext in the stored state, and not captured by the dynamic provider.
        const stored = storedState(stack);
        expect(stored).toContain("GeneratedSecret");
        expect(stored).not.toContain(out.token);

        const down = await stack.destroy({ onOutput: () => undefined });
        expect(down.summary.result).toBe("succeeded");
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
