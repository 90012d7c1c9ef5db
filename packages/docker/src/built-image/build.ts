import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type Docker from "dockerode";
import { DEFAULT_IMAGES, IMAGE_NAMES, ImageName } from "@pgscale/core";

// Builds pgscale's own images on the Docker engine from the Dockerfiles this package ships, so a
// stack needs nothing beforehand and never pulls a `pgscale/*` name from a registry. One build
// function serves the BuiltImage resource, `pgscale images build` and @pgscale/testing.

/** Folder of the Dockerfiles shipped with this package, one folder per image. */
export const IMAGES_DIR = path.join(__dirname, "..", "..", "images");
/** Label on a built image: the digest of the build context it was built from. */
export const CONTEXT_LABEL = "org.pgscale.context-sha256";

/** Files of one image's build context, sorted (the digest and the build see the same set). */
function contextFiles(dir: string): string[] {
    return fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** Digest of an image's build context: a changed Dockerfile is a new image, an equal one is not rebuilt. */
export function contextDigest(name: ImageName, imagesDir = IMAGES_DIR): string {
    const dir = path.join(imagesDir, name);
    const h = crypto.createHash("sha256");
    for (const f of contextFiles(dir)) h.update(f).update("\0").update(fs.readFileSync(path.join(dir, f))).update("\0");
    return h.digest("hex");
}

export interface EnsureImageInput {
    name: ImageName;
    /** Tag to build under; default DEFAULT_IMAGES[name]. */
    tag?: string;
    /** Docker engine (dockerode options); default DOCKER_HOST, else the local socket. */
    engine?: Docker;
    /** Progress lines (one per build step), e.g. to stderr. */
    onProgress?: (line: string) => void;
}
export interface EnsuredImage {
    tag: string;
    imageId: string;
    contextSha256: string;
    built: boolean;
}

function defaultEngine(): Docker {
    const Dockerode = require("dockerode") as typeof Docker;
    return new Dockerode();
}

// Builds of one tag within a process share one promise: a stack with several constructs on the
// same image (or one PatroniCluster and a StreamingReplica) builds it once.
const inFlight = new Map<string, Promise<EnsuredImage>>();

/** The image's ID under its tag, built first when the tag is missing or was built from another context. */
export function ensureImage(input: EnsureImageInput): Promise<EnsuredImage> {
    if (!(IMAGE_NAMES as readonly string[]).includes(input.name)) throw new Error(`unknown pgscale image "${input.name}" (known: ${IMAGE_NAMES.join(", ")})`);
    const tag = input.tag ?? DEFAULT_IMAGES[input.name];
    let p = inFlight.get(tag);
    if (!p) {
        p = ensure(input, tag).finally(() => inFlight.delete(tag));
        inFlight.set(tag, p);
    }
    return p;
}

/** The ID of a tag built from this context, or undefined (missing, or built from another context). */
export async function currentImage(engine: Docker, tag: string, sha: string): Promise<string | undefined> {
    try {
        const info = await engine.getImage(tag).inspect();
        return info.Config?.Labels?.[CONTEXT_LABEL] === sha ? info.Id : undefined;
    } catch (e: any) {
        if (e?.statusCode === 404) return undefined;
        throw e;
    }
}

async function ensure(input: EnsureImageInput, tag: string): Promise<EnsuredImage> {
    const engine = input.engine ?? defaultEngine();
    const sha = contextDigest(input.name);
    const existing = await currentImage(engine, tag, sha);
    if (existing) return { tag, imageId: existing, contextSha256: sha, built: false };

    const dir = path.join(IMAGES_DIR, input.name);
    const stream = await engine.buildImage({ context: dir, src: contextFiles(dir) }, { t: tag, labels: { [CONTEXT_LABEL]: sha }, rm: true, forcerm: true });
    const tail: string[] = [];
    await new Promise<void>((resolve, reject) => {
        engine.modem.followProgress(stream, (err: Error | null, out: any[]) => {
            const failed = err ?? out.find((o) => o.error || o.errorDetail);
            if (!failed) return resolve();
            const why = failed instanceof Error ? failed.message : failed.errorDetail?.message ?? failed.error;
            reject(new Error(`building image ${tag} from ${dir} failed: ${why}\n${tail.slice(-15).join("\n")}`));
        }, (event: any) => {
            const line = typeof event.stream === "string" ? event.stream.trimEnd() : "";
            if (!line) return;
            tail.push(line);
            if (/^Step \d+\/\d+/.test(line)) input.onProgress?.(`${tag}: ${line}`);
        });
    });
    const imageId = await currentImage(engine, tag, sha);
    if (!imageId) throw new Error(`building image ${tag} reported success but the engine has no image of that tag with label ${CONTEXT_LABEL}=${sha}`);
    return { tag, imageId, contextSha256: sha, built: true };
}
