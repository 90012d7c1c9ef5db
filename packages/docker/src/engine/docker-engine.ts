import type Docker from "dockerode";
import { PassThrough } from "stream";

// The Docker Engine API the stack's containers live on. pgscale's dynamic providers receive the
// docker provider's `host` as an input (see engine/target.ts); unset, they use DOCKER_HOST (read by
// docker-modem) like the docker provider itself does.

const clients = new Map<string, Docker>();

/** Connection options for a docker `host` value; throws naming the value when unsupported. */
export function engineOptions(host: string | undefined): Docker.DockerOptions {
    if (!host) return {};
    const unix = /^unix:\/\/(\/.+)$/.exec(host);
    if (unix) return { socketPath: unix[1] };
    const tcp = /^(?:tcp|http):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(host);
    if (tcp) return { protocol: "http", host: tcp[1].replace(/^\[|\]$/g, ""), port: Number(tcp[2] ?? 2375) };
    throw new Error(`docker host ${JSON.stringify(host)} is not supported by pgscale's engine client (unix:///path or tcp://host:port)`);
}

/**
 * The engine client for `host`. A request whose connection stays silent for `idleTimeoutMs` fails
 * (30 s: every call but a build answers within it); an image build can be silent for longer while
 * apt unpacks and configures packages, so builds pass a longer one.
 */
export function dockerEngine(host?: string, idleTimeoutMs = 30_000): Docker {
    const key = `${host ?? ""}|${idleTimeoutMs}`;
    let client = clients.get(key);
    if (!client) {
        // Loaded on first use: programs (and providers of other resources) never load the client.
        const Dockerode = require("dockerode") as typeof Docker;
        client = new Dockerode({ ...engineOptions(host), timeout: idleTimeoutMs });
        clients.set(key, client);
    }
    return client;
}

export interface ExecResult {
    exitCode: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs `cmd` in a running container and collects its output (docker exec). `stdin` is written to
 * the process's standard input, then closed: the way to hand it a secret, which neither the exec's
 * arguments nor its environment would keep out of `docker inspect` / `ps`.
 */
export async function execIn(containerId: string, cmd: string[], o: { env?: string[]; user?: string; host?: string; stdin?: string } = {}): Promise<ExecResult> {
    const docker = dockerEngine(o.host);
    const exec = await docker.getContainer(containerId).exec({
        Cmd: cmd, Env: o.env, User: o.user, AttachStdout: true, AttachStderr: true, AttachStdin: o.stdin !== undefined,
    });
    const stream = await exec.start({ hijack: true, stdin: o.stdin !== undefined });
    if (o.stdin !== undefined) stream.end(o.stdin);
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

/** A finished container's log as the Engine API returns it without a TTY: frames of [stream, 0, 0, 0, size(4)] + payload. */
export function demuxLog(log: Buffer): { stdout: string; stderr: string } {
    const parts: Record<number, Buffer[]> = { 1: [], 2: [] };
    for (let at = 0; at + 8 <= log.length;) {
        const size = log.readUInt32BE(at + 4);
        parts[log[at]]?.push(log.subarray(at + 8, at + 8 + size));
        at += 8 + size;
    }
    return { stdout: Buffer.concat(parts[1]).toString("utf8"), stderr: Buffer.concat(parts[2]).toString("utf8") };
}
