import * as pulumi from "@pulumi/pulumi";
import type { ImageName } from "@pgscale/core";
import { contextDigest } from "./build";
import { DOCKER_PROVIDER } from "../own-package";
import { PgscaleDynamicResource } from "@pgscale/postgres";

/**
 * One of pgscale's images, built on the Docker engine from the Dockerfile this package ships
 * (never pulled). Kept when the stack is destroyed: other stacks use the same tag. A changed
 * Dockerfile (a new package version) is an update that builds it again; containers are
 * replaced only when that gives another image ID.
 */
export class BuiltImage extends PgscaleDynamicResource {
    /** `sha256:...` ID of the image, for `docker.Container.image`. */
    public readonly imageId!: pulumi.Output<string>;
    public readonly tag!: pulumi.Output<string>;

    constructor(name: string, args: { image: ImageName; tag: string; dockerHost?: pulumi.Input<string | undefined> }, opts?: pulumi.CustomResourceOptions) {
        super(DOCKER_PROVIDER, name, {
            name: args.image, tag: args.tag, contextSha256: contextDigest(args.image), imageId: undefined, dockerHost: args.dockerHost,
        }, opts, "pgscale", "BuiltImage");
    }
}
