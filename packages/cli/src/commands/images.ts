import { execFile } from "child_process";
import { promisify } from "util";
import { IMAGE_NAMES, IMAGE_VERSION, imagesSpec, issuesFromZod } from "@pgscale/core";
import { Command, defineCommand } from "../command";
import { EXIT, Io } from "../io";
import { UsageError } from "../options";

const USAGE = `usage: pgscale images build [--only NAME[,NAME]...] [--push REGISTRY [--tag TAG]] [--json]

Builds pgscale's images (${IMAGE_NAMES.join(", ")}) on the Docker engine (DOCKER_HOST, else the
local socket) from the Dockerfiles shipped in @pgscale/docker, the same way a stack builds them
when it uses the default images. An image already built from the same Dockerfile is kept.

  --only NAMES      only these images (comma-separated), e.g. etcd,patroni-17,haproxy for a
                    stack on PostgreSQL 17 without PgBouncer or monitoring; default every image
  --push REGISTRY   also tag each image REGISTRY/<name>:TAG and push it with the docker CLI
                    (its login and credential helpers apply); then point every construct at it
                    with images: { registry: REGISTRY, tag: TAG }
  --tag TAG         the tag to push; default ${IMAGE_VERSION} (this version's images)
  --json            print what was built and pushed as JSON
  -h, --help        this help

Needs @pgscale/docker installed next to @pgscale/cli. Kubernetes nodes without a registry:
import the built images into each node's runtime (ctr -n k8s.io images import).

Exit status: 0 done, 1 a build or push failed, 2 invalid options.`;

/** What this command uses of @pgscale/docker, an optional peer: plan, doctor and the rest never load it. */
interface ImageBuilder {
    ensureImage(input: { name: (typeof IMAGE_NAMES)[number]; onProgress?: (line: string) => void }): Promise<{ tag: string; imageId: string; built: boolean }>;
}

type ImageName = (typeof IMAGE_NAMES)[number];

interface Args {
    /** In IMAGE_NAMES's order. */
    names: ImageName[];
    push?: { registry: string; tag: string };
}

/** `--only`'s names in IMAGE_NAMES's order, every image without it; an unknown or empty name is an error. */
export function selectImages(only: string | undefined): { names: ImageName[] } | { error: string } {
    if (only === undefined) return { names: [...IMAGE_NAMES] };
    const asked = only.split(",").map((n) => n.trim());
    const unknown = asked.filter((n) => !(IMAGE_NAMES as readonly string[]).includes(n));
    if (unknown.length) return { error: `${unknown.map((n) => (n ? `"${n}"` : "an empty name")).join(", ")}: not one of pgscale's images (${IMAGE_NAMES.join(", ")})` };
    return { names: IMAGE_NAMES.filter((n) => asked.includes(n)) };
}

const run = promisify(execFile);

const buildCommand = defineCommand({
    name: "images build",
    summary: "",
    usage: USAGE,
    options: { only: { type: "string" }, push: { type: "string" }, tag: { type: "string" } },
    toArgs(values): { args: Args } | { errors: UsageError[] } {
        const errors: UsageError[] = [];
        const selected = selectImages(values.only);
        if ("error" in selected) errors.push({ option: "--only", message: selected.error });
        if (values.tag !== undefined && values.push === undefined) errors.push({ option: "--tag", message: "goes with --push REGISTRY" });
        let push: Args["push"];
        if (values.push !== undefined) {
            const parsed = imagesSpec.safeParse({ registry: values.push, tag: values.tag ?? IMAGE_VERSION });
            if (parsed.success) push = { registry: parsed.data.registry!.replace(/\/+$/, ""), tag: parsed.data.tag! };
            else errors.push(...issuesFromZod(parsed.error).map((i) => ({ option: i.field === "tag" ? "--tag" : "--push", message: i.message })));
        }
        if (errors.length || "error" in selected) return { errors };
        return { args: { names: selected.names, push } };
    },
    async execute(args, io, json) {
        let docker: ImageBuilder;
        try {
            docker = require("@pgscale/docker");
        } catch {
            io.err("pgscale images build: needs @pgscale/docker (npm install @pgscale/docker): its Dockerfiles are what it builds");
            return EXIT.failure;
        }
        const results = [];
        for (const name of args.names) {
            const img = await docker.ensureImage({ name, onProgress: json ? undefined : (line) => io.err(line) });
            const entry: { name: string; tag: string; imageId: string; built: boolean; pushed?: string } = { name, tag: img.tag, imageId: img.imageId, built: img.built };
            if (args.push) {
                const ref = `${args.push.registry}/${name}:${args.push.tag}`;
                await run("docker", ["tag", img.imageId, ref]);
                await run("docker", ["push", ref], { maxBuffer: 16 * 1024 * 1024 });
                entry.pushed = ref;
            }
            results.push(entry);
            if (!json) io.out(`${entry.tag}  ${entry.imageId.slice(0, 19)}  ${entry.built ? "built" : "up to date"}${entry.pushed ? `  pushed ${entry.pushed}` : ""}`);
        }
        if (json) io.out(JSON.stringify({ images: results }, null, 2));
        else if (args.push) io.out(`\nimages: { registry: "${args.push.registry}", tag: "${args.push.tag}" }`);
        return EXIT.ok;
    },
});

/** `pgscale images build`: the one subcommand of `images` so far. */
export const imagesCommand: Command = {
    name: "images",
    summary: "build pgscale's images on the Docker engine (and push them to a registry)",
    usage: USAGE,
    options: buildCommand.options,
    async run(argv: string[], io: Io) {
        const [sub, ...rest] = argv;
        if (sub === "build") return buildCommand.run(rest, io);
        if (sub === "--help" || sub === "-h") {
            io.out(USAGE);
            return EXIT.ok;
        }
        io.err(`pgscale images: ${sub === undefined ? "name a subcommand" : `unknown subcommand "${sub}"`}\n\n${USAGE}`);
        return EXIT.usage;
    },
};
