// DockerPreflight's checks and the engine client's `host` handling against the real Docker engine:
// a leftover volume is refused by name (unless adopted on purpose or already the stack's own), a
// docker host pgscale's providers cannot act on is refused naming the setting, and an explicit
// host that is the same engine works for the providers that exec into containers.
import { execFileSync } from "child_process";
import { discoverMembers, execIn, preflightHandlers } from "@pgscale/docker";

jest.setTimeout(120_000);

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const run = `pgscale-it-preflight-${process.pid}`;
const LABEL = "pgscale.test=docker-preflight";
const SOCKET = "unix:///var/run/docker.sock";

const inputs = (over: Record<string, unknown> = {}) => ({
    subject: "PatroniCluster main", hostField: "docker:host", unsupported: [] as string[],
    volumes: [`${run}-0-data`, `${run}-1-data`], adoptExistingVolumes: false, project: "it", stack: run, ...over,
});

beforeAll(() => {
    docker("volume", "create", "--label", LABEL, `${run}-1-data`);
});
afterAll(() => {
    for (const c of docker("ps", "-aq", "--filter", `label=${LABEL}`).split("\n").filter(Boolean)) docker("rm", "-f", c);
    for (const v of docker("volume", "ls", "-q", "--filter", `label=${LABEL}`).split("\n").filter(Boolean)) docker("volume", "rm", v);
});

describe("leftover volumes", () => {
    it("refuses a volume that exists, naming it and the opt-in", async () => {
        const failures = await preflightHandlers.problems(undefined, inputs());
        expect(failures).toEqual([{ property: "volumes", reason: expect.stringContaining(`Docker volume ${run}-1-data already exists`) }]);
        expect(failures[0].reason).toMatch(/^PatroniCluster main: .*adoptExistingVolumes: true/);
        await expect(preflightHandlers.assertNone(undefined, inputs())).rejects.toThrow(`${run}-1-data`);
    });

    it("accepts it when adopted on purpose, or when the stack created it before", async () => {
        expect(await preflightHandlers.problems(undefined, inputs({ adoptExistingVolumes: true }))).toEqual([]);
        expect(await preflightHandlers.problems(inputs(), inputs())).toEqual([]);
        // A stack that scales up checks only the names it adds.
        expect(await preflightHandlers.problems({ volumes: [`${run}-0-data`] }, inputs())).toHaveLength(1);
    });

    it("refuses a change of restApi.https on a running cluster, naming the field; a cluster from before it existed counts as false", async () => {
        const running = inputs({ adoptExistingVolumes: true });
        const https = inputs({ adoptExistingVolumes: true, restApiHttps: true });
        const plain = inputs({ adoptExistingVolumes: true, restApiHttps: false });
        // A new cluster takes either; a running one keeps what it was created with.
        expect(await preflightHandlers.problems(undefined, https)).toEqual([]);
        expect(await preflightHandlers.problems(https, https)).toEqual([]);
        expect(await preflightHandlers.problems(running, plain)).toEqual([]);
        const fromBefore = await preflightHandlers.problems(running, https);
        expect(fromBefore).toEqual([{ property: "restApi.https", reason: expect.stringContaining("restApi.https is true, but the running members were created with restApi.https false (the default before") }]);
        expect(fromBefore[0].reason).toContain("Set `restApi: { https: false }` to keep the running cluster");
        expect(await preflightHandlers.problems(https, plain)).toEqual([{ property: "restApi.https", reason: expect.stringContaining("Set `restApi: { https: true }`") }]);
        await expect(preflightHandlers.assertNone(running, https)).rejects.toThrow(/restApi\.https/);
    });

    it("refuses a change of tls.enabled on a running cluster, naming the field; before it was recorded, only the default is refused", async () => {
        const tls = (enabled: boolean, explicit: boolean) => inputs({ adoptExistingVolumes: true, postgresTls: { enabled, explicit } });
        const running = inputs({ adoptExistingVolumes: true });
        // A new cluster takes either.
        expect(await preflightHandlers.problems(undefined, tls(true, false))).toEqual([]);
        expect(await preflightHandlers.problems(undefined, tls(false, true))).toEqual([]);
        // A cluster from before TLS was required: the new default is refused, the program's own value is taken.
        const fromBefore = await preflightHandlers.problems(running, tls(true, false));
        expect(fromBefore).toEqual([{ property: "tls.enabled", reason: expect.stringContaining("tls.enabled is true, but the running members were created with tls.enabled false (the default before pgscale required TLS)") }]);
        expect(fromBefore[0].reason).toContain("Set `tls: { enabled: false }` to keep the running cluster");
        expect(await preflightHandlers.problems(running, tls(false, true))).toEqual([]);
        expect(await preflightHandlers.problems(running, tls(true, true))).toEqual([]);
        // Once recorded, any change is refused, explicit or not.
        expect(await preflightHandlers.problems(tls(false, true), tls(true, true))).toEqual([{ property: "tls.enabled", reason: expect.stringContaining("Set `tls: { enabled: false }`") }]);
        expect(await preflightHandlers.problems(tls(true, false), tls(false, true))).toEqual([{ property: "tls.enabled", reason: expect.stringContaining("Set `tls: { enabled: true }`") }]);
        expect(await preflightHandlers.problems(tls(true, false), tls(true, true))).toEqual([]);
        await expect(preflightHandlers.assertNone(running, tls(true, false))).rejects.toThrow(/tls\.enabled/);
    });

    it("accepts a volume a container of this same stack mounts (a deployment that predates the check)", async () => {
        docker("create", "--label", LABEL, "--label", "pgscale.project=it", "--label", `pgscale.stack=${run}`,
            "-v", `${run}-1-data:/data`, "debian:bookworm-slim", "true");
        expect(await preflightHandlers.problems(undefined, inputs())).toEqual([]);
        expect(await preflightHandlers.problems(undefined, inputs({ stack: "another-stack" }))).toHaveLength(1);
    });
});

describe("the docker provider's host", () => {
    it("works with an explicit host naming this same engine", async () => {
        expect(await preflightHandlers.problems(undefined, inputs({ dockerHost: SOCKET, volumes: [] }))).toEqual([]);
        expect(await preflightHandlers.problems(undefined, inputs({ dockerHost: "tcp://127.0.0.1:1", volumes: [] })))
            .toEqual([{ property: "dockerHost", reason: expect.stringMatching(/^PatroniCluster main: the Docker engine at docker:host = tcp:\/\/127\.0\.0\.1:1 cannot be reached/) }]);
    });

    it.each([
        ["a socket that is not there", "unix:///nonexistent/docker.sock", /docker:host = unix:\/\/\/nonexistent\/docker\.sock cannot be reached/],
        ["another machine", "tcp://10.255.0.1:2375", /docker:host = tcp:\/\/10\.255\.0\.1:2375 is another machine's engine/],
        ["ssh", "ssh://user@host", /docker:host = ssh:\/\/user@host: docker host "ssh:\/\/user@host" is not supported/],
    ])("refuses %s, naming the setting", async (_what, host, message) => {
        const failures = await preflightHandlers.problems(undefined, inputs({ dockerHost: host, volumes: [] }));
        expect(failures).toEqual([{ property: "dockerHost", reason: expect.stringMatching(message) }]);
    });

    it("refuses provider settings the engine client cannot follow, by name", async () => {
        const failures = await preflightHandlers.problems(undefined, inputs({ unsupported: ["certPath", "sshOpts"], volumes: [] }));
        expect(failures.map((f) => f.property)).toEqual(["certPath", "sshOpts"]);
        expect(failures[0].reason).toMatch(/docker provider's `certPath` is set/);
    });

    it("reaches containers through the explicit host (exec, member lookup)", async () => {
        const name = `${run}-member`;
        docker("run", "-d", "--name", name, "--label", LABEL, "--label", "pgscale.project=it", "--label", `pgscale.stack=${run}`,
            "--label", "pgscale.component=pg", "--label", "pgscale.role=postgres", "--label", "pgscale.member=pg-0",
            "-p", "127.0.0.1::8008", "debian:bookworm-slim", "sleep", "infinity");
        const r = await execIn(name, ["sh", "-c", "echo $GREETING"], { env: ["GREETING=same-engine"], host: SOCKET });
        expect(r).toEqual({ exitCode: 0, stdout: "same-engine\n", stderr: "" });
        const members = await discoverMembers({ project: "it", stack: run, component: "pg" }, SOCKET);
        expect(members).toEqual([{ name: "pg-0", restUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) }]);
        await expect(discoverMembers({ project: "it", stack: run, component: "pg" }, "unix:///nonexistent/docker.sock")).rejects.toThrow(/ENOENT|connect/);
    });
});
