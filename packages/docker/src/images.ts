import * as path from "path";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";

/** Folder of the Dockerfiles shipped with this package (`pgscale images build` builds them). */
export const IMAGES_DIR = path.join(__dirname, "..", "images");
const VERSION = fs.readFileSync(path.join(IMAGES_DIR, "VERSION"), "utf8").trim();

/** Default images: built locally from `images/` (Debian bookworm packages), tagged with the package version. */
export const DEFAULT_IMAGES = {
    etcd: `pgscale/etcd:${VERSION}`,
    patroni: `pgscale/patroni:${VERSION}`,
    haproxy: `pgscale/haproxy:${VERSION}`,
    pgbouncer: `pgscale/pgbouncer:${VERSION}`,
} as const;

/**
 * A RemoteImage kept locally: containers reference its image ID, so rebuilding an image under
 * the same tag shows up in `pulumi preview` as a replacement of the containers that use it.
 */
export function localImage(name: string, image: string, parent: pulumi.Resource): docker.RemoteImage {
    return new docker.RemoteImage(name, { name: image, keepLocally: true }, { parent });
}
