import * as ts from "typescript";
import { etcdCluster, haproxyFrontend, partitionedTable, patroniCluster, pgBouncerPool } from "./constructs";
import { literal, refExpression, renderStack, varName } from "./snippet";
import { ConstructConfig } from "./types";

/**
 * Runs a rendered stack against stand-in construct classes that record their
 * arguments; references come back as `{ ref: "lb.primaryUri" }` markers.
 */
function runStack(source: string): { constructs: { type: string; name: string; args: Record<string, unknown> }[]; exports: Record<string, unknown> } {
    const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 }, reportDiagnostics: true });
    expect(out.diagnostics ?? []).toEqual([]);
    const constructs: { type: string; name: string; args: Record<string, unknown> }[] = [];
    const stand = (type: string) =>
        class {
            ref: string;
            constructor(name: string, args: Record<string, unknown>) {
                constructs.push({ type, name, args });
                this.ref = name;
                return new Proxy(this, { get: (t, p) => (p in t ? (t as never)[p] : { ref: `${name}.${String(p)}` }) });
            }
        };
    const modules: Record<string, unknown> = {
        "@pulumi/pulumi": { Config: class { requireSecret = (k: string) => ({ ref: `config:${k}` }); } },
        "@pgscale/docker": Object.fromEntries(["EtcdCluster", "PatroniCluster", "HAProxyFrontend", "PgBouncerPool"].map((n) => [n, stand(n)])),
        "@pgscale/postgres": { PartitionedTable: stand("PartitionedTable") },
    };
    const exports: Record<string, unknown> = {};
    new Function("require", "exports", out.outputText)((m: string) => modules[m], exports);
    return { constructs, exports };
}

/** What a construct should have received: args plus refs resolved to the stand-ins' markers. */
function expectedArgs(c: ConstructConfig): Record<string, unknown> {
    const refs = Object.fromEntries(Object.entries(c.refs).map(([k, r]) => [k, { ref: r }]));
    return { ...refs, ...c.args };
}

const sizing = { poolMode: "transaction" as const, defaultPoolSize: 50, reservePoolSize: 13, minPoolSize: 13, maxClientConn: 1500, reservePoolTimeout: 3, serverIdleTimeout: 600, serverLifetime: 3600, queryTimeout: 300 };
const patroni = { ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576, usePgRewind: true, synchronousMode: false };

describe("renderStack", () => {
    const ha = [
        etcdCluster(3, "dcs"),
        patroniCluster(3, patroni, 200, "cluster"),
        haproxyFrontend("lb", 16777216),
        pgBouncerPool("pool", sizing, "writes"),
        pgBouncerPool("read-pool", sizing, "reads", "replicas"),
    ];

    test("the program constructs exactly the plan's arguments, references wired", () => {
        const run = runStack(renderStack(ha));
        expect(run.constructs.map((c) => [c.type, c.name])).toEqual(ha.map((c) => [c.construct, c.name]));
        run.constructs.forEach((c, i) => {
            const { dcs, cluster, backend, ...data } = c.args as Record<string, { ref?: string }>;
            expect(data).toEqual(ha[i].args);
            const refs = Object.fromEntries(Object.entries({ dcs, cluster, backend }).filter(([, v]) => v !== undefined).map(([k, v]) => [k, (v as { ref: string }).ref]));
            expect(refs).toEqual(ha[i].refs);
        });
        expect(Object.keys(run.exports).sort()).toEqual(["poolUri", "primaryUri", "readPoolUri", "replicaUri"]);
        expect(run.exports.primaryUri).toEqual({ ref: "lb.primaryUri" });
        expect(run.exports.readPoolUri).toEqual({ ref: "read-pool.uri" });
    });

    test("config references use a secret from stack config", () => {
        const table = partitionedTable("events", { schema: "public", name: "events" }, "config:databaseUri", "table");
        const src = renderStack([table]);
        expect(src).toContain(`import * as pulumi from "@pulumi/pulumi";`);
        expect(src).toContain(`connection: config.requireSecret("databaseUri")`);
        const run = runStack(src);
        expect(run.constructs[0].args).toEqual(expectedArgs(table));
    });

    test("imports only what is used", () => {
        const src = renderStack([etcdCluster(3, "x")]);
        expect(src.split("\n")[0]).toBe(`import { EtcdCluster } from "@pgscale/docker";`);
        expect(src).not.toContain("@pulumi/pulumi");
    });
});

describe("snippet helpers", () => {
    test("varName and refExpression", () => {
        expect(varName("read-pool")).toBe("readPool");
        expect(refExpression("read-pool.uri")).toBe("readPool.uri");
        expect(refExpression("config:databaseUri")).toBe(`config.requireSecret("databaseUri")`);
    });

    test("literal: short values on one line, long ones one property per line, odd keys quoted", () => {
        expect(literal({ a: 1, "b-c": ["x", true] })).toBe(`{ a: 1, "b-c": ["x", true] }`);
        expect(literal({ long: "x".repeat(120) })).toBe(`{\n    long: "${"x".repeat(120)}",\n}`);
        expect(literal({})).toBe("{}");
    });
});
