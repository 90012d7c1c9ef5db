// The plugin as the Pulumi engine runs it: bin/pulumi-resource-docker prints its gRPC port on
// stdout, then answers provider RPCs (including the Configure/CheckConfig the stand-in adds).
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as path from "path";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { isSecret, makeSecret } from "./properties";
import { VOLUME } from "./schema";
import { testEnv } from "./testing/docker-test-env";

jest.setTimeout(120_000);

const pkgDir = path.resolve(__dirname, "..");
const repoRoot = path.resolve(pkgDir, "../../..");
// The engine-side libraries are the ones @pulumi/pulumi itself uses.
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (m: string) => require(require.resolve(m, { paths: [pulumiDir] }));
const grpc = fromPulumi("@grpc/grpc-js");
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromPulumi("google-protobuf/google/protobuf/empty_pb");

const env = testEnv();
let plugin: ChildProcess;
let port: number;
let client: provrpc.ResourceProviderClient;

/** Promisified unary call. */
function call<Req, Res>(method: string, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
        (client as unknown as Record<string, (r: Req, cb: (e: Error | null, res: Res) => void) => void>)[method](
            req,
            (err, res) => (err ? reject(err) : resolve(res)),
        );
    });
}

beforeAll(async () => {
    // The plugin runs the compiled provider: make sure dist/ matches src/ (incremental, fast when current).
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", pkgDir], { cwd: repoRoot });
    plugin = spawn(path.join(pkgDir, "bin", "pulumi-resource-docker"), [], {
        cwd: repoRoot,
        env: { ...process.env, PGSCALE_DOCKER_STANDIN_MAIN: "" },
        stdio: ["ignore", "pipe", "pipe"],
    });
    port = await new Promise<number>((resolve, reject) => {
        let out = "";
        plugin.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            const line = out.split("\n")[0];
            if (out.includes("\n")) {
                /^\d+$/.test(line.trim()) ? resolve(Number(line.trim())) : reject(new Error(`unexpected handshake ${line}`));
            }
        });
        plugin.on("exit", (code) => reject(new Error(`plugin exited early (${code})`)));
    });
    client = new provrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
    client?.close();
    if (plugin && plugin.exitCode === null) {
        const exited = new Promise((r) => plugin.once("exit", r));
        plugin.kill("SIGTERM");
        await exited;
    }
    await env.cleanup();
});

it("prints its gRPC port on stdout and reports the real provider's version", async () => {
    expect(port).toBeGreaterThan(0);
    const info = await call<unknown, { getVersion(): string }>("getPluginInfo", new Empty());
    expect(info.getVersion()).toBe("4.11.2");
});

it("reads docker:host in Configure and rejects hosts it cannot reach", async () => {
    const bad = new provproto.ConfigureRequest();
    bad.getVariablesMap().set("docker:config:host", "ssh://someone@somewhere");
    await expect(call("configure", bad)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });

    const good = new provproto.ConfigureRequest();
    good.getVariablesMap().set("docker:config:host", "unix:///var/run/docker.sock");
    const resp = await call<provproto.ConfigureRequest, provproto.ConfigureResponse>("configure", good);
    expect(resp.getAcceptsecrets()).toBe(true);
    expect(resp.getAcceptresources()).toBe(false);
});

it("rejects unsupported provider settings in CheckConfig", async () => {
    const req = new provproto.CheckRequest();
    req.setUrn("urn:pulumi:test::standin::pulumi:providers:docker::default");
    req.setOlds(Struct.fromJavaScript({}));
    req.setNews(Struct.fromJavaScript({ host: "unix:///var/run/docker.sock", caMaterial: "pem", version: "4.11.2" }));
    const resp = await call<provproto.CheckRequest, provproto.CheckResponse>("checkConfig", req);
    expect(resp.getFailuresList().map((f) => f.getProperty())).toEqual(["caMaterial"]);
});

it("rejects unsupported resource properties in Check", async () => {
    const req = new provproto.CheckRequest();
    req.setUrn(env.urn("docker:index/container:Container", "c"));
    req.setOlds(Struct.fromJavaScript({}));
    req.setNews(Struct.fromJavaScript({ image: "debian:bookworm-slim", gpus: "all" }));
    const resp = await call<provproto.CheckRequest, provproto.CheckResponse>("check", req);
    expect(resp.getFailuresList().map((f) => [f.getProperty(), f.getReason()])).toEqual([
        ["gpus", expect.stringContaining("not supported")],
    ]);
});

it("creates, reads and deletes a volume over gRPC, keeping secret inputs secret", async () => {
    const urn = env.urn(VOLUME, "grpc");
    const inputs = {
        name: env.name("grpc"),
        labels: [...env.labels(), { label: "pgscale.test.token", value: makeSecret("t0ken") }],
    };
    const create = new provproto.CreateRequest();
    create.setUrn(urn);
    create.setProperties(Struct.fromJavaScript(inputs));
    const created = await call<provproto.CreateRequest, provproto.CreateResponse>("create", create);
    expect(created.getId()).toBe(env.name("grpc"));
    const outs = created.getProperties()!.toJavaScript() as Record<string, unknown>;
    expect(outs.mountpoint).toEqual(expect.any(String));
    expect(isSecret((outs.labels as Array<Record<string, unknown>>)[2].value)).toBe(true);
    expect((await env.docker.getVolume(env.name("grpc")).inspect()).Labels["pgscale.test.token"]).toBe("t0ken");

    const read = new provproto.ReadRequest();
    read.setId(created.getId());
    read.setUrn(urn);
    read.setProperties(created.getProperties());
    expect((await call<provproto.ReadRequest, provproto.ReadResponse>("read", read)).getId()).toBe(env.name("grpc"));

    const del = new provproto.DeleteRequest();
    del.setId(created.getId());
    del.setUrn(urn);
    del.setProperties(created.getProperties());
    await call("delete", del);
    await expect(env.docker.getVolume(env.name("grpc")).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await call<provproto.ReadRequest, provproto.ReadResponse>("read", read)).getId()).toBe("");
});
