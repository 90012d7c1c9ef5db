// What the genuine provider does with a change to each property pgscale's Docker constructs set,
// taken from terraform-provider-docker (the provider pulumi-resource-docker 4.x bridges), and the
// stand-in's diff held to it. A row fails when the stand-in drifts from the source it cites.
// The same table is in README.md ("Semantics taken from the genuine provider").
import { DockerStandinProvider } from "./provider";
import { CONTAINER, NETWORK, REMOTE_IMAGE, SPECS, VOLUME } from "./schema";

const provider = new DockerStandinProvider();
const urn = (token: string) => `urn:pulumi:test::standin::${token}::r`;

/**
 * replace: ForceNew in the schema. update: not ForceNew, applied by the resource's Update.
 * state: not ForceNew, and Update does nothing with it (recorded only).
 */
type Genuine = "replace" | "update" | "state";

const CONTAINER_GO = "internal/provider/resource_docker_container.go (schema), resource_docker_container_funcs.go (resourceDockerContainerUpdate)";
const VOLUME_GO = "internal/provider/resource_docker_volume.go";
const NETWORK_GO = "internal/provider/resource_docker_network.go";
const IMAGE_GO = "internal/provider/resource_docker_image.go";

interface Row {
    token: string;
    property: string;
    genuine: Genuine;
    /** Upstream Optional+Computed (or a DiffSuppressFunc for ""): leaving it unset keeps the recorded value. */
    computed?: boolean;
    before: unknown;
    after: unknown;
    source: string;
}

const c = (property: string, genuine: Genuine, before: unknown, after: unknown, computed = false): Row =>
    ({ token: CONTAINER, property, genuine, before, after, computed, source: CONTAINER_GO });

const ROWS: Row[] = [
    c("image", "replace", "sha256:a", "sha256:b"),
    c("name", "replace", "a", "b"),
    c("hostname", "replace", "pg-0", "pg-1", true),
    c("user", "replace", "postgres", "root", true),
    c("command", "replace", ["a"], ["b"], true),
    c("entrypoints", "replace", ["/bin/sh"], ["/bin/bash"], true),
    c("envs", "replace", ["A=1"], ["A=2"], true),
    c("uploads", "replace", [{ file: "/f", content: "1" }], [{ file: "/f", content: "2" }]),
    c("networksAdvanced", "replace", [{ name: "n", aliases: ["a"] }], [{ name: "n", aliases: ["b"] }]),
    c("volumes", "replace", [{ volumeName: "v", containerPath: "/d" }], [{ volumeName: "w", containerPath: "/d" }]),
    c("ports", "replace", [{ internal: 5432, ip: "127.0.0.1" }], [{ internal: 5432, ip: "0.0.0.0" }]),
    c("shmSize", "replace", 64, 128, true),
    c("dnsOpts", "replace", ["timeout:1"], ["timeout:2"]),
    c("groupAdds", "replace", ["101"], ["102"]),
    c("labels", "replace", [{ label: "a", value: "1" }], [{ label: "a", value: "2" }], true),
    c("stopSignal", "replace", "SIGTERM", "SIGINT", true),
    c("stopTimeout", "replace", 30, 10, true),
    c("restart", "update", "no", "unless-stopped"),
    c("maxRetryCount", "update", 0, 3),
    c("memory", "update", 128, 256),
    c("healthcheck", "state",
        { tests: ["CMD", "true"], interval: "2s", timeout: "2s", retries: 60, startPeriod: "2s" },
        { tests: ["CMD", "true"], interval: "5s", timeout: "2s", retries: 60, startPeriod: "2s" }, true),
    c("init", "state", false, true, true),
    c("tmpfs", "state", { "/run": "size=1m" }, { "/run": "size=2m" }),
    c("wait", "state", false, true),
    c("waitTimeout", "state", 60, 300),
    c("mustRun", "state", true, false),
    c("removeVolumes", "state", true, false),
    c("destroyGraceSeconds", "state", 0, 30),
    { token: VOLUME, property: "name", genuine: "replace", before: "a", after: "b", source: VOLUME_GO },
    { token: VOLUME, property: "labels", genuine: "replace", before: [{ label: "a", value: "1" }], after: [{ label: "a", value: "2" }], source: VOLUME_GO },
    { token: VOLUME, property: "driver", genuine: "replace", before: "local", after: "other", computed: true, source: VOLUME_GO },
    { token: NETWORK, property: "name", genuine: "replace", before: "a", after: "b", source: NETWORK_GO },
    { token: NETWORK, property: "driver", genuine: "replace", before: "bridge", after: "overlay", computed: true, source: NETWORK_GO },
    { token: NETWORK, property: "labels", genuine: "replace", before: [{ label: "a", value: "1" }], after: [{ label: "a", value: "2" }], source: NETWORK_GO },
    { token: REMOTE_IMAGE, property: "name", genuine: "replace", before: "a:1", after: "a:2", source: IMAGE_GO },
    { token: REMOTE_IMAGE, property: "keepLocally", genuine: "state", before: false, after: true, source: IMAGE_GO },
];

const base: Record<string, Record<string, unknown>> = {
    [CONTAINER]: { image: "sha256:a", name: "a" },
    [VOLUME]: { name: "a" },
    [NETWORK]: { name: "a" },
    [REMOTE_IMAGE]: { name: "a:1" },
};

describe.each(ROWS)("$token $property (genuine: $genuine)", (row) => {
    const olds = { ...base[row.token], [row.property]: row.before };
    const news = { ...base[row.token], [row.property]: row.after };

    it(row.genuine === "replace" ? "replaces the resource" : "changes it without replacing", async () => {
        const d = await provider.diff("id", urn(row.token), olds, news);
        expect(d.changes).toBe(true);
        expect(d.replaces).toEqual(row.genuine === "replace" ? [row.property] : []);
    });

    it("is classified so in the stand-in's schema", () => {
        const field = SPECS[row.token].fields[row.property];
        expect(field.change ?? "replace").toBe(row.genuine);
        expect(field.computed ?? false).toBe(row.computed ?? false);
    });

    if (row.computed) {
        it("keeps the recorded value when the program leaves it unset", async () => {
            const d = await provider.diff("id", urn(row.token), olds, { ...base[row.token] });
            expect(d.changes).toBe(false);
        });
    }
});

it("replaces containers delete-first (the bridge's DeleteBeforeReplace for docker_container)", async () => {
    const d = await provider.diff("id", urn(CONTAINER), { image: "a" }, { image: "b" });
    expect(d.deleteBeforeReplace).toBe(true);
});
