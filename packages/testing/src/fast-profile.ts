// Types only: the package must load without Pulumi (a reusing start never runs it; ~0.5 s of require).
import type * as pulumi from "@pulumi/pulumi";
import { ImageUser } from "./image-user";

/**
 * profile "fast": PostgreSQL stops making data durable (a crash of the engine loses the cluster),
 * in exchange for faster commits, DDL and template copies. pg_rewind needs full_page_writes, so
 * the fast profile turns it off too; a member that comes back is re-cloned from the leader.
 */
export const FAST_PARAMETERS: Record<string, string> = {
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    // WAL lives in memory too: keep what is kept and recycled small (replicas use slots anyway).
    wal_keep_size: "64MB",
    min_wal_size: "32MB",
    max_wal_size: "256MB",
};

/** Data directories the constructs mount from named volumes; the fast profile puts them on tmpfs. */
export const DATA_PATHS = { postgres: "/var/lib/postgresql/data", etcd: "/var/lib/etcd" } as const;

/**
 * Why the fast profile must be refused here, or undefined when the caller is clearly a test run:
 * NODE_ENV=test (jest sets it), a jest worker, or an explicit `allowUnsafeDurability: true`.
 * NODE_ENV=production refuses even with the flag: no production process should hold such a cluster.
 */
export function fastProfileRefusal(env: NodeJS.ProcessEnv, allowUnsafeDurability: boolean): string | undefined {
    if (env.NODE_ENV === "production")
        return "NODE_ENV is production; profile \"fast\" turns off fsync, synchronous_commit and full_page_writes and keeps data on tmpfs, for test suites only";
    if (allowUnsafeDurability || env.NODE_ENV === "test" || env.JEST_WORKER_ID !== undefined) return undefined;
    return "profile \"fast\" turns off fsync, synchronous_commit and full_page_writes and keeps data on tmpfs; " +
        "it runs only under a test runner (NODE_ENV=test or a jest worker) or with allowUnsafeDurability: true";
}

interface VolumeArg {
    containerPath?: string;
}

/**
 * Replaces a container's named data volume with a tmpfs owned by the server's user. PatroniCluster
 * and EtcdCluster have no option for it yet, so this rewrites their container arguments; it fails
 * loudly if the construct no longer mounts `containerPath`, rather than leaving the data on disk.
 */
export function dataOnTmpfs(containerPath: string, user: ImageUser): pulumi.ResourceTransformation {
    return ({ type, name, props, opts }) => {
        if (type !== "docker:index/container:Container") return undefined;
        const volumes = (props.volumes ?? []) as VolumeArg[];
        const i = Array.isArray(volumes) ? volumes.findIndex((v) => v.containerPath === containerPath) : -1;
        if (i < 0) throw new Error(`profile "fast": container ${name} has no volume at ${containerPath} to move to tmpfs`);
        return {
            props: {
                ...props,
                volumes: volumes.filter((_, j) => j !== i),
                // `tmpfs` (not `mounts`): only its options can set the owner; Docker makes the root of a
                // tmpfs over an image directory root-owned otherwise.
                tmpfs: { ...((props.tmpfs as Record<string, string>) ?? {}), [containerPath]: `uid=${user.uid},gid=${user.gid},mode=0700` },
            },
            opts,
        };
    };
}
