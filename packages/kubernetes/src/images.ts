/**
 * The images @pgscale/docker builds from its Dockerfiles, under the same tags, so one build
 * serves both platforms (on a cluster without a registry, import them into the node's runtime,
 * e.g. `ctr -n k8s.io images import`). Kept in step with packages/docker/images/VERSION until
 * DEFAULT_IMAGES moves into @pgscale/core.
 */
const IMAGE_TAG = "0.1.0";

export const DEFAULT_IMAGES = {
    etcd: `pgscale/etcd:${IMAGE_TAG}`,
    patroni: `pgscale/patroni:${IMAGE_TAG}`,
    haproxy: `pgscale/haproxy:${IMAGE_TAG}`,
    pgbouncer: `pgscale/pgbouncer:${IMAGE_TAG}`,
} as const;

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
    haproxy: { uid: 100, gid: 101 },
    pgbouncer: { uid: 100, gid: 102 },
};
