// SeaweedFS, the S3-compatible server the S3 backup e2e stores its repository in: `weed` is built
// from the Go module proxy by scripts/setup-seaweedfs (npm run setup) into the cache, and packaged
// here as a test image, the way images-registry.test.ts builds its registry: a test tool, not one of
// pgscale's images. The image is rebuilt when the binary or the Dockerfile changes (a label keeps
// their digest); otherwise this takes a docker image inspect.
import { createHash } from "crypto";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const DOCKERFILE = path.join(__dirname, "seaweedfs", "Dockerfile");

/** The SeaweedFS version tools/seaweedfs/go.mod pins (the cache is keyed by it). */
export function seaweedfsVersion(): string {
    const mod = fs.readFileSync(path.join(ROOT, "tools/seaweedfs/go.mod"), "utf8");
    const m = /^require github\.com\/seaweedfs\/seaweedfs (v\S+)$/m.exec(mod);
    if (!m) throw new Error("tools/seaweedfs/go.mod: no github.com/seaweedfs/seaweedfs requirement");
    return m[1];
}

/** The cached weed binary; throws saying how to build it. */
export function weedBinary(): string {
    const cache = process.env.PGSCALE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pgscale");
    const bin = path.join(cache, "seaweedfs", seaweedfsVersion(), "bin", "weed");
    if (!fs.existsSync(bin)) throw new Error(`no SeaweedFS binary at ${bin}: run \`npm run setup\` (or scripts/setup-seaweedfs, which needs Go) first`);
    return bin;
}

/** pgscale-test/seaweedfs:<version>, built from the cached binary when missing or stale. */
export function seaweedfsImage(): string {
    const version = seaweedfsVersion();
    const image = `pgscale-test/seaweedfs:${version.split("-").pop()}`;
    const bin = weedBinary();
    const digest = createHash("sha256").update(fs.readFileSync(bin)).update(fs.readFileSync(DOCKERFILE)).digest("hex");
    const label = "org.pgscale.context-sha256";
    const have = spawnSync("docker", ["image", "inspect", "--format", `{{index .Config.Labels "${label}"}}`, image], { encoding: "utf8" });
    if (have.status === 0 && have.stdout.trim() === digest) return image;
    const context = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-seaweedfs-"));
    try {
        fs.copyFileSync(DOCKERFILE, path.join(context, "Dockerfile"));
        fs.copyFileSync(bin, path.join(context, "weed"));
        execFileSync("docker", ["build", "-q", "--label", `${label}=${digest}`, "--label", `org.pgscale.seaweedfs-version=${version}`, "-t", image, context], { stdio: ["ignore", "pipe", "pipe"] });
    } finally {
        fs.rmSync(context, { recursive: true, force: true });
    }
    return image;
}
