// docker:index/container:Container. Create runs create → connect networks → upload files → start
// (so uploads are in place before the process starts) → optional wait for health. A failed create
// removes what it made: the engine records nothing for a failed create, so nothing may be left.
import * as fs from "fs";
import Docker from "dockerode";
import { dockerMessage, isNotFound, sleep, statusCode } from "./docker";
import { goDurationToNanos, nanosToGoDuration } from "./duration";
import { Props, ResourceHandler, bool, labelsToMap, list, num, str, strMap } from "./handler";
import { redact } from "./properties";
import { ensureImage } from "./remote-image";
import { tarArchive, TarEntry } from "./tar";

const MB = 1024 * 1024;

interface PortInput {
    internal: number;
    external?: number;
    ip?: string;
    protocol?: string;
}
interface UploadInput {
    file: string;
    content?: string;
    contentBase64?: string;
    source?: string;
    executable?: boolean;
    permissions?: string;
}
interface NetworkInput {
    name: string;
    aliases?: string[];
    ipv4Address?: string;
    ipv6Address?: string;
}
interface VolumeInput {
    volumeName?: string;
    hostPath?: string;
    containerPath?: string;
    fromContainer?: string;
    readOnly?: boolean;
}
interface MountInput {
    type: "bind" | "volume" | "tmpfs";
    target: string;
    source?: string;
    readOnly?: boolean;
    bindOptions?: { propagation?: string };
    volumeOptions?: { noCopy?: boolean; labels?: unknown; driverName?: string; driverOptions?: Record<string, string> };
    tmpfsOptions?: { sizeBytes?: number; mode?: number };
}

const portKey = (p: PortInput) => `${p.internal}/${p.protocol ?? "tcp"}`;

function endpointConfig(n: NetworkInput): Docker.EndpointSettings {
    const ipam = n.ipv4Address || n.ipv6Address ? { IPv4Address: n.ipv4Address, IPv6Address: n.ipv6Address } : undefined;
    return { Aliases: n.aliases, IPAMConfig: ipam } as Docker.EndpointSettings;
}

/** Translates the Pulumi inputs into one POST /containers/create body. */
export function createOptions(i: Props): Docker.ContainerCreateOptions {
    const ports = list<PortInput>(i.ports);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of ports) {
        exposed[portKey(p)] = {};
        (bindings[portKey(p)] ??= []).push({
            HostIp: p.ip ?? "0.0.0.0",
            HostPort: p.external !== undefined ? String(p.external) : "", // "" lets Docker pick
        });
    }

    const anonymous: Record<string, object> = {};
    const binds: string[] = [];
    const volumesFrom: string[] = [];
    for (const v of list<VolumeInput>(i.volumes)) {
        const ro = v.readOnly ? ":ro" : "";
        if (v.fromContainer) {
            volumesFrom.push(`${v.fromContainer}${ro}`);
        } else if (v.volumeName || v.hostPath) {
            binds.push(`${v.volumeName ?? v.hostPath}:${v.containerPath}${ro}`);
        } else if (v.containerPath) {
            anonymous[v.containerPath] = {};
        }
    }

    const mounts = list<MountInput>(i.mounts).map((m) => ({
        Type: m.type,
        Target: m.target,
        Source: m.source ?? "",
        ReadOnly: m.readOnly ?? false,
        BindOptions: m.bindOptions?.propagation ? { Propagation: m.bindOptions.propagation } : undefined,
        VolumeOptions: m.volumeOptions
            ? {
                  NoCopy: m.volumeOptions.noCopy ?? false,
                  Labels: labelsToMap(m.volumeOptions.labels),
                  DriverConfig:
                      m.volumeOptions.driverName || m.volumeOptions.driverOptions
                          ? { Name: m.volumeOptions.driverName ?? "", Options: m.volumeOptions.driverOptions ?? {} }
                          : undefined,
              }
            : undefined,
        TmpfsOptions: m.tmpfsOptions ? { SizeBytes: m.tmpfsOptions.sizeBytes, Mode: m.tmpfsOptions.mode } : undefined,
    }));

    const hc = i.healthcheck as
        | { tests: string[]; interval?: string; timeout?: string; startPeriod?: string; retries?: number }
        | undefined;
    const caps = i.capabilities as { adds?: string[]; drops?: string[] } | undefined;
    const nets = list<NetworkInput>(i.networksAdvanced);
    const memory = num(i.memory);
    const swap = num(i.memorySwap);
    const shm = num(i.shmSize);
    const logDriver = str(i.logDriver);

    return {
        name: str(i.name),
        Image: str(i.image),
        Cmd: list<string>(i.command).length ? list<string>(i.command) : undefined,
        Entrypoint: list<string>(i.entrypoints).length ? list<string>(i.entrypoints) : undefined,
        Env: list<string>(i.envs),
        User: str(i.user),
        Hostname: str(i.hostname),
        WorkingDir: str(i.workingDir),
        Labels: labelsToMap(i.labels),
        ExposedPorts: ports.length ? exposed : undefined,
        Volumes: Object.keys(anonymous).length ? anonymous : undefined,
        StopSignal: str(i.stopSignal),
        StopTimeout: num(i.stopTimeout),
        Healthcheck: hc
            ? {
                  Test: hc.tests,
                  Interval: goDurationToNanos(hc.interval ?? "0s"),
                  Timeout: goDurationToNanos(hc.timeout ?? "0s"),
                  StartPeriod: goDurationToNanos(hc.startPeriod ?? "0s"),
                  Retries: hc.retries ?? 0,
              }
            : undefined,
        HostConfig: {
            // With networksAdvanced the container joins exactly those networks (the real provider
            // detaches it from the default bridge); creating it on the first one avoids the bridge.
            NetworkMode: nets.length ? nets[0].name : str(i.networkMode) ?? "bridge",
            PortBindings: ports.length ? bindings : undefined,
            Binds: binds.length ? binds : undefined,
            VolumesFrom: volumesFrom.length ? volumesFrom : undefined,
            Mounts: mounts.length ? (mounts as Docker.MountSettings[]) : undefined,
            RestartPolicy: { Name: str(i.restart) ?? "no", MaximumRetryCount: num(i.maxRetryCount) ?? 0 },
            Memory: memory ? memory * MB : undefined,
            MemorySwap: swap !== undefined ? (swap > 0 ? swap * MB : swap) : undefined,
            ShmSize: shm !== undefined ? shm * MB : undefined,
            Tmpfs: strMap(i.tmpfs),
            CapAdd: caps?.adds,
            CapDrop: caps?.drops,
            Init: bool(i.init),
            LogConfig: logDriver ? { Type: logDriver, Config: strMap(i.logOpts) ?? {} } : undefined,
            Privileged: bool(i.privileged) ?? false,
            ReadonlyRootfs: bool(i.readOnly) ?? false,
            ExtraHosts: list<{ host: string; ip: string }>(i.hosts).map((h) => `${h.host}:${h.ip}`),
            DnsOptions: list<string>(i.dnsOpts).length ? list<string>(i.dnsOpts) : undefined,
            GroupAdd: list<string>(i.groupAdds).length ? list<string>(i.groupAdds) : undefined,
        },
        NetworkingConfig: nets.length ? { EndpointsConfig: { [nets[0].name]: endpointConfig(nets[0]) } } : undefined,
    };
}

/** One archive with every upload, extracted at "/" (the real provider's modes: 0744 / 0644). */
export function uploadsArchive(uploads: UploadInput[]): Buffer {
    const entries: TarEntry[] = uploads.map((u) => {
        const data =
            u.content !== undefined
                ? Buffer.from(u.content, "utf8")
                : u.contentBase64 !== undefined
                  ? Buffer.from(u.contentBase64, "base64")
                  : fs.readFileSync(u.source!);
        const mode = u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o744 : 0o644;
        return { name: u.file.replace(/^\/+/, ""), type: "file", mode, data };
    });
    return tarArchive(entries);
}

function portsOutput(i: Props, info: Docker.ContainerInspectInfo, previous: unknown): PortInput[] | undefined {
    const ports = list<PortInput>(i.ports);
    if (!ports.length) {
        return undefined;
    }
    const live = (info.NetworkSettings?.Ports ?? {}) as Record<string, Array<{ HostIp: string; HostPort: string }> | null>;
    const before = list<PortInput>(previous);
    return ports.map((p, idx) => {
        const ip = p.ip ?? "0.0.0.0";
        const bound = live[portKey(p)] ?? [];
        const b =
            bound.find((x) => x.HostIp === ip && (p.external === undefined || x.HostPort === String(p.external))) ??
            bound.find((x) => p.external !== undefined && x.HostPort === String(p.external)) ??
            bound[0];
        // A stopped container has no live bindings: keep the port reported before.
        const external = b ? Number(b.HostPort) : p.external ?? before[idx]?.external;
        return { internal: p.internal, external, ip, protocol: p.protocol ?? "tcp" };
    });
}

/**
 * The healthcheck as the container runs it (its own or its image's), in the real provider's
 * notation. Create and refresh record this (the real provider's Read); an update records the new
 * inputs instead, since the real Update never applies a healthcheck change.
 */
function liveHealthcheck(info: Docker.ContainerInspectInfo): Props | undefined {
    const hc = info.Config.Healthcheck as
        | { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number }
        | undefined;
    if (!hc?.Test?.length) {
        return undefined;
    }
    return {
        tests: hc.Test,
        interval: nanosToGoDuration(hc.Interval ?? 0),
        timeout: nanosToGoDuration(hc.Timeout ?? 0),
        startPeriod: nanosToGoDuration(hc.StartPeriod ?? 0),
        retries: hc.Retries ?? 0,
    };
}

/** Outputs: the inputs as given, plus what the daemon decided (the real provider's computed values). */
export function containerOutputs(
    i: Props,
    info: Docker.ContainerInspectInfo,
    previousPorts?: unknown,
    how: { readHealthcheck?: boolean } = {},
): Props {
    const networks = Object.entries(info.NetworkSettings?.Networks ?? {}).sort(([a], [b]) => a.localeCompare(b));
    return {
        ...i,
        name: info.Name.replace(/^\//, ""),
        hostname: i.hostname ?? info.Config.Hostname,
        command: i.command ?? info.Config.Cmd ?? [],
        entrypoints: i.entrypoints ?? info.Config.Entrypoint ?? [],
        // The real provider creates on "bridge" and then moves the container to networksAdvanced,
        // so it reports "bridge"; we create on the first network directly but report the same.
        networkMode: i.networkMode ?? (list(i.networksAdvanced).length ? "bridge" : info.HostConfig.NetworkMode),
        shmSize: i.shmSize ?? Math.floor((info.HostConfig.ShmSize ?? 0) / MB),
        init: i.init ?? info.HostConfig.Init ?? false,
        logDriver: i.logDriver ?? info.HostConfig.LogConfig?.Type,
        ports: portsOutput(i, info, previousPorts),
        healthcheck: (how.readHealthcheck ? liveHealthcheck(info) : undefined) ?? i.healthcheck,
        bridge: info.NetworkSettings?.Bridge ?? "",
        exitCode: info.State.Running ? undefined : info.State.ExitCode,
        networkDatas: networks.map(([name, n]) => ({
            networkName: name,
            ipAddress: n.IPAddress,
            ipPrefixLength: n.IPPrefixLen,
            gateway: n.Gateway,
            globalIpv6Address: n.GlobalIPv6Address,
            globalIpv6PrefixLength: n.GlobalIPv6PrefixLen,
            ipv6Gateway: n.IPv6Gateway,
            macAddress: n.MacAddress,
        })),
    };
}

async function inspectOrUndefined(c: Docker.Container): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
        return await c.inspect();
    } catch (err) {
        if (isNotFound(err)) {
            return undefined;
        }
        throw new Error(`unable to inspect container ${c.id}: ${dockerMessage(err)}`);
    }
}

function lastHealthOutput(info: Docker.ContainerInspectInfo, secrets: string[]): string {
    const log = info.State.Health?.Log ?? [];
    const last = log[log.length - 1];
    if (!last) {
        return "";
    }
    const out = redact(String(last.Output ?? "").trim(), secrets).slice(-400);
    return `; last check exited ${last.ExitCode}${out ? `: ${out}` : ""}`;
}

/** Polls until the healthcheck reports healthy, as the real provider's `wait` does. */
async function waitHealthy(c: Docker.Container, timeoutSeconds: number, secrets: string[]): Promise<void> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (;;) {
        const info = await c.inspect();
        if (!info.State.Health) {
            throw new Error("`wait` needs a healthcheck, but neither the container nor its image defines one");
        }
        if (info.State.Health.Status === "healthy") {
            return;
        }
        if (!info.State.Running && !info.State.Restarting) {
            throw new Error(
                `container exited with code ${info.State.ExitCode} before becoming healthy${lastHealthOutput(info, secrets)}`,
            );
        }
        if (Date.now() >= deadline) {
            throw new Error(
                `container did not reach healthy state in ${timeoutSeconds} seconds ` +
                    `(status ${info.State.Health.Status}${lastHealthOutput(info, secrets)})`,
            );
        }
        await sleep(500);
    }
}

async function removeContainer(docker: Docker, id: string, removeVolumes: boolean): Promise<void> {
    const c = docker.getContainer(id);
    try {
        await c.remove({ force: true, v: removeVolumes });
    } catch (err) {
        if (isNotFound(err)) {
            return;
        }
        if (statusCode(err) !== 409) {
            throw new Error(`unable to remove container ${id}: ${dockerMessage(err)}`);
        }
        // 409: a removal is already in progress; wait for it to finish.
        for (let i = 0; i < 60 && (await inspectOrUndefined(c)); i++) {
            await sleep(500);
        }
    }
}

/**
 * How long after start a container that must run is checked (the real provider: 100 ms,
 * terraform-provider-docker's containerReadRefreshDelay). A test of the check sets it longer, so a
 * process that exits at once has surely exited by then on a loaded machine.
 */
export const runCheck = { delayMs: 100 };

export const container: ResourceHandler = {
    async create(docker, inputs, ctx) {
        const image = str(inputs.image)!;
        await ensureImage(docker, image);
        let created: Docker.Container;
        try {
            created = await docker.createContainer(createOptions(inputs));
        } catch (err) {
            throw new Error(`unable to create container: ${redact(dockerMessage(err), ctx.secrets)}`);
        }
        try {
            for (const n of list<NetworkInput>(inputs.networksAdvanced).slice(1)) {
                await docker.getNetwork(n.name).connect({ Container: created.id, EndpointConfig: endpointConfig(n) });
            }
            const uploads = list<UploadInput>(inputs.uploads);
            if (uploads.length) {
                await created.putArchive(uploadsArchive(uploads), { path: "/" });
            }
            await created.start();
            if (bool(inputs.mustRun) ?? true) {
                // Catch a process that dies right away (runCheck).
                await sleep(runCheck.delayMs);
                const info = await created.inspect();
                if (!info.State.Running && !info.State.Restarting) {
                    throw new Error(`container exited immediately with code ${info.State.ExitCode}`);
                }
            }
            if (bool(inputs.wait)) {
                await waitHealthy(created, num(inputs.waitTimeout) ?? 60, ctx.secrets);
            }
            const info = await created.inspect();
            return { id: created.id, outs: containerOutputs(inputs, info, undefined, { readHealthcheck: true }) };
        } catch (err) {
            await removeContainer(docker, created.id, true).catch(() => undefined);
            throw new Error(`${redact(dockerMessage(err), ctx.secrets)} (the container was removed again)`);
        }
    },

    async read(docker, id, props) {
        const c = docker.getContainer(id);
        const info = await inspectOrUndefined(c);
        if (!info) {
            return undefined;
        }
        if (!info.State.Running && !info.State.Restarting && (bool(props.mustRun) ?? true)) {
            // Like the real provider: a container that must run but has stopped is removed and
            // reported gone, so the next update creates it afresh.
            await removeContainer(docker, id, bool(props.removeVolumes) ?? true);
            return undefined;
        }
        return { id: info.Id, props: containerOutputs(props, info, props.ports, { readHealthcheck: true }) };
    },

    async update(docker, id, olds, news) {
        const c = docker.getContainer(id);
        const changed = (k: string) => JSON.stringify(olds[k] ?? null) !== JSON.stringify(news[k] ?? null);
        const body: Record<string, unknown> = {};
        if (changed("restart") || changed("maxRetryCount")) {
            body.RestartPolicy = { Name: str(news.restart) ?? "no", MaximumRetryCount: num(news.maxRetryCount) ?? 0 };
        }
        const memory = num(news.memory);
        if ((changed("memory") || changed("memorySwap")) && memory) {
            const swap = num(news.memorySwap);
            body.Memory = memory * MB;
            // Docker rejects a memory limit above the current swap limit unless both change;
            // without memorySwap, keep Docker's create-time default of twice the memory.
            body.MemorySwap = swap !== undefined ? (swap > 0 ? swap * MB : swap) : 2 * memory * MB;
        }
        if (Object.keys(body).length) {
            try {
                await c.update(body);
            } catch (err) {
                throw new Error(`unable to update container ${id}: ${dockerMessage(err)}`);
            }
        }
        const info = await inspectOrUndefined(c);
        if (!info) {
            throw new Error(`container ${id} no longer exists; run \`pulumi refresh\``);
        }
        // A healthcheck left unset keeps the recorded one (computed upstream); a changed one is
        // recorded as given while the container keeps running the old one.
        return containerOutputs({ ...news, healthcheck: news.healthcheck ?? olds.healthcheck }, info, olds.ports);
    },

    async delete(docker, id, props) {
        const grace = num(props.destroyGraceSeconds);
        if (grace && grace > 0) {
            await docker
                .getContainer(id)
                .stop({ t: grace })
                .catch((err: unknown) => {
                    // 304: already stopped; 404: already gone.
                    if (statusCode(err) !== 304 && !isNotFound(err)) {
                        throw new Error(`unable to stop container ${id}: ${dockerMessage(err)}`);
                    }
                });
        }
        await removeContainer(docker, id, bool(props.removeVolumes) ?? true);
    },
};
