import { etcdCluster, haproxyFrontend, partitionedTable, patroniCluster, pgBouncerPool } from "./constructs";

const patroni = { ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576, usePgRewind: true, synchronousMode: false };
const sizing = { poolMode: "session" as const, defaultPoolSize: 5, reservePoolSize: 2, minPoolSize: 2, maxClientConn: 100, reservePoolTimeout: 3, serverIdleTimeout: 600, serverLifetime: 3600, queryTimeout: 300 };

describe("construct arguments (issue 3 / issue 4 API)", () => {
    test("references live in refs, data in args", () => {
        expect(etcdCluster(3, "p")).toMatchObject({ construct: "EtcdCluster", name: "dcs", args: { members: 3 }, refs: {} });
        expect(patroniCluster(4, patroni, 250, "p")).toMatchObject({
            construct: "PatroniCluster",
            args: { nodes: 4, patroni, parameters: { max_connections: "250" }, database: "appdb", owner: "app" },
            refs: { dcs: "dcs" },
        });
        expect(haproxyFrontend("p")).toMatchObject({ args: {}, refs: { cluster: "main" } });
        expect(haproxyFrontend("p", 1024).args).toEqual({ maxReplicaLagBytes: 1024 });
        expect(pgBouncerPool("read-pool", sizing, "p", "replicas")).toMatchObject({ args: { ...sizing, target: "replicas" }, refs: { backend: "lb" } });
        expect(pgBouncerPool("pool", sizing, "p").args).not.toHaveProperty("target");
        expect(partitionedTable("t", { name: "t" }, "config:databaseUri", "p")).toMatchObject({ package: "@pgscale/postgres", refs: { connection: "config:databaseUri" } });
    });

    test("args are copies: editing a plan does not edit the sizing it came from", () => {
        const c = patroniCluster(3, patroni, 200, "p");
        (c.args.patroni as { ttl: number }).ttl = 99;
        expect(patroni.ttl).toBe(30);
    });
});
