// docker:index/remoteImage:RemoteImage — an image the daemon has, pulled only when missing.
// Like the real provider, the id is `<image id><name>` and destroy removes the image unless
// `keepLocally` is set.
import Docker from "dockerode";
import { consumeJsonStream, dockerMessage, isNotFound, statusCode, streamError } from "./docker";
import { Props, ResourceHandler, bool, str } from "./handler";

/** Inspects `name`, pulling it first when the daemon does not have it. */
export async function ensureImage(docker: Docker, name: string): Promise<Docker.ImageInspectInfo> {
    try {
        return await docker.getImage(name).inspect();
    } catch (err) {
        if (!isNotFound(err)) {
            throw new Error(`unable to inspect image ${name}: ${dockerMessage(err)}`);
        }
    }
    let failure: string | undefined;
    try {
        const stream: NodeJS.ReadableStream = await docker.pull(name);
        failure = streamError(await consumeJsonStream(stream));
    } catch (err) {
        failure = dockerMessage(err);
    }
    if (failure) {
        throw new Error(
            `image ${name} is not present on the Docker host and pulling it failed: ${failure}. ` +
                "Offline machines must build or load the image first (or use docker.Image).",
        );
    }
    return docker.getImage(name).inspect();
}

async function inspectOrUndefined(docker: Docker, name: string): Promise<Docker.ImageInspectInfo | undefined> {
    try {
        return await docker.getImage(name).inspect();
    } catch (err) {
        if (isNotFound(err)) {
            return undefined;
        }
        throw new Error(`unable to inspect image ${name}: ${dockerMessage(err)}`);
    }
}

function outputs(inputs: Props, info: Docker.ImageInspectInfo): Props {
    return { ...inputs, imageId: info.Id, repoDigest: info.RepoDigests?.[0] ?? "" };
}

export const remoteImage: ResourceHandler = {
    async create(docker, inputs) {
        const name = str(inputs.name)!;
        const info = await ensureImage(docker, name);
        return { id: info.Id + name, outs: outputs(inputs, info) };
    },

    async read(docker, _id, props) {
        const name = str(props.name)!;
        const info = await inspectOrUndefined(docker, name);
        return info && { id: info.Id + name, props: outputs(props, info) };
    },

    async update(docker, _id, _olds, news) {
        // Only keepLocally/forceRemove update in place, and they only steer delete.
        const info = await ensureImage(docker, str(news.name)!);
        return outputs(news, info);
    },

    async delete(docker, _id, props) {
        if (bool(props.keepLocally)) {
            return;
        }
        const name = str(props.name)!;
        try {
            await docker.getImage(name).remove({ force: bool(props.forceRemove) ?? false });
        } catch (err) {
            if (isNotFound(err)) {
                return;
            }
            const hint = statusCode(err) === 409 ? " (set forceRemove or keepLocally, or remove its containers first)" : "";
            throw new Error(`unable to remove image ${name}: ${dockerMessage(err)}${hint}`);
        }
    },
};
