import * as fs from "fs";
import * as path from "path";
import { DEFAULT_IMAGES, IMAGE_VERSION, imageReference, imageSource, imagesSpec } from "./images";
import { parseSpec } from "../validation";
import { patroniClusterSpec } from "./spec";

const messages = (r: { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } }) =>
    r.success ? [] : r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);

describe("image references", () => {
    it.each([
        "pgscale/patroni:0.1.0", "registry.example.com/team/patroni:1.2", "localhost:5000/patroni:1",
        `postgres@sha256:${"a".repeat(64)}`, "ghcr.io/org/img:v1@sha256:" + "0".repeat(64),
    ])("accepts %s", (ref) => expect(messages(imageReference.safeParse(ref))).toEqual([]));

    it.each([
        ["pgscale/patroni", "must name a tag or digest"],
        ["", "must name a tag or digest"],
        ["localhost:5000/patroni", "must name a tag or digest"],
        ["Team/patroni:1", "not a repository path component"],
        ["patroni@sha256:abc", "is not sha256:<64 hex digits>"],
        ["patroni:bad tag", "not a valid tag"],
    ])("refuses %s", (ref, msg) => expect(messages(imageReference.safeParse(ref)).join("\n")).toContain(msg));
});

describe("images (registry and tag)", () => {
    it("accepts a registry with a path or a port, and a tag", () => {
        for (const registry of ["registry.example.com/platform/pgscale", "localhost:5000", "10.0.0.1:5000/x"])
            expect(messages(imagesSpec.safeParse({ registry, tag: "0.1.0" }))).toEqual([]);
    });
    it("names the missing tag, and a tag without a registry", () => {
        expect(messages(imagesSpec.safeParse({ registry: "registry.example.com/team" }))).toEqual([
            `tag: is required with images.registry: the tag \`pgscale images build --push\` printed (${IMAGE_VERSION} for this version)`,
        ]);
        expect(messages(imagesSpec.safeParse({ tag: "1" }))).toEqual(["registry: is required with images.tag: a tag alone names no image"]);
    });
    it("refuses a registry that carries a tag or digest, and unknown options", () => {
        for (const registry of ["registry.example.com/team/patroni:1", "patroni:v1", "r.example.com/x@sha256:" + "a".repeat(64)])
            expect(messages(imagesSpec.safeParse({ registry, tag: "1" })).join("\n")).toContain("carries a tag or digest");
        expect(messages(imagesSpec.safeParse({ registry: "r.example.com", tag: "1", pull: true })).join("\n")).toContain("pull");
    });
    it("is validated with the construct's other fields, each named", () => {
        const run = () => parseSpec(patroniClusterSpec, { images: { registry: "r.example.com/t", colour: 1 }, image: "x" }, "PatroniCluster main");
        expect(run).toThrow(/images\.colour: is not a known option/);
        expect(run).toThrow(/images\.tag: is required/);
        expect(run).toThrow(/image: "x": must name a tag/);
    });
});

describe("imageSource", () => {
    it("prefers the construct's image, then the registry, else builds pgscale's own", () => {
        expect(imageSource("patroni", { image: "mine/pg:1", images: { registry: "r.example.com", tag: "2" } })).toEqual({ kind: "pull", ref: "mine/pg:1" });
        expect(imageSource("haproxy", { images: { registry: "r.example.com/team/", tag: "2" } })).toEqual({ kind: "pull", ref: "r.example.com/team/haproxy:2" });
        expect(imageSource("etcd", {})).toEqual({ kind: "build", name: "etcd", ref: DEFAULT_IMAGES.etcd });
    });
    it("tags pgscale's images with the version of the Dockerfiles shipped in @pgscale/docker", () => {
        const shipped = fs.readFileSync(path.join(__dirname, "../../../docker/images/VERSION"), "utf8").trim();
        expect(IMAGE_VERSION).toBe(shipped);
    });
    it("tags each image with the set version in which it last changed, never a later one", () => {
        const num = (v: string) => v.split(".").map(Number).reduce((a, n) => a * 1000 + n, 0);
        for (const [name, ref] of Object.entries(DEFAULT_IMAGES)) {
            const m = /^pgscale\/([a-z0-9-]+):(\d+\.\d+\.\d+)$/.exec(ref);
            expect({ name, ref, ok: m !== null && m[1] === name && num(m[2]) <= num(IMAGE_VERSION) }).toEqual({ name, ref, ok: true });
        }
        expect(DEFAULT_IMAGES.pgbouncer).toBe(`pgscale/pgbouncer:0.2.0`); // 1.24 on trixie
        expect(DEFAULT_IMAGES.haproxy).toBe(`pgscale/haproxy:0.2.0`); // 3.0 on trixie
    });
    it("builds an image on another of pgscale's images at that image's tag", () => {
        const dir = path.join(__dirname, "../../../docker/images");
        const bases = fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, "Dockerfile")))
            .flatMap((n) => [...fs.readFileSync(path.join(dir, n, "Dockerfile"), "utf8").matchAll(/^FROM\s+(pgscale\/([a-z0-9-]+):\S+)/gm)]
                .map((m) => ({ image: n, from: m[1], tagged: DEFAULT_IMAGES[m[2] as keyof typeof DEFAULT_IMAGES] })));
        expect(bases.length).toBeGreaterThan(0);
        for (const b of bases) expect(b).toEqual({ ...b, from: b.tagged });
    });
});
