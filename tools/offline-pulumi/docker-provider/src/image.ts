// docker:index/image:Image — builds a local context and tags it `imageName`; never pushes.
// As in the real provider: the id is the image name, a change to `build` rebuilds in place
// (Update), and delete leaves the image on the host.
import * as path from "path";
import { Readable } from "stream";
import Docker from "dockerode";
import { buildPathProblem, contextDigest, contextEntries, resolveBuildPaths } from "./build-context";
import { consumeJsonStream, dockerMessage, isNotFound, streamError } from "./docker";
import { OpContext, Props, ResourceHandler, str, strMap } from "./handler";
import { isObject, redact } from "./properties";
import { tarArchive } from "./tar";

interface BuildInput {
    context?: string;
    dockerfile?: string;
    args?: Record<string, string>;
    target?: string;
    builderVersion?: string;
    contextDigest?: string;
}

async function build(docker: Docker, inputs: Props, ctx: OpContext): Promise<Props> {
    const imageName = str(inputs.imageName)!;
    const b: BuildInput = isObject(inputs.build) ? (inputs.build as BuildInput) : {};
    const problem = buildPathProblem(b);
    if (problem) {
        throw new Error(problem);
    }
    const paths = resolveBuildPaths(b);
    const digest = contextDigest(paths);
    const { entries, dockerfileName } = contextEntries(paths);
    const options: Record<string, unknown> = {
        t: imageName,
        dockerfile: dockerfileName,
        // BuildKit needs a client session; the classic builder does not, so it is the default here.
        version: b.builderVersion === "BuilderBuildKit" ? "2" : "1",
        rm: true,
        forcerm: true,
    };
    if (strMap(b.args)) {
        options.buildargs = b.args;
    }
    if (b.target) {
        options.target = b.target;
    }
    let messages: Array<Record<string, unknown>>;
    try {
        const stream: NodeJS.ReadableStream = await docker.buildImage(Readable.from([tarArchive(entries)]), options);
        messages = await consumeJsonStream(stream);
    } catch (err) {
        throw new Error(`docker build of ${imageName} failed: ${redact(dockerMessage(err), ctx.secrets)}`);
    }
    const failure = streamError(messages);
    if (failure) {
        const log = messages
            .map((m) => (typeof m.stream === "string" ? m.stream : ""))
            .join("")
            .trim()
            .split("\n")
            .slice(-20)
            .join("\n");
        throw new Error(redact(`docker build of ${imageName} failed: ${failure}\n${log}`, ctx.secrets));
    }
    const info = await docker.getImage(imageName).inspect();
    return {
        ...inputs,
        build: { ...b, contextDigest: digest },
        imageName,
        baseImageName: imageName,
        // Local-only images: the image id, as the real provider documents.
        repoDigest: info.Id,
        registryServer: "",
        context: b.context ?? ".",
        dockerfile: path.relative(paths.context, paths.dockerfile).split(path.sep).join("/"),
    };
}

export const image: ResourceHandler = {
    async create(docker, inputs, ctx) {
        const outs = await build(docker, inputs, ctx);
        return { id: str(inputs.imageName)!, outs };
    },

    async read(docker, id, props) {
        try {
            const info = await docker.getImage(str(props.imageName) ?? id).inspect();
            return { id, props: { ...props, repoDigest: info.Id } };
        } catch (err) {
            if (isNotFound(err)) {
                return undefined;
            }
            throw new Error(`unable to inspect image ${id}: ${dockerMessage(err)}`);
        }
    },

    async update(docker, _id, _olds, news, ctx) {
        return build(docker, news, ctx);
    },

    async delete() {
        // The real provider leaves built images on the host.
    },
};
