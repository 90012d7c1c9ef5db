// One generated secret (a dynamic resource, as every PatroniCluster needs for its passwords) and one
// container that consumes it, on the same CLI path as the benchmarked fixture: what Pulumi itself
// costs before any container of a pgscale-like stack can start.
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { GeneratedSecret } from "@pgscale/postgres";

const secret = new GeneratedSecret("floor-secret", {});
const image = new docker.RemoteImage("floor-image", { name: "pgscale/etcd:0.1.0", keepLocally: true });
new docker.Container("floor", {
    name: `pgscale-bench-floor-${pulumi.getStack()}`,
    image: image.imageId,
    command: ["sleep", "infinity"],
    envs: [pulumi.interpolate`FLOOR_SECRET=${secret.value}`],
    labels: [{ label: "pgscale.bench", value: "floor" }],
});
