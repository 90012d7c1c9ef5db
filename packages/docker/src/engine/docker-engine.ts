import type Docker from "dockerode";
import { PassThrough } from "stream";

// The Docker Engine API at DOCKER_HOST (unix:// or tcp://, read by docker-modem), as the docker
// provider and CLI use it. Providers that act on a stack's containers reach them here.

let client: Docker | undefined;

export function dockerEngine(): Docker {
    if (!client) {
        // Loaded on first use: programs (and providers of other resources) never load the client.
        const Dockerode = require("dockerode") as typeof Docker;
        client = new Dockerode({ timeout: 30_000 });
    }
    return client;
}

export interface ExecResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

/** Runs `cmd` in a running container and collects its output (docker exec). */
export async function execIn(containerId: string, cmd: string[], o: { env?: string[]; user?: string } = {}): Promise<ExecResult> {
    const docker = dockerEngine();
    const exec = await docker.getContainer(containerId).exec({
        Cmd: cmd, Env: o.env, User: o.user, AttachStdout: true, AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const collect = () => {
        const sink = new PassThrough();
        const chunks: Buffer[] = [];
        sink.on("data", (b: Buffer) => chunks.push(b));
        return { sink, text: () => Buffer.concat(chunks).toString("utf8") };
    };
    const out = collect();
    const err = collect();
    docker.modem.demuxStream(stream, out.sink, err.sink);
    await new Promise<void>((resolve, reject) => {
        stream.on("end", resolve);
        stream.on("close", resolve);
        stream.on("error", reject);
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, stdout: out.text(), stderr: err.text() };
}
