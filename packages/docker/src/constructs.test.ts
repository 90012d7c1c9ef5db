import * as pulumi from "@pulumi/pulumi";
import { generatedSecretState } from "../../../test/support/postgres-stubs";

// Mocks must be in place before the constructs are imported (PULUMI-NOTES.md).
const registered: Array<{ type: string; name: string; inputs: any; parent?: string }> = [];
let nextPort = 40000;
pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            const state: any = { ...args.inputs };
            if (args.type === "docker:index/container:Container") {
                state.ports = (args.inputs.ports ?? []).map((p: any) => ({ ...p, external: p.external ?? nextPort++ }));
            }
            if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:${args.name}`;
            if (args.type.includes("GeneratedSecret")) Object.assign(state, generatedSecretState(args.name));
            return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
    },
    "pgscale",
    "unit",
);

jest.mock("@pgscale/postgres", () => require("../../../test/support/postgres-stubs"));

import { EtcdCluster, HAProxyFrontend, PatroniCluster, PgBouncerPool } from "./index";

const unwrap = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

function topology(overrides: { nodes?: number; synchronousMode?: boolean } = {}) {
    const dcs = new EtcdCluster("dcs", { members: 3 });
    const pg = new PatroniCluster("main", { dcs, nodes: overrides.nodes ?? 3, database: "appdb", owner: "app",
        patroni: { synchronousMode: overrides.synchronousMode ?? false } });
    const lb = new HAProxyFrontend("lb", { cluster: pg });
    const pool = new PgBouncerPool("pool", { backend: lb });
    return { dcs, pg, lb, pool };
}

describe("construct graph", () => {
    beforeEach(() => registered.splice(0));

    it("creates etcd members, Patroni nodes with volumes, HAProxy and PgBouncer on one network", async () => {
        const { pg, lb, pool } = topology();
        await unwrap(pool.uri);
        const count = (t: string) => registered.filter((r) => r.type === t).length;
        expect(count("docker:index/network:Network")).toBe(1);
        expect(count("docker:index/container:Container")).toBe(3 + 3 + 1 + 1);
        expect(count("docker:index/volume:Volume")).toBe(3 + 3);
        expect(pg.members.map((m) => m.name)).toEqual(["main-0", "main-1", "main-2"]);
        const uri = await unwrap(lb.primaryUri);
        expect(uri).toMatch(/^postgresql:\/\/app:pw-main-owner-password@127\.0\.0\.1:\d+\/appdb$/);
    });

    it("names engine objects after project, stack and component, and binds ports to loopback", async () => {
        topology();
        await new Promise((r) => setTimeout(r, 50));
        const containers = registered.filter((r) => r.type === "docker:index/container:Container");
        for (const c of containers) {
            expect(c.inputs.name).toMatch(/^pgscale-unit-/);
            for (const p of c.inputs.ports ?? []) expect(p.ip).toBe("127.0.0.1");
            expect(c.inputs.labels).toEqual(expect.arrayContaining([{ label: "pgscale.stack", value: "unit" }]));
        }
    });

    it("bounds DNS lookups on Patroni members so an isolated leader demotes within ttl", async () => {
        const { pool } = topology();
        await unwrap(pool.uri);
        const members = registered.filter((r) => r.type === "docker:index/container:Container" && /^main-\d$/.test(r.name));
        expect(members).toHaveLength(3);
        for (const m of members) expect(m.inputs.dnsOpts).toEqual(["timeout:1", "attempts:2"]);
    });

    it("keeps passwords out of labels and environment", async () => {
        const { pool } = topology();
        await unwrap(pool.uri);
        const containers = registered.filter((r) => r.type === "docker:index/container:Container");
        const exposed = JSON.stringify(containers.map((c) => [c.inputs.labels, c.inputs.envs, c.inputs.command]));
        expect(exposed).not.toMatch(/pw-/);
        // The verifier, not the password, is what PgBouncer and the bootstrap script get.
        const pgb = containers.find((c) => c.name === "pool")!;
        // Secret inputs reach the mock wrapped as { <secret signature>: ..., value }.
        const plain = (v: any) => (v && typeof v === "object" && "value" in v && !Array.isArray(v) ? v.value : v);
        expect(pgb.inputs.uploads).toHaveProperty("value"); // the uploads are a secret as a whole
        const userlist = plain(pgb.inputs.uploads).find((u: any) => u.file.endsWith("userlist.txt")).content;
        expect(JSON.stringify(userlist)).not.toMatch(/pw-/);
    });

    it("adds a synchronous-standby endpoint only in synchronous mode", async () => {
        const a = topology({ synchronousMode: true });
        expect(a.lb.syncReplicaUri).toBeDefined();
        registered.splice(0);
        const b = topology();
        expect(b.lb.syncReplicaUri).toBeUndefined();
    });

    it("exports worst-case figures from the effective timings", () => {
        const { pg } = topology();
        expect(pg.worstCaseFailoverSeconds).toBe(30 + 10 + 2 + 4);
    });
});

describe("validation happens before any resource is registered", () => {
    // Registrations are asynchronous; match on the names the failing constructs would use.
    const registeredFor = async (name: string) => {
        await new Promise((r) => setTimeout(r, 100));
        return registered.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
    };
    const cases: Array<[string, () => unknown, RegExp]> = [
        ["etcd members 0", () => new EtcdCluster("bad", { members: 0 }), /members/],
        ["ttl below 20", () => new PatroniCluster("bad", { dcs: new EtcdCluster("ok-dcs1"), patroni: { ttl: 10 } }), /patroni\.ttl/],
        ["nodes 0", () => new PatroniCluster("bad", { dcs: new EtcdCluster("ok-dcs2"), nodes: 0 }), /nodes/],
        ["unknown pool mode", () => {
            const pg = new PatroniCluster("ok-pg", { dcs: new EtcdCluster("ok-dcs3") });
            return new PgBouncerPool("bad", { backend: new HAProxyFrontend("ok-lb", { cluster: pg }), poolMode: "sessions" as any });
        }, /poolMode/],
    ];
    it.each(cases)("%s", async (_label, make, message) => {
        expect(make).toThrow(message);
        expect(await registeredFor("bad")).toHaveLength(0);
    });

    it("pool bigger than max_connections", async () => {
        const dcs = new EtcdCluster("dcs2", {});
        const pg = new PatroniCluster("pg2", { dcs, parameters: { max_connections: 50 } });
        const lb = new HAProxyFrontend("lb2", { cluster: pg });
        expect(() => new PgBouncerPool("pool2", { backend: lb, defaultPoolSize: 60 })).toThrow(/defaultPoolSize: pool needs up to 60/);
        expect(await registeredFor("pool2")).toHaveLength(0);
    });

    it("haproxy port clash", async () => {
        const dcs = new EtcdCluster("dcs3", {});
        const pg = new PatroniCluster("pg3", { dcs });
        expect(() => new HAProxyFrontend("lb3", { cluster: pg, primaryPort: 6000, statsPort: 6000 })).toThrow(/statsPort: port 6000/);
        expect(await registeredFor("lb3")).toHaveLength(0);
    });
});
