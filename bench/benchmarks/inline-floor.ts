// Pulumi's floor on the Automation API path @pgscale/testing takes: `stack.up()` of an inline program
// with one generated secret (a dynamic resource, as every cluster needs for its passwords) and one
// container using it, until up() returns, against `docker run` of the same container (to its start).
// Its sides run in the rounds of the row they are subtracted from (testing.ts), so the machine's
// drift over the minutes between rows does not enter the difference.
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Sampler } from "../harness/rounds";
import { docker, startedAt } from "../harness/probe";
import type { Row } from "../harness/types";
import { ETCD_IMAGE } from "./ha-work";

/** The floor's two sides, to run in the rounds of the row they are compared with, and the row their samples make. */
export interface InlineFloor {
    sides: { floor: Sampler; floorRun: Sampler };
    row(samples: { floor: number[]; floorRun: number[] }): Row;
    /** Removes the floor's state directory. */
    close(): void;
}

export async function inlineFloor(): Promise<InlineFloor> {
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const pulumi = await import("@pulumi/pulumi");
    const dockerPkg = await import("@pulumi/docker");
    const { GeneratedSecret } = await import("@pgscale/postgres");
    const image = ETCD_IMAGE;
    const backend = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-bench-floor-"));
    const container = (stack: string) => `bench-floor-inline-${stack}`;
    const program = async () => {
        const secret = new GeneratedSecret("floor-secret", {});
        const img = new dockerPkg.RemoteImage("floor-image", { name: image, keepLocally: true });
        new dockerPkg.Container("floor", {
            name: container(pulumi.getStack()), image: img.imageId, command: ["sleep", "infinity"],
            envs: [pulumi.interpolate`FLOOR_SECRET=${secret.value}`], labels: [{ label: "pgscale.bench", value: "floor" }],
        });
    };
    const envVars = { PULUMI_BACKEND_URL: `file://${backend}`, PULUMI_CONFIG_PASSPHRASE: randomBytes(24).toString("base64url"), PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: "true" };
    const settings = { containers: 1, image, secretInEnv: true };
    return {
        sides: {
            floor: async (r) => {
                const stackName = `bench-${process.pid}-${r}`;
                const t0 = Date.now();
                const stack = await LocalWorkspace.createOrSelectStack({ stackName, projectName: "pgscale-bench-floor-inline", program }, { envVars });
                await stack.up();
                // Until up() returns, as on the pgscale side: the engine's own completion (state,
                // outputs read back by the Automation API) is Pulumi's cost, not pgscale's.
                const s = (Date.now() - t0) / 1000;
                await stack.destroy();
                await stack.workspace.removeStack(stackName);
                return s;
            },
            floorRun: async (r) => {
                const name = `bench-floor-run-${process.pid}-${r}`;
                const t0 = Date.now();
                docker("run", "-d", "--name", name, "--label", "pgscale.bench=floor", "-e", "FLOOR_SECRET=x", image, "sleep", "infinity");
                const s = (startedAt(name) - t0) / 1000;
                docker("rm", "-f", name);
                return s;
            },
        },
        row: (samples) => ({
            id: "floor-inline", title: "Pulumi's floor (Automation API): one generated secret and one container", unit: "s",
            measure: "from creating the stack until stack.up() returns (docker run: to the container's State.StartedAt)",
            pgscale: { label: "stack.up()", how: "LocalWorkspace inline program: GeneratedSecret + docker.Container", settings, samples: samples.floor },
            baseline: { label: "docker run", how: "docker run -d of the same container", settings, samples: samples.floorRun },
        }),
        close: () => fs.rmSync(backend, { recursive: true, force: true }),
    };
}
