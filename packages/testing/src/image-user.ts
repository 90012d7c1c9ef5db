import { docker } from "./docker-cli";

export interface ImageUser {
    uid: number;
    gid: number;
}

const cache = new Map<string, Promise<ImageUser>>();

/**
 * The numeric user an image runs as. A tmpfs over a directory of the image comes up root-owned;
 * its mount options must name the server's uid and gid for the server to write its data there.
 */
export function imageUser(image: string): Promise<ImageUser> {
    let found = cache.get(image);
    if (!found) {
        found = docker(["run", "--rm", "--network", "none", "--label", "pgscale.testing.probe=image-user", "--entrypoint", "id", image])
            .then((out) => {
                const m = /uid=(\d+).*gid=(\d+)/.exec(out);
                if (!m) throw new Error(`cannot tell the user of image ${image}: \`id\` printed ${JSON.stringify(out)}`);
                return { uid: Number(m[1]), gid: Number(m[2]) };
            });
        found.catch(() => cache.delete(image));
        cache.set(image, found);
    }
    return found;
}
