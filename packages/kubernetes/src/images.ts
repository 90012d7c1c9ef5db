import { DEFAULT_IMAGES, ImageName, ImagesSpec, imageSource } from "@pgscale/core";

/**
 * pgscale's images under the tags @pgscale/docker builds them with, so one build serves both
 * platforms: on a cluster without a registry, import them into the nodes' runtime
 * (`scripts/k8s-local import`, `ctr -n k8s.io images import`), or push them to a registry with
 * `pgscale images build --push REGISTRY` and set `images: { registry, tag }`.
 */
export { DEFAULT_IMAGES };

/** The image reference a construct's pods run: its own `image`, else the user's registry, else pgscale's tag. */
export function podImage(name: ImageName, spec: { image?: string; images?: ImagesSpec }): string {
    return imageSource(name, spec).ref;
}

export interface ImageUser {
    uid: number;
    gid: number;
}

/**
 * Numeric user and group of each default image's USER. `runAsNonRoot` can only be verified
 * against a numeric user, and `fsGroup` makes volumes writable for it. Debian assigns these
 * system IDs at build time; override them with `podSecurity` for other images.
 */
export const IMAGE_USERS: Record<keyof typeof DEFAULT_IMAGES, ImageUser> = {
    etcd: { uid: 100, gid: 101 },
    patroni: { uid: 100, gid: 102 },
    // trixie assigns the same IDs (checked with `id` in the built image).
    "patroni-17": { uid: 100, gid: 102 },
    // patroni-17's user (the one-off upgrade container; no pod runs it so far).
    "pg-upgrade": { uid: 100, gid: 102 },
    haproxy: { uid: 100, gid: 101 },
    pgbouncer: { uid: 100, gid: 102 },
    // Both images' `prometheus` user (`docker run --rm IMAGE id`: uid=100 gid=101).
    exporters: { uid: 100, gid: 101 },
    prometheus: { uid: 100, gid: 101 },
};
