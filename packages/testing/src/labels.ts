/** Labels @pgscale/testing adds to every container, network and volume of a cluster (beside pgscale.*). */
export const LABELS = {
    /** `host/pid/start` of the process that started the cluster (see owner.ts). */
    owner: "pgscale.testing.owner",
    /** The cluster's state directory, removed when its leftovers are reaped. */
    dir: "pgscale.testing.dir",
    /** The reuse key of a cluster kept for later runs (`docker ps --filter label=pgscale.testing.reuse`). */
    reuse: "pgscale.testing.reuse",
} as const;

/** The Pulumi project of every test cluster; the constructs put it in `pgscale.project`. */
export const PROJECT = "pgscale-testing";
