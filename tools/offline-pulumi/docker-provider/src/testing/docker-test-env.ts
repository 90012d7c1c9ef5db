// Shared by the stand-in's tests (not part of the build): every Docker object a test makes carries
// `pgscale.test=docker-standin` plus a per-suite run label, so cleanup removes only that suite's
// objects even when other suites or other people use the same daemon.
import * as crypto from "crypto";
import Docker from "dockerode";
import { makeSecret } from "../properties";

export const TEST_LABEL = "pgscale.test";
export const TEST_LABEL_VALUE = "docker-standin";
export const RUN_LABEL = "pgscale.test.run";

export interface TestEnv {
    docker: Docker;
    run: string;
    /** A unique object name for this run. */
    name(base: string): string;
    /** The Pulumi `labels` input carrying both test labels. */
    labels(): Array<{ label: string; value: string }>;
    urn(token: string, name: string): string;
    cleanup(): Promise<void>;
}

export const secret = makeSecret;

export function testEnv(): TestEnv {
    const docker = new Docker({ socketPath: "/var/run/docker.sock" });
    const run = crypto.randomBytes(4).toString("hex");
    const filters = { label: [`${TEST_LABEL}=${TEST_LABEL_VALUE}`, `${RUN_LABEL}=${run}`] };
    return {
        docker,
        run,
        name: (base) => `standin-test-${run}-${base}`,
        labels: () => [
            { label: TEST_LABEL, value: TEST_LABEL_VALUE },
            { label: RUN_LABEL, value: run },
        ],
        urn: (token, name) => `urn:pulumi:test::standin::${token}::${name}`,
        async cleanup() {
            for (const c of await docker.listContainers({ all: true, filters })) {
                await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
            }
            for (const n of await docker.listNetworks({ filters })) {
                await docker.getNetwork(n.Id).remove().catch(() => undefined);
            }
            const volumes = await docker.listVolumes({ filters });
            for (const v of volumes.Volumes ?? []) {
                await docker.getVolume(v.Name).remove().catch(() => undefined);
            }
            for (const i of await docker.listImages({ all: true, filters })) {
                await docker.getImage(i.Id).remove({ force: true }).catch(() => undefined);
            }
        },
    };
}

/** Runs a command in a container and returns its output (TTY mode: no stream multiplexing). */
export async function execIn(docker: Docker, id: string, cmd: string[]): Promise<string> {
    const exec = await docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: true });
    const stream = await exec.start({ hijack: true, stdin: false, Tty: true });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve());
        stream.on("error", reject);
    });
    return Buffer.concat(chunks).toString("utf8");
}
