import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ImageName, ImagesSpec, imageSource } from "@pgscale/core";
import { BuiltImage } from "./built-image/resource";
import { engineTarget } from "./engine/target";

export { DEFAULT_IMAGES } from "@pgscale/core";
export { IMAGES_DIR } from "./built-image/build";

/**
 * The image a construct's containers run, by ID, so a new image under the same tag shows in
 * `pulumi preview` as a replacement of the containers that use it. A construct's own `image`
 * or the user's registry (`images`) is pulled and kept locally; by default pgscale's image is
 * built on the engine from the shipped Dockerfile (BuiltImage).
 */
export function nodeImage(resourceName: string, name: ImageName, spec: { image?: string; images?: ImagesSpec }, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): { imageId: pulumi.Output<string> } {
    const source = imageSource(name, spec);
    return source.kind === "pull"
        ? new docker.RemoteImage(resourceName, { name: source.ref, keepLocally: true }, { parent, dependsOn })
        // Built on the engine the construct's containers run on.
        : new BuiltImage(resourceName, { image: name, tag: source.ref, dockerHost: engineTarget(parent).host }, { parent, dependsOn });
}
