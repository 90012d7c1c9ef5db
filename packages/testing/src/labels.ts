import * as pulumi from "@pulumi/pulumi";

/** Labels @pgscale/testing adds to every container, network and volume of a cluster (beside pgscale.*). */
export const LABELS = {
    /** `host/pid/start` of the process that started the cluster (see owner.ts). */
    owner: "pgscale.testing.owner",
    /** The cluster's state directory, removed when its leftovers are reaped. */
    dir: "pgscale.testing.dir",
} as const;

/** The Pulumi project of every test cluster; the constructs put it in `pgscale.project`. */
export const PROJECT = "pgscale-testing";

const LABELLED = new Set(["docker:index/container:Container", "docker:index/network:Network", "docker:index/volume:Volume"]);

/**
 * Adds the ownership labels to every engine object the constructs create, so `prune` can tell a
 * crashed run's leftovers from a live run's without any state file.
 */
export function ownershipLabels(owner: string, dir: string): pulumi.ResourceTransformation {
    const extra = [{ label: LABELS.owner, value: owner }, { label: LABELS.dir, value: dir }];
    return ({ type, props, opts }) => {
        if (!LABELLED.has(type)) return undefined;
        const labels = pulumi.output(props.labels ?? []).apply((l: Array<{ label: string; value: string }>) => [...l, ...extra]);
        return { props: { ...props, labels }, opts };
    };
}
