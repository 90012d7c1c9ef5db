// Network, Volume and Container against the real Docker engine, through the provider's methods.
import { runCheck } from "./container";
import { volumeInUse } from "./volume";
import { DockerStandinProvider } from "./provider";
import { isSecret } from "./properties";
import { CONTAINER, NETWORK, VOLUME } from "./schema";
import { execIn, secret, testEnv } from "./testing/docker-test-env";

jest.setTimeout(120_000);

const env = testEnv();
const provider = new DockerStandinProvider();
const IMAGE = "debian:bookworm-slim";

/** check → create, as the engine does. */
async function up(token: string, name: string, inputs: Record<string, unknown>) {
    const urn = env.urn(token, name);
    const checked = await provider.check(urn, {}, inputs);
    expect(checked.failures).toEqual([]);
    const created = await provider.create(urn, checked.inputs);
    return { urn, inputs: checked.inputs, id: created.id, outs: created.outs as Record<string, unknown> };
}

afterAll(() => env.cleanup());

/** Runs `sh -c script` in a throwaway container with volume `name` at /v; returns its output. */
async function inVolume(name: string, script: string): Promise<string> {
    const c = await env.docker.createContainer({
        Image: IMAGE, Cmd: ["sh", "-c", script], Labels: Object.fromEntries(env.labels().map((l) => [l.label, l.value])),
        HostConfig: { Binds: [`${name}:/v`] },
    });
    try {
        await c.start();
        await c.wait();
        const logs = (await c.logs({ stdout: true, stderr: true })) as Buffer;
        // Multiplexed frames: an 8-byte header (stream, 3 zero bytes, big-endian length), then data.
        let out = "";
        for (let at = 0; at + 8 <= logs.length; at += 8 + logs.readUInt32BE(at + 4)) {
            out += logs.subarray(at + 8, at + 8 + logs.readUInt32BE(at + 4)).toString("utf8");
        }
        return out;
    } finally {
        await c.remove({ force: true });
    }
}

describe("network, volume and container", () => {
    let net: Awaited<ReturnType<typeof up>>;
    let vol: Awaited<ReturnType<typeof up>>;
    let web: Awaited<ReturnType<typeof up>>;

    it("creates a network", async () => {
        net = await up(NETWORK, "net", { name: env.name("net"), internal: false, labels: env.labels() });
        const info = await env.docker.getNetwork(net.id).inspect();
        expect(info.Name).toBe(env.name("net"));
        expect(info.Labels).toEqual(expect.objectContaining({ "pgscale.test": "docker-standin" }));
        expect(net.outs).toEqual(expect.objectContaining({ name: env.name("net"), driver: "bridge", scope: "local" }));
        expect((net.outs.ipamConfigs as unknown[]).length).toBeGreaterThan(0);
    });

    it("creates a volume", async () => {
        vol = await up(VOLUME, "vol", { name: env.name("vol"), labels: env.labels() });
        expect(vol.id).toBe(env.name("vol"));
        expect(vol.outs).toEqual(expect.objectContaining({ driver: "local", mountpoint: expect.any(String) }));
    });

    it("adopts a leftover volume of the same name with its data and live labels, as the real provider does", async () => {
        // Upstream create is Docker's VolumeCreate, which returns the existing volume.
        const name = env.name("leftover");
        await env.docker.createVolume({ Name: name, Labels: { ...Object.fromEntries(env.labels().map((l) => [l.label, l.value])), "pgscale.test.origin": "earlier" } });
        await inVolume(name, "echo old-data > /v/marker");
        const adopted = await up(VOLUME, "leftover", { name, labels: env.labels() });
        expect(adopted.id).toBe(name);
        // Recorded labels are the live ones (upstream Read), so the next diff sees the difference.
        expect(adopted.outs.labels).toEqual(expect.arrayContaining([{ label: "pgscale.test.origin", value: "earlier" }]));
        expect((await provider.diff(adopted.id, adopted.urn, adopted.outs, adopted.inputs)).replaces).toEqual(["labels"]);
        expect(await inVolume(name, "cat /v/marker")).toBe("old-data\n"); // the new resource sees the old data
        await provider.delete(adopted.id, adopted.urn, adopted.outs);
        await expect(env.docker.getVolume(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });

    it("creates a container with uploads in place before start, env, a picked port, health wait", async () => {
        web = await up(CONTAINER, "web", {
            name: env.name("web"),
            image: IMAGE,
            // Copies an upload at process start: proves uploads precede start.
            command: ["sh", "-c", "cp /etc/standin/hello.txt /data/seen-at-start.txt && exec sleep infinity"],
            init: true,
            envs: ["GREETING=hello", secret("PASSWORD=s3cret-value")],
            uploads: [
                { file: "/etc/standin/hello.txt", content: "hi there\n" },
                { file: "/usr/local/bin/ready.sh", content: "#!/bin/sh\ntest -s /data/seen-at-start.txt\n", executable: true },
                { file: "/etc/standin/key", contentBase64: Buffer.from("binary\u0000data").toString("base64"), permissions: "0600" },
            ],
            ports: [{ internal: 8080, ip: "127.0.0.1" }],
            networksAdvanced: [{ name: net.outs.name, aliases: ["web-alias"] }],
            mounts: [
                { type: "volume", source: vol.id, target: "/data" },
                { type: "tmpfs", target: "/scratch", tmpfsOptions: { sizeBytes: 1048576 } },
            ],
            healthcheck: { tests: ["CMD", "/usr/local/bin/ready.sh"], interval: "1s", timeout: "2s", retries: 5 },
            wait: true,
            waitTimeout: 60,
            labels: env.labels(),
            memory: 128,
            restart: "no",
            dnsOpts: ["timeout:1", "attempts:2"],
        });

        const info = await env.docker.getContainer(web.id).inspect();
        expect(info.State.Running).toBe(true);
        expect(info.State.Health?.Status).toBe("healthy");
        expect(info.Config.Env).toEqual(expect.arrayContaining(["GREETING=hello", "PASSWORD=s3cret-value"]));
        expect(info.HostConfig.Memory).toBe(128 * 1024 * 1024);
        expect(info.HostConfig.DnsOptions).toEqual(["timeout:1", "attempts:2"]);
        expect(await execIn(env.docker, info.Id, ["cat", "/etc/resolv.conf"])).toMatch(/options .*timeout:1/);
        expect(Object.keys(info.NetworkSettings.Networks)).toEqual([env.name("net")]);
        expect(info.NetworkSettings.Networks[env.name("net")].Aliases).toEqual(expect.arrayContaining(["web-alias"]));

        // The external port was picked by Docker and is reported back.
        const binding = info.NetworkSettings.Ports["8080/tcp"]!.find((b) => b.HostIp === "127.0.0.1")!;
        const ports = web.outs.ports as Array<Record<string, unknown>>;
        expect(ports).toEqual([{ internal: 8080, external: Number(binding.HostPort), ip: "127.0.0.1", protocol: "tcp" }]);
        expect(Number(binding.HostPort)).toBeGreaterThan(0);

        expect(await execIn(env.docker, web.id, ["cat", "/data/seen-at-start.txt"])).toBe("hi there\r\n");
        expect((await execIn(env.docker, web.id, ["stat", "-c", "%a %U", "/usr/local/bin/ready.sh", "/etc/standin/key"])).split(/\r?\n/)).toEqual(
            ["744 root", "600 root", ""],
        );
        expect(await execIn(env.docker, web.id, ["df", "--output=size", "/scratch"])).toMatch(/1024/);

        expect(web.outs).toEqual(
            expect.objectContaining({
                name: env.name("web"),
                mustRun: true,
                removeVolumes: true,
                networkDatas: [expect.objectContaining({ networkName: env.name("net"), ipAddress: expect.stringMatching(/\d+\./) })],
            }),
        );
        // Secret inputs stay secret in the outputs (state).
        expect(isSecret((web.outs.envs as unknown[])[1])).toBe(true);
    });

    it("reads back the live container and plans replacement for image/env changes", async () => {
        const read = await provider.read(web.id, web.urn, web.outs);
        expect(read.id).toBe(web.id);
        expect((read.props as Record<string, unknown>).ports).toEqual(web.outs.ports);

        const same = await provider.diff(web.id, web.urn, read.props, web.inputs);
        expect(same.changes).toBe(false);
        const newImage = await provider.diff(web.id, web.urn, read.props, { ...web.inputs, image: "pgscale/other:1" });
        expect(newImage).toEqual(expect.objectContaining({ replaces: ["image"], deleteBeforeReplace: true }));
        const newEnv = await provider.diff(web.id, web.urn, read.props, { ...web.inputs, envs: ["GREETING=bye"] });
        expect(newEnv.replaces).toEqual(["envs"]);
    });

    it("updates restart policy and memory in place", async () => {
        const news = { ...web.inputs, restart: "unless-stopped", memory: 256 };
        const d = await provider.diff(web.id, web.urn, web.outs, news);
        expect(d).toEqual(expect.objectContaining({ changes: true, replaces: [] }));
        const updated = await provider.update(web.id, web.urn, web.outs, news);
        const info = await env.docker.getContainer(web.id).inspect();
        expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
        expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
        expect((updated.outs as Record<string, unknown>).restart).toBe("unless-stopped");
    });

    it("records a healthcheck change without applying it; refresh reads the running one back", async () => {
        const changed = { ...web.inputs, healthcheck: { tests: ["CMD", "/usr/local/bin/ready.sh"], interval: "3s", timeout: "2s", retries: 7 } };
        const d = await provider.diff(web.id, web.urn, web.outs, changed);
        expect(d).toEqual(expect.objectContaining({ changes: true, replaces: [] }));
        const updated = (await provider.update(web.id, web.urn, web.outs, changed)).outs as Record<string, any>;
        expect(updated.healthcheck).toEqual(expect.objectContaining({ interval: "3s", retries: 7 }));
        const info = await env.docker.getContainer(web.id).inspect();
        expect(info.Id).toBe(web.id); // same container
        expect((info.Config as any).Healthcheck).toEqual(expect.objectContaining({ Interval: 1e9, Retries: 5 }));
        const read = (await provider.read(web.id, web.urn, updated)).props as Record<string, any>;
        expect(read.healthcheck).toEqual({ tests: ["CMD", "/usr/local/bin/ready.sh"], interval: "1s", timeout: "2s", startPeriod: "0s", retries: 5 });
        expect((await provider.diff(web.id, web.urn, read, changed)).changes).toBe(true);
        web = { ...web, outs: read };
    });

    it("refuses to delete a volume in use, naming the container", async () => {
        // The 30 s of retries (a container removed just before may still hold it) shortened: the
        // outcome is the same once they run out.
        volumeInUse.retryMs = 1500;
        try {
            await expect(provider.delete(vol.id, vol.urn, vol.outs)).rejects.toThrow(
                new RegExp(`refusing to remove volume .*in use by container\\(s\\) ${env.name("web")}`),
            );
        } finally {
            volumeInUse.retryMs = 30_000;
        }
    });

    it("deletes container, volume and network, leaving nothing; deleting again succeeds", async () => {
        await provider.delete(web.id, web.urn, web.outs);
        await provider.delete(vol.id, vol.urn, vol.outs);
        await provider.delete(net.id, net.urn, net.outs);
        const filters = { label: [`pgscale.test.run=${env.run}`] };
        expect(await env.docker.listContainers({ all: true, filters })).toEqual([]);
        expect(await env.docker.listNetworks({ filters })).toEqual([]);
        expect((await env.docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);

        // Already gone: read reports it, delete is a no-op.
        for (const r of [web, vol, net]) {
            expect((await provider.read(r.id, r.urn, r.outs)).id).toBe("");
            await provider.delete(r.id, r.urn, r.outs);
        }
    });
});

describe("container lifecycle edge cases", () => {
    it("removes a container whose process exits at once and reports the exit code", async () => {
        // `exit 7` takes milliseconds, but under load its exit can reach Docker after the real
        // provider's 100 ms: the check waits long enough here for the outcome not to be a race.
        runCheck.delayMs = 3000;
        try {
            const urn = env.urn(CONTAINER, "dies");
            const checked = await provider.check(urn, {}, {
                name: env.name("dies"),
                image: IMAGE,
                command: ["sh", "-c", "exit 7"],
                labels: env.labels(),
            });
            await expect(provider.create(urn, checked.inputs)).rejects.toThrow(/exited immediately with code 7/);
            expect(await env.docker.listContainers({ all: true, filters: { name: [env.name("dies")] } })).toEqual([]);
        } finally {
            runCheck.delayMs = 100;
        }
    });

    it("fails a wait that never gets healthy within waitTimeout, redacting secrets", async () => {
        const urn = env.urn(CONTAINER, "sick");
        const checked = await provider.check(urn, {}, {
            name: env.name("sick"),
            image: IMAGE,
            command: ["sleep", "infinity"],
            init: true,
            envs: [secret("TOKEN=very-secret-token")],
            healthcheck: { tests: ["CMD-SHELL", "echo $TOKEN; exit 1"], interval: "1s", retries: 100 },
            wait: true,
            waitTimeout: 3,
            labels: env.labels(),
        });
        const err = await provider.create(urn, checked.inputs).then(
            () => undefined,
            (e: Error) => e,
        );
        expect(err?.message).toMatch(/did not reach healthy state in 3 seconds/);
        expect(err?.message).not.toContain("very-secret-token");
        expect(err?.message).toContain("[secret]"); // the probe's output, redacted
        expect(await env.docker.listContainers({ all: true, filters: { name: [env.name("sick")] } })).toEqual([]);
    });

    it("reports a stopped must-run container as gone on refresh (and removes it)", async () => {
        const urn = env.urn(CONTAINER, "stops");
        const checked = await provider.check(urn, {}, {
            name: env.name("stops"),
            image: IMAGE,
            command: ["sleep", "infinity"],
            labels: env.labels(),
        });
        const created = await provider.create(urn, checked.inputs);
        await env.docker.getContainer(created.id).kill();
        expect((await provider.read(created.id, urn, created.outs)).id).toBe("");
        await expect(env.docker.getContainer(created.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    });

    it("surfaces a missing image clearly", async () => {
        const urn = env.urn(CONTAINER, "noimage");
        const checked = await provider.check(urn, {}, { name: env.name("noimage"), image: "127.0.0.1:9/pgscale/missing:never" });
        await expect(provider.create(urn, checked.inputs)).rejects.toThrow(
            /image 127\.0\.0\.1:9\/pgscale\/missing:never is not present on the Docker host and pulling it failed/,
        );
    });
});
