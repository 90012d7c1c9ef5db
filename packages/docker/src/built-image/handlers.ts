import type * as pulumi from "@pulumi/pulumi";
import type { ImageName } from "@pgscale/core";
import { contextDigest, currentImage, ensureImage } from "./build";
import { dockerEngine } from "../engine/docker-engine";

/** Inputs of a BuiltImage, as stored in the state. */
export interface BuiltImageInputs {
    name: ImageName;
    tag: string;
    /** Digest of the shipped build context when the program ran: a new Dockerfile is an update. */
    contextSha256: string;
    /** The engine to build on (the docker provider's `host`); unset: DOCKER_HOST. */
    dockerHost?: string;
}
export interface BuiltImageOutputs extends BuiltImageInputs {
    imageId: string;
}

/** A build step may print nothing for minutes (apt configuring packages on a slow disk). */
const BUILD_IDLE_TIMEOUT_MS = 10 * 60_000;
const engine = (host?: string) => dockerEngine(host, BUILD_IDLE_TIMEOUT_MS);

// What the provider does, loaded in Pulumi's dynamic-provider host (see provider.ts).
export const builtImageHandlers = {
    async create(inputs: BuiltImageInputs): Promise<pulumi.dynamic.CreateResult> {
        const img = await ensureImage({ name: inputs.name, tag: inputs.tag, engine: engine(inputs.dockerHost) });
        return { id: inputs.tag, outs: { ...inputs, contextSha256: img.contextSha256, imageId: img.imageId } };
    },
    async diff(_id: string, olds: BuiltImageOutputs, news: BuiltImageInputs): Promise<pulumi.dynamic.DiffResult> {
        const changed = (["name", "tag", "contextSha256"] as const).filter((k) => olds[k] !== news[k]);
        // Removed from the engine (docker image rm, a pruned engine): build it again; containers
        // are replaced only if the rebuilt image has another ID.
        if (changed.length === 0 && !(await currentImage(engine(olds.dockerHost), olds.tag, olds.contextSha256))) changed.push("contextSha256");
        return { changes: changed.length > 0, replaces: [], stables: [], deleteBeforeReplace: false };
    },
    async update(_id: string, _olds: BuiltImageOutputs, news: BuiltImageInputs): Promise<pulumi.dynamic.UpdateResult> {
        const img = await ensureImage({ name: news.name, tag: news.tag, engine: engine(news.dockerHost) });
        return { outs: { ...news, contextSha256: img.contextSha256, imageId: img.imageId } };
    },
    async read(id: string, props: BuiltImageOutputs): Promise<pulumi.dynamic.ReadResult> {
        const imageId = await currentImage(engine(props.dockerHost), props.tag, props.contextSha256);
        return { id, props: { ...props, imageId: imageId ?? props.imageId } };
    },
    // Images stay on the engine: other stacks and test clusters use the same tags.
    async delete(): Promise<void> {},
};

export { contextDigest };
