// Image (local build) and RemoteImage against the real Docker engine.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DockerStandinProvider } from "./provider";
import { IMAGE, REMOTE_IMAGE } from "./schema";
import { testEnv } from "./testing/docker-test-env";

jest.setTimeout(180_000);

const env = testEnv();
const provider = new DockerStandinProvider();
let dir: string;

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-image-"));
    fs.writeFileSync(
        path.join(dir, "Dockerfile"),
        [
            "FROM debian:bookworm-slim AS app",
            "ARG RUN=none",
            "ARG GREETING=none",
            "LABEL pgscale.test=docker-standin pgscale.test.run=$RUN greeting=$GREETING",
            "COPY hello.txt /hello.txt",
            "FROM debian:bookworm-slim AS other",
            "LABEL pgscale.test=docker-standin pgscale.test.run=$RUN stage=other",
            "",
        ].join("\n"),
    );
    fs.writeFileSync(path.join(dir, "hello.txt"), "hello\n");
    fs.writeFileSync(path.join(dir, "ignored.txt"), "one\n");
    fs.writeFileSync(path.join(dir, ".dockerignore"), "ignored.txt\n");
});

afterAll(async () => {
    await env.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
});

describe("Image", () => {
    const urn = env.urn(IMAGE, "app");
    const imageName = `pgscale-standin-test/${env.run}:dev`;
    const inputs = () => ({
        imageName,
        skipPush: true,
        build: { context: dir, args: { RUN: env.run, GREETING: "hi" }, target: "app" },
    });

    it("digests the build context in check, ignoring .dockerignore'd files", async () => {
        const first = await provider.check(urn, {}, { ...inputs(), build: { context: dir } });
        expect(first.failures).toEqual([]);
        const digest = (first.inputs.build as Record<string, string>).contextDigest;
        expect(digest).toMatch(/^[0-9a-f]{64}$/);

        fs.writeFileSync(path.join(dir, "ignored.txt"), "two\n");
        const ignored = await provider.check(urn, {}, { ...inputs(), build: { context: dir } });
        expect((ignored.inputs.build as Record<string, string>).contextDigest).toBe(digest);

        const missing = await provider.check(urn, {}, { ...inputs(), build: { context: dir, dockerfile: "nope/Dockerfile" } });
        expect(missing.failures).toEqual([expect.objectContaining({ property: "build.dockerfile" })]);
    });

    let outs: Record<string, unknown>;

    it("builds the image (args, target) and reports name and local digest", async () => {
        const checked = await provider.check(urn, {}, inputs());
        const created = await provider.create(urn, checked.inputs);
        outs = created.outs as Record<string, unknown>;
        expect(created.id).toBe(imageName);
        const info = await env.docker.getImage(imageName).inspect();
        expect(info.Config.Labels).toEqual(expect.objectContaining({ greeting: "hi", "pgscale.test.run": env.run }));
        expect(info.Config.Labels.stage).toBeUndefined(); // target "app" stops before the second stage
        expect(outs).toEqual(
            expect.objectContaining({
                imageName,
                baseImageName: imageName,
                repoDigest: info.Id,
                dockerfile: "Dockerfile",
                skipPush: true,
            }),
        );
    });

    it("diffs a changed context file as an in-place rebuild, and a rename as a replacement", async () => {
        const unchanged = await provider.check(urn, inputs(), inputs());
        expect((await provider.diff(imageName, urn, outs, unchanged.inputs)).changes).toBe(false);

        fs.writeFileSync(path.join(dir, "hello.txt"), "hello again\n");
        const changed = await provider.check(urn, inputs(), inputs());
        const d = await provider.diff(imageName, urn, outs, changed.inputs);
        expect(d).toEqual(expect.objectContaining({ changes: true, replaces: [] }));

        const updated = await provider.update(imageName, urn, outs, changed.inputs);
        const newDigest = (updated.outs as Record<string, unknown>).repoDigest;
        expect(newDigest).not.toBe(outs.repoDigest);
        expect((await env.docker.getImage(imageName).inspect()).Id).toBe(newDigest);

        const renamed = await provider.diff(imageName, urn, updated.outs, { ...changed.inputs, imageName: "other:1" });
        expect(renamed.replaces).toEqual(["imageName"]);
    });

    it("surfaces build failures with the build output", async () => {
        const bad = path.join(dir, "Dockerfile.bad");
        fs.writeFileSync(bad, "FROM debian:bookworm-slim\nRUN echo step-output && exit 3\n");
        const checked = await provider.check(urn, {}, { ...inputs(), build: { context: dir, dockerfile: bad } });
        expect(checked.failures).toEqual([]);
        await expect(provider.create(urn, checked.inputs)).rejects.toThrow(/returned a non-zero code: 3[\s\S]*step-output/);
    });
});

describe("RemoteImage", () => {
    it("uses a local image without pulling and keeps it on delete when keepLocally", async () => {
        const urn = env.urn(REMOTE_IMAGE, "base");
        const checked = await provider.check(urn, {}, { name: "debian:bookworm-slim", keepLocally: true });
        expect(checked.failures).toEqual([]);
        const created = await provider.create(urn, checked.inputs);
        const info = await env.docker.getImage("debian:bookworm-slim").inspect();
        expect(created.id).toBe(`${info.Id}debian:bookworm-slim`);
        expect(created.outs).toEqual(expect.objectContaining({ imageId: info.Id, repoDigest: expect.any(String) }));
        expect((await provider.read(created.id, urn, created.outs)).id).toBe(created.id);
        await provider.delete(created.id, urn, created.outs);
        await expect(env.docker.getImage("debian:bookworm-slim").inspect()).resolves.toBeDefined();
    });

    it("fails clearly when the image is missing and cannot be pulled", async () => {
        const urn = env.urn(REMOTE_IMAGE, "missing");
        const checked = await provider.check(urn, {}, { name: "127.0.0.1:9/pgscale/missing:never" });
        await expect(provider.create(urn, checked.inputs)).rejects.toThrow(/pulling it failed: .*127\.0\.0\.1:9/);
    });

    it("rejects a build block (unsupported here)", async () => {
        const urn = env.urn(REMOTE_IMAGE, "built");
        const checked = await provider.check(urn, {}, { name: "x:1", build: { context: "." } });
        expect(checked.failures?.map((f) => f.property)).toEqual(["build"]);
    });
});
