// Check and diff need no Docker: they decide what the engine will do with a program's inputs.
import { DockerStandinProvider } from "./provider";
import { isSecret, UNKNOWN } from "./properties";
import { CONTAINER, IMAGE, NETWORK, REMOTE_IMAGE, VOLUME } from "./schema";
import { secret } from "./testing/docker-test-env";

const urn = (token: string, name = "r") => `urn:pulumi:test::standin::${token}::${name}`;
const provider = new DockerStandinProvider();

describe("check", () => {
    it("rejects an unsupported property, naming it", async () => {
        const res = await provider.check(urn(CONTAINER), {}, { image: "debian:bookworm-slim", gpus: "all" });
        expect(res.failures).toEqual([
            expect.objectContaining({ property: "gpus", reason: expect.stringContaining("not supported") }),
        ]);
    });

    it("rejects unsupported nested properties with their path", async () => {
        const res = await provider.check(urn(CONTAINER), {}, {
            image: "debian:bookworm-slim",
            mounts: [{ type: "volume", source: "v", target: "/d", volumeOptions: { subpath: "x" } }],
            ports: [{ internal: 5432, hostIp: "127.0.0.1" }],
        });
        expect(res.failures?.map((f) => f.property).sort()).toEqual(["mounts[0].volumeOptions.subpath", "ports[0].hostIp"]);
    });

    it("checks types, enums, required fields and cross-field rules", async () => {
        const res = await provider.check(urn(CONTAINER), {}, {
            restart: "sometimes",
            ports: [{ internal: 70000 }],
            healthcheck: { tests: ["CMD", "true"], interval: "soon" },
            uploads: [{ file: "/a", content: "x", contentBase64: "eA==" }],
        });
        const byProperty = Object.fromEntries((res.failures ?? []).map((f) => [f.property, f.reason]));
        expect(Object.keys(byProperty).sort()).toEqual([
            "healthcheck.interval",
            "image",
            "ports[0].internal",
            "restart",
            "uploads[0]",
        ]);
        expect(byProperty.image).toMatch(/required/);
    });

    it("never echoes a secret value in a failure", async () => {
        const res = await provider.check(urn(CONTAINER), {}, { image: "x", memory: secret("hunter2-password") });
        expect(res.failures).toHaveLength(1);
        expect(JSON.stringify(res.failures)).not.toContain("hunter2");
    });

    it("accepts unknown values during preview", async () => {
        const res = await provider.check(urn(CONTAINER), {}, { image: UNKNOWN, envs: [UNKNOWN], ports: UNKNOWN });
        expect(res.failures).toEqual([]);
    });

    it("autonames containers, networks and volumes, keeping the earlier name", async () => {
        for (const token of [CONTAINER, NETWORK, VOLUME]) {
            const first = await provider.check(urn(token, "db"), {}, token === CONTAINER ? { image: "x" } : {});
            expect(first.inputs.name).toMatch(/^db-[0-9a-f]{7}$/);
            const again = await provider.check(urn(token, "db"), first.inputs, token === CONTAINER ? { image: "y" } : {});
            expect(again.inputs.name).toBe(first.inputs.name);
        }
        const named = await provider.check(urn(VOLUME), {}, { name: "explicit" });
        expect(named.inputs.name).toBe("explicit");
    });

    it("refuses to push images and rejects unknown resource types", async () => {
        const res = await provider.check(urn(IMAGE), {}, { imageName: "x:1", build: { context: "." } });
        expect(res.failures).toEqual([expect.objectContaining({ property: "skipPush" })]);
        const reg = await provider.check(urn(IMAGE), {}, { imageName: "x:1", skipPush: true, registry: { server: "r" } });
        expect(reg.failures?.map((f) => f.property)).toEqual(["registry"]);
        await expect(provider.check(urn("docker:index/service:Service"), {}, {})).rejects.toThrow(/not supported/);
    });

    it("keeps secrets wrapped in the checked inputs", async () => {
        const res = await provider.check(urn(CONTAINER), {}, { image: "x", envs: ["A=1", secret("B=2")] });
        expect(isSecret((res.inputs.envs as unknown[])[1])).toBe(true);
    });
});

describe("diff", () => {
    const olds = {
        name: "web-1",
        image: "sha256:aaa",
        envs: ["A=1", "B=2"],
        restart: "no",
        mustRun: true,
        hostname: "0123456789ab", // computed by Docker
        ports: [{ internal: 8080, external: 32768, ip: "127.0.0.1", protocol: "tcp" }],
        networkDatas: [{ networkName: "n", ipAddress: "172.18.0.2" }],
        memory: 256,
    };
    const news = {
        name: "web-1",
        image: "sha256:aaa",
        envs: ["B=2", "A=1"],
        ports: [{ internal: 8080, ip: "127.0.0.1" }],
        memory: 256,
    };

    it("sees no change when only computed values and set order differ", async () => {
        const d = await provider.diff("id", urn(CONTAINER), olds, news);
        expect(d.changes).toBe(false);
    });

    it("replaces a container (delete first) when its image or envs change", async () => {
        for (const change of [{ image: "sha256:bbb" }, { envs: ["A=1", "B=3"] }, { envs: ["A=1", secret("B=2"), "C=3"] }]) {
            const d = await provider.diff("id", urn(CONTAINER), olds, { ...news, ...change });
            expect(d.changes).toBe(true);
            expect(d.replaces).toEqual(Object.keys(change));
            expect(d.deleteBeforeReplace).toBe(true);
        }
    });

    it("replaces on ports, uploads, mounts and networks changes", async () => {
        const changes = [
            { ports: [{ internal: 8080, ip: "0.0.0.0" }] },
            { ports: [{ internal: 8080, ip: "127.0.0.1", external: 5000 }] },
            { uploads: [{ file: "/etc/x", content: "y" }] },
            { mounts: [{ type: "tmpfs", target: "/t" }] },
            { networksAdvanced: [{ name: "n" }] },
            { hostname: "other" },
        ];
        for (const change of changes) {
            const d = await provider.diff("id", urn(CONTAINER), olds, { ...news, ...change });
            expect(d.replaces).toEqual(Object.keys(change));
        }
    });

    it("updates restart policy and memory in place; state-only flags need no replacement", async () => {
        const d = await provider.diff("id", urn(CONTAINER), olds, { ...news, restart: "always", memory: 512, wait: true });
        expect(d.changes).toBe(true);
        expect(d.replaces).toEqual([]);
        const lift = await provider.diff("id", urn(CONTAINER), olds, { ...news, memory: undefined });
        expect(lift.replaces).toEqual(["memory"]); // Docker cannot lift a limit in place
    });

    it("treats unknown new values as changes", async () => {
        const d = await provider.diff("id", urn(CONTAINER), olds, { ...news, image: UNKNOWN });
        expect(d.replaces).toEqual(["image"]);
    });

    it("applies documented defaults on both sides", async () => {
        const d = await provider.diff("id", urn(CONTAINER), { ...olds, restart: undefined }, { ...news, restart: "no", mustRun: true });
        expect(d.changes).toBe(false);
    });

    it("replaces networks and volumes on any change; updates remote images' keepLocally in place", async () => {
        const net = await provider.diff("id", urn(NETWORK), { name: "n", internal: false }, { name: "n", internal: true });
        expect(net).toEqual(expect.objectContaining({ replaces: ["internal"], deleteBeforeReplace: true }));
        const vol = await provider.diff("v", urn(VOLUME), { name: "v", driver: "local" }, { name: "v", labels: [{ label: "a", value: "b" }] });
        expect(vol.replaces).toEqual(["labels"]);
        const img = await provider.diff("i", urn(REMOTE_IMAGE), { name: "a:1", imageId: "sha256:x" }, { name: "a:1", keepLocally: true });
        expect(img).toEqual(expect.objectContaining({ changes: true, replaces: [] }));
    });
});
