// pgscale's own images built on a real Docker engine from the shipped Dockerfiles, as the
// BuiltImage resource, `pgscale images build` and @pgscale/testing do it. A private tag keeps
// the default tags that other suites run on untouched.
import { execFileSync } from "child_process";
import { CONTEXT_LABEL, builtImageHandlers, contextDigest, ensureImage } from "@pgscale/docker";

jest.setTimeout(300_000);

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const tag = `pgscale-it/etcd:${process.pid}`;
const idOf = (ref: string) => docker("image", "inspect", "--format", "{{.Id}}", ref);

beforeAll(() => {
    // A base for the "other context" image below, apart from the default tags other suites run on.
    execFileSync("docker", ["build", "-q", "-t", `${tag.replace(/:.*/, "")}-base`, "-"], { input: "FROM debian:bookworm-slim\n" });
});
afterAll(() => {
    try { docker("rmi", "-f", tag, `${tag.replace(/:.*/, "")}-base`); } catch { /* already gone */ }
});

describe("ensureImage", () => {
    it("builds a missing image from the shipped Dockerfile, labelled with its context digest", async () => {
        const img = await ensureImage({ name: "etcd", tag });
        expect(img.built).toBe(true);
        expect(img.imageId).toBe(idOf(tag));
        expect(docker("image", "inspect", "--format", `{{index .Config.Labels "${CONTEXT_LABEL}"}}`, tag)).toBe(contextDigest("etcd"));
        // The image is what the constructs expect: etcd on PATH, a non-root user.
        expect(docker("run", "--rm", "--network", "none", "--entrypoint", "id", tag, "-un")).toBe("etcd");
    });

    it("keeps an image built from the same Dockerfile, and builds concurrent requests once", async () => {
        const before = idOf(tag);
        const [a, b] = await Promise.all([ensureImage({ name: "etcd", tag }), ensureImage({ name: "etcd", tag })]);
        expect([a.built, a.imageId, b.imageId]).toEqual([false, before, before]);
    });

    it("builds again when the tag was built from something else", async () => {
        // Same tag, built from another context: what an older pgscale's or a hand-made image looks like.
        docker("rmi", "-f", tag);
        execFileSync("docker", ["build", "-q", "-t", tag, "-"], { input: `FROM ${tag.replace(/:.*/, "")}-base\nLABEL other=1 ${CONTEXT_LABEL}=another\n` });
        const img = await ensureImage({ name: "etcd", tag });
        expect(img.built).toBe(true);
        expect(docker("image", "inspect", "--format", "{{index .Config.Labels \"other\"}}", tag)).toBe("");
    });
});

describe("BuiltImage provider", () => {
    it("creates with the image ID, diffs clean while the image is there, and rebuilds it once removed", async () => {
        const inputs = { name: "etcd" as const, tag, contextSha256: contextDigest("etcd") };
        const created = await builtImageHandlers.create(inputs);
        expect(created.outs.imageId).toBe(idOf(tag));
        expect((await builtImageHandlers.diff(tag, created.outs, inputs)).changes).toBe(false);
        expect((await builtImageHandlers.diff(tag, created.outs, { ...inputs, contextSha256: "other" })).changes).toBe(true);
        docker("rmi", "-f", tag);
        expect((await builtImageHandlers.diff(tag, created.outs, inputs)).changes).toBe(true);
        const updated = await builtImageHandlers.update(tag, created.outs, inputs);
        expect(updated.outs!.imageId).toBe(idOf(tag));
        // Destroying a stack keeps the image: other stacks use the same tag.
        await builtImageHandlers.delete();
        expect(idOf(tag)).toBe(updated.outs!.imageId);
    });
});
