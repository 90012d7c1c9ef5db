// The images option against a real registry: Debian's Distribution registry in a container on
// loopback, filled by `pgscale images build --only ... --push` with the images the stack runs, then
// a stack whose constructs pull every image from it (the local copies under the registry's name
// removed first). Pushing the other images takes the same path (the selection has a unit test,
// ops-args.test.ts) and would cost this suite a minute of compression.
import { Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "child_process";
import * as path from "path";
import { destroyAndRemove, docker, dockerObjectsOfStack, fixtureStack, plainOutputs, uniqueStackName } from "../support/stack";
import { eventually, query } from "../support/pg";
import { ImageName } from "@pgscale/core";

jest.setTimeout(15 * 60 * 1000);

const REGISTRY_IMAGE = "pgscale-test/registry:2.8";
// Debian's package of the CNCF Distribution registry (no registry image can be pulled here), without
// the package's htpasswd auth: it listens on loopback only, for this test.
const REGISTRY_DOCKERFILE = `FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry && rm -rf /var/lib/apt/lists/* \\
 && printf 'version: 0.1\\nstorage:\\n  filesystem:\\n    rootdirectory: /var/lib/docker-registry\\nhttp:\\n  addr: :5000\\n' > /etc/docker/registry/config.yml
EXPOSE 5000
CMD ["/usr/bin/docker-registry", "serve", "/etc/docker/registry/config.yml"]
`;
/** What the fixture's stack runs: an etcd member and a PostgreSQL 17 member. */
const PUSHED: ImageName[] = ["etcd", "patroni-17"];
const cli = path.resolve(__dirname, "../../packages/cli/dist/main.js");

describe("images from the user's registry", () => {
    const name = uniqueStackName("reg");
    const registryContainer = `pgscale-e2e-${name}-registry`;
    const tag = `t${process.pid}`;
    let registry: string;
    let stack: Stack | undefined;

    beforeAll(() => {
        execFileSync("docker", ["build", "-q", "-t", REGISTRY_IMAGE, "-"], { input: REGISTRY_DOCKERFILE });
        docker("run", "-d", "--name", registryContainer, "-p", "127.0.0.1::5000", REGISTRY_IMAGE);
        registry = `127.0.0.1:${docker("port", registryContainer, "5000/tcp").split("\n")[0].split(":").pop()}/team`;
    });

    afterAll(async () => {
        await destroyAndRemove(stack);
        docker("rm", "-f", registryContainer);
        const pushed = docker("images", "--format", "{{.Repository}}:{{.Tag}}").split("\n").filter((r) => r.startsWith(registry));
        if (pushed.length) docker("rmi", ...pushed);
    });

    it("pushes pgscale's images with `pgscale images build --push` and names the images option to use", async () => {
        const out = execFileSync("node", [cli, "images", "build", "--only", PUSHED.join(","), "--push", registry, "--tag", tag], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
        expect(out).toContain(`images: { registry: "${registry}", tag: "${tag}" }`);
        const catalog = (await (await fetch(`http://${registry.split("/")[0]}/v2/_catalog`)).json()) as { repositories: string[] };
        // The images asked for, and no other.
        expect(catalog.repositories.sort()).toEqual(PUSHED.map((n) => `team/${n}`));
        for (const n of PUSHED) {
            const tags = (await (await fetch(`http://${registry.split("/")[0]}/v2/team/${n}/tags/list`)).json()) as { tags: string[] };
            expect(tags.tags).toEqual([tag]);
        }
    });

    it("runs a stack whose every construct pulls its image from that registry", async () => {
        // Only the registry has them now: the constructs must pull.
        docker("rmi", ...PUSHED.map((n) => `${registry}/${n}:${tag}`));
        stack = await fixtureStack("registry", name, { registry: { value: registry }, tag: { value: tag } });
        const res = await stack.up({ onOutput: () => undefined });
        expect(res.summary.result).toBe("succeeded");
        const out = plainOutputs(res.outputs) as { containers: string[]; superuserUri: string };
        // Containers run the pulled images (by ID, as the constructs reference every image).
        const running = out.containers.map((c) => docker("inspect", "--format", "{{.Image}}", c)).sort();
        expect(running).toEqual([`${registry}/etcd:${tag}`, `${registry}/patroni-17:${tag}`].map((r) => docker("image", "inspect", "--format", "{{.Id}}", r)).sort());
        const rows = await eventually(() => query<{ v: string }>(out.superuserUri, "SELECT current_setting('server_version_num') AS v"), 60_000, "the node answers");
        expect(Number(rows[0].v)).toBeGreaterThanOrEqual(170000); // the default major
        await destroyAndRemove(stack);
        stack = undefined;
        expect(dockerObjectsOfStack(name)).toEqual({ containers: [], networks: [], volumes: [] });
    });
});
