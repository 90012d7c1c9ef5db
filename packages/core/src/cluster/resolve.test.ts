import { PgscaleValidationError } from "../validation";
import { renderDcsConfig } from "./patroni-config";
import { frontendFitIssues, poolFitIssues, poolUserIssues, resolveEtcdCluster, resolveHAProxyFrontend, resolvePatroniCluster, resolvePgBouncerPool, resolveStreamingReplica } from "./resolve";

function fields(fn: () => unknown): string[] {
    try {
        fn();
    } catch (e) {
        if (e instanceof PgscaleValidationError) return e.issues.map((i) => i.field);
        throw e;
    }
    throw new Error("expected a validation error");
}

describe("resolvePatroniCluster", () => {
    it("applies defaults: 3 nodes, Patroni's timings, replication parameters", () => {
        const r = resolvePatroniCluster({}, "PatroniCluster t");
        expect(r.spec.nodes).toBe(3);
        expect(r.timings).toEqual({ ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576 });
        expect(r.parameters).toMatchObject({ wal_level: "replica", hot_standby: "on", max_wal_senders: "10", wal_log_hints: "on", wal_sender_timeout: "10s", wal_receiver_timeout: "10s" });
    });
    it("warns at every up when TLS (or the REST API's HTTPS) is turned off, and not at the defaults", () => {
        expect(resolvePatroniCluster({}, "PatroniCluster t").warnings).toEqual([]);
        expect(resolvePatroniCluster({ tls: { enabled: false } }, "PatroniCluster t").warnings).toEqual([
            expect.stringMatching(/^PatroniCluster t: tls\.enabled is false: clients, PgBouncer and replication reach PostgreSQL without TLS/),
        ]);
        expect(resolvePatroniCluster({ tls: { enabled: false }, restApi: { https: false } }, "t").warnings).toHaveLength(2);
    });
    it("lets explicit timings win over objectives", () => {
        const r = resolvePatroniCluster({ objectives: { rtoSeconds: 30, rpoBytes: 1000 }, patroni: { ttl: 25 } }, "t");
        expect(r.timings.ttl).toBe(25);
        expect(r.timings.maximumLagOnFailover).toBe(1000);
    });
    it("renders user parameters as PostgreSQL values", () => {
        const r = resolvePatroniCluster({ parameters: { max_connections: 200, hot_standby: true, shared_buffers: "256MB" } }, "t");
        expect(r.parameters).toMatchObject({ max_connections: "200", hot_standby: "on", shared_buffers: "256MB" });
    });
    it.each([
        [{ nodes: 0 }, "nodes"],
        [{ nodes: 2.5 }, "nodes"],
        [{ patroni: { ttl: 10 } }, "patroni.ttl"],
        [{ patroni: { ttl: 20, loopWait: 10, retryTimeout: 10 } }, "patroni.ttl"],
        [{ patroni: { ttll: 30 } }, "patroni.ttll"],
        [{ objectives: { rtoSeconds: 5, rpoBytes: 0 } }, "objectives.rtoSeconds"],
        [{ parameters: { port: 6000 } }, "parameters.port"],
        [{ pgHba: ["host all all 0.0.0.0/0 trust"] }, "pgHba[0]"],
        [{ pgHba: ["host all all 0.0.0.0/0 md5"] }, "pgHba[0]"],
        [{ nodes: 1, patroni: { synchronousMode: true, synchronousModeStrict: true } }, "patroni.synchronousModeStrict"],
        [{ nodes: 2, nodeTags: [{ nofailover: true }, { nofailover: true }] }, "nodeTags"],
        [{ nodes: 1, nodeTags: [{}, {}] }, "nodeTags"],
        [{ database: "App-DB" }, "database"],
        [{ owner: 'x"; drop table y; --' }, "owner"],
        [{ patroni: { synchronousMode: true, synchronousNodeCount: 3 }, nodes: 3 }, "patroni.synchronousNodeCount"],
        [{ database: "template1" }, "database"],
        [{ owner: "rewind" }, "owner"],
        [{ owner: "pgscale_admin" }, "owner"],
        [{ owner: "pg_monitor" }, "owner"],
        [{ parameters: { password_encryption: "md5" } }, "parameters.password_encryption"],
        [{ parameters: { max_connections: "100 " + "x" } }, "parameters.max_connections"],
        [{ parameters: { max_connections: 3 } }, "parameters.max_connections"],
        [{ parameters: { max_connections: 10, superuser_reserved_connections: 10 } }, "parameters.max_connections"],
        [{ parameters: { superuser_reserved_connections: -1 } }, "parameters.superuser_reserved_connections"],
        [{ pgHba: ["host all all all reject\nhost all all all trust"] }, "pgHba[0]"],
    ])("rejects %j naming %s", (input, field) => {
        expect(fields(() => resolvePatroniCluster(input, "PatroniCluster t"))).toContain(field);
    });
    it("names the construct in the message", () => {
        expect(() => resolvePatroniCluster({ nodes: 0 }, "PatroniCluster main")).toThrow(/PatroniCluster main: invalid input\n {2}- nodes:/);
    });
    it("accepts max_connections as a number or numeric text, and scram-sha-256 restated", () => {
        expect(() => resolvePatroniCluster({ parameters: { max_connections: "200", password_encryption: "scram-sha-256" } }, "t")).not.toThrow();
        expect(() => resolvePatroniCluster({ parameters: { max_connections: 200 } }, "t")).not.toThrow();
    });
    it("allows trust on the local socket only", () => {
        expect(() => resolvePatroniCluster({ pgHba: ["local all postgres trust"] }, "t")).not.toThrow();
    });
});

describe("permanent logical slots", () => {
    it("turns on logical WAL and replica feedback, and renders Patroni's slots with the cluster's database by default", () => {
        const r = resolvePatroniCluster({ database: "appdb", logicalSlots: [{ name: "orders_slot" }, { name: "audit", database: "auditdb" }] }, "t");
        expect(r.parameters).toMatchObject({ wal_level: "logical", hot_standby_feedback: "on" });
        const dcs = renderDcsConfig({ ...r, ...r.spec.patroni, timings: r.timings, parameters: r.parameters, pgHba: [], synchronousMode: r.synchronousMode, patroniMajor: r.layout.patroniMajor, logicalSlots: r.logicalSlots });
        expect(dcs.slots).toEqual({
            orders_slot: { type: "logical", database: "appdb", plugin: "pgoutput" },
            audit: { type: "logical", database: "auditdb", plugin: "pgoutput" },
        });
        expect(resolvePatroniCluster({}, "t").parameters.wal_level).toBe("replica");
    });
    it("refuses a repeated or malformed slot name, and a wal_level or hot_standby_feedback that would break the slots", () => {
        expect(fields(() => resolvePatroniCluster({ logicalSlots: [{ name: "a" }, { name: "a" }] }, "t"))).toEqual(["logicalSlots[1].name"]);
        expect(fields(() => resolvePatroniCluster({ logicalSlots: [{ name: "Orders" }] }, "t"))).toEqual(["logicalSlots[0].name"]);
        expect(fields(() => resolvePatroniCluster({ logicalSlots: [{ name: "a" }], parameters: { wal_level: "replica", hot_standby_feedback: false } }, "t")))
            .toEqual(["parameters.wal_level", "parameters.hot_standby_feedback"]);
    });
});

describe("declared roles and databases", () => {
    it("takes Role and Database props, with a pool size per role", () => {
        const r = resolvePatroniCluster({ owner: "app", roles: [{ name: "readers", login: false }, { name: "reporter", memberOf: ["readers"], poolSize: 2 }], databases: [{ name: "reports", owner: "reporter" }] }, "t");
        expect(r.spec.roles).toMatchObject([{ name: "readers", login: false }, { name: "reporter", login: true, memberOf: ["readers"], poolSize: 2, removalPolicy: "drop" }]);
        expect(r.spec.databases).toMatchObject([{ name: "reports", owner: "reporter", removalPolicy: "retain" }]);
        expect(resolvePatroniCluster({}, "t").spec).toMatchObject({ roles: [], databases: [] });
    });
    it("refuses the bootstrap's own names, repeats, an unknown database owner and a membership cycle, naming the field", () => {
        expect(fields(() => resolvePatroniCluster({ owner: "app", roles: [{ name: "app" }] }, "t"))).toEqual(["roles[0].name"]);
        expect(fields(() => resolvePatroniCluster({ roles: [{ name: "a" }, { name: "a" }] }, "t"))).toEqual(["roles[1].name"]);
        expect(fields(() => resolvePatroniCluster({ roles: [{ name: "pg_x" }] }, "t"))).toEqual(["roles[0].name"]);
        expect(fields(() => resolvePatroniCluster({ roles: [{ name: "a", poolSize: 0 }] }, "t"))).toEqual(["roles[0].poolSize"]);
        expect(fields(() => resolvePatroniCluster({ database: "appdb", databases: [{ name: "appdb" }, { name: "x" }, { name: "x" }] }, "t"))).toEqual(["databases[0].name", "databases[2].name"]);
        expect(fields(() => resolvePatroniCluster({ databases: [{ name: "x", owner: "nobody" }] }, "t"))).toEqual(["databases[0].owner"]);
        let message = "";
        try {
            resolvePatroniCluster({ roles: [{ name: "a", memberOf: ["b"] }, { name: "b", memberOf: ["c"] }, { name: "c", memberOf: ["a"] }] }, "t");
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toContain("roles[0].memberOf: membership cycle: a -> b -> c -> a");
    });
});

describe("synchronous mode and quorum commit", () => {
    const mode = (input: object) => resolvePatroniCluster(input, "x").synchronousMode;
    const rpo0 = { objectives: { rtoSeconds: 30, rpoBytes: 0 } };
    it("takes quorum commit on PostgreSQL 17 (Patroni 4) and renders it as Patroni's synchronous_mode", () => {
        const r = resolvePatroniCluster({ postgresVersion: 17, patroni: { synchronousMode: "quorum" } }, "x");
        expect(r.synchronousMode).toBe("quorum");
        expect(renderDcsConfig({ ...r, ...r.spec.patroni, timings: r.timings, parameters: r.parameters, pgHba: [], synchronousMode: r.synchronousMode, patroniMajor: r.layout.patroniMajor }))
            .toMatchObject({ synchronous_mode: "quorum", member_slots_ttl: 0 });
    });
    it("refuses quorum where Patroni has none, and on a single node, naming the field", () => {
        expect(fields(() => mode({ postgresVersion: 15, patroni: { synchronousMode: "quorum" } }))).toEqual(["patroni.synchronousMode"]);
        expect(fields(() => mode({ postgresVersion: 17, nodes: 1, patroni: { synchronousMode: "quorum" } }))).toEqual(["patroni.synchronousMode"]);
        expect(fields(() => mode({ patroni: { synchronousMode: "yes" } }))).toEqual(["patroni.synchronousMode"]);
    });
    it("rpoBytes 0 chooses quorum on 17 with 3 or more nodes, else synchronous mode, strict either way", () => {
        expect(mode({ postgresVersion: 17, ...rpo0 })).toBe("quorum");
        expect(mode({ postgresVersion: 17, nodes: 5, ...rpo0 })).toBe("quorum");
        expect(mode({ postgresVersion: 17, nodes: 2, ...rpo0 })).toBe(true);
        expect(mode({ postgresVersion: 15, ...rpo0 })).toBe(true);
        expect(resolvePatroniCluster({ postgresVersion: 17, ...rpo0 }, "x").synchronousModeStrict).toBe(true);
        expect(resolvePatroniCluster({ postgresVersion: 17, ...rpo0 }, "x").rationale.join("\n")).toContain("quorum commit (ANY 1 of the 2 replicas)");
        // An explicit choice wins.
        expect(mode({ postgresVersion: 17, ...rpo0, patroni: { synchronousMode: true } })).toBe(true);
    });
});

describe("resolveEtcdCluster", () => {
    it("warns about even member counts but accepts them", () => {
        const r = resolveEtcdCluster({ members: 4 }, "EtcdCluster dcs");
        expect(r.warnings[0]).toMatch(/even/);
        expect(resolveEtcdCluster({ members: 3 }, "x").warnings).toEqual([]);
    });
    it("rejects 0 members and unknown keys", () => {
        expect(fields(() => resolveEtcdCluster({ members: 0 }, "x"))).toEqual(["members"]);
        expect(fields(() => resolveEtcdCluster({ memberz: 3 }, "x"))).toEqual(["memberz"]);
    });
    it("takes tls as a switch or as PatroniCluster's certificate settings, and refuses settings without TLS", () => {
        const tlsOf = (tls: unknown) => { const { spec } = resolveEtcdCluster({ tls }, "x"); return { tls: spec.tls, certificates: spec.certificates }; };
        expect(resolveEtcdCluster({}, "x").spec).toMatchObject({ tls: true, certificates: {} });
        expect(tlsOf(false)).toEqual({ tls: false, certificates: {} });
        expect(tlsOf({ renewBeforeFraction: 0.5, caGeneration: 2, lifetimeDays: 30 })).toEqual({ tls: true, certificates: { renewBeforeFraction: 0.5, caGeneration: 2, lifetimeDays: 30 } });
        expect(fields(() => resolveEtcdCluster({ tls: { enabled: false, caGeneration: 1 } }, "x"))).toEqual(["tls.caGeneration"]);
        expect(fields(() => resolveEtcdCluster({ tls: { renewBeforeFraction: 1 } }, "x"))).toEqual(["tls.renewBeforeFraction"]);
        expect(fields(() => resolveEtcdCluster({ tls: { caGeneration: -1 } }, "x"))).toEqual(["tls.caGeneration"]);
        expect(fields(() => resolveEtcdCluster({ tls: "yes" }, "x"))).toEqual(["tls"]);
    });
});

describe("resolveHAProxyFrontend", () => {
    const cluster = { check: { interMs: 2000, fall: 3, rise: 2 }, synchronousMode: false };
    it("rejects clashing ports", () => {
        expect(fields(() => resolveHAProxyFrontend({ primaryPort: 5000, replicaPort: 5000 }, "x", cluster))).toEqual(["replicaPort"]);
    });
    it("needs synchronous mode for a sync listener", () => {
        expect(fields(() => resolveHAProxyFrontend({ syncReplicaPort: 6000 }, "x", cluster))).toEqual(["syncReplicaPort"]);
    });
    it("accepts a sync listener on a quorum cluster", () => {
        expect(resolveHAProxyFrontend({ syncReplicaPort: 6000 }, "x", { ...cluster, synchronousMode: "quorum" }).spec.syncReplicaPort).toBe(6000);
    });
    it("overlays explicit check timings on the cluster's", () => {
        expect(resolveHAProxyFrontend({ check: { interMs: 500 } }, "x", cluster).check).toEqual({ interMs: 500, fall: 3, rise: 2 });
    });
});

describe("resolvePgBouncerPool", () => {
    it("defaults to transaction pooling, 20 per pool, 1000 clients", () => {
        const s = resolvePgBouncerPool({}, "x");
        expect(s).toMatchObject({ poolMode: "transaction", defaultPoolSize: 20, maxClientConn: 1000 });
    });
    it.each([
        [{ poolMode: "sessions" }, "poolMode"],
        [{ minPoolSize: 30, defaultPoolSize: 20 }, "minPoolSize"],
        [{ defaultPoolSize: 0 }, "defaultPoolSize"],
        [{ port: 70000 }, "port"],
        [{ bindAddress: "localhost" }, "bindAddress"],
        [{ ignoreStartupParameters: ["a b"] }, "ignoreStartupParameters[0]"],
        [{ maxPreparedStatements: -1 }, "maxPreparedStatements"],
        [{ maxPreparedStatements: 1.5 }, "maxPreparedStatements"],
    ])("rejects %j naming %s", (input, field) => {
        expect(fields(() => resolvePgBouncerPool(input, "x"))).toContain(field);
    });
    it("flags pools that cannot fit in max_connections", () => {
        const spec = resolvePgBouncerPool({ defaultPoolSize: 100, reservePoolSize: 10 }, "x");
        expect(poolFitIssues(spec, 100)[0].message).toMatch(/110 server connections/);
        expect(poolFitIssues(spec, 200)).toEqual([]);
    });
    it("counts a pool per declared user, at its own size or the default, each with the reserve", () => {
        const spec = resolvePgBouncerPool({ defaultPoolSize: 20, reservePoolSize: 5 }, "x");
        // Owner 25, a user at the default 25, a user of 5 plus reserve 10: 60.
        expect(poolFitIssues(spec, 62, 1, 3, [{}, { poolSize: 5 }])[0].message).toMatch(/60 server connections/);
        expect(poolFitIssues(spec, 63, 1, 3, [{}, { poolSize: 5 }])).toEqual([]);
        expect(frontendFitIssues(spec, 59, 1, [{}, { poolSize: 5 }])[0].message).toMatch(/60 server connections/);
    });
    it("names a bad declared user by its index", () => {
        expect(poolUserIssues([{ role: { name: "r", scramVerifier: "v" }, poolSize: 3 }])).toEqual([]);
        expect(poolUserIssues([{ role: "reporter" }, { role: { name: "r", scramVerifier: "v" }, poolSize: 0 }, undefined]).map((i) => i.field))
            .toEqual(["users[0].role", "users[1].poolSize", "users[2].role"]);
        expect(poolUserIssues("reporter")).toEqual([expect.objectContaining({ field: "users" })]);
    });
});

describe("frontendFitIssues", () => {
    it("flags pools that open more server connections than HAProxy accepts", () => {
        const spec = resolvePgBouncerPool({ defaultPoolSize: 20, reservePoolSize: 5 }, "x");
        expect(frontendFitIssues(spec, 24)).toEqual([expect.objectContaining({ field: "defaultPoolSize" })]);
        expect(frontendFitIssues(spec, 25)).toEqual([]);
        expect(frontendFitIssues(spec, 40, 2)[0].message).toMatch(/50 server connections/);
    });
});

describe("bind addresses", () => {
    it.each(["127.0.0.1", "0.0.0.0", "::1", "::", "192.168.1.10"])("accepts %s", (ip) => {
        expect(resolvePgBouncerPool({ bindAddress: ip }, "x").bindAddress).toBe(ip);
    });
    it("defaults to loopback", () => {
        expect(resolvePgBouncerPool({}, "x").bindAddress).toBe("127.0.0.1");
        expect(resolveHAProxyFrontend({}, "x", { check: { interMs: 1000, fall: 2, rise: 1 }, synchronousMode: false }).spec.bindAddress).toBe("127.0.0.1");
    });
});

describe("resolveStreamingReplica", () => {
    const base = { primaryHost: "db", primaryAdminUri: "postgresql://postgres:x@db/postgres" };
    it("derives the slot and role from the construct name", () => {
        expect(resolveStreamingReplica("reports-1", base, "x")).toMatchObject({ slotName: "reports_1", replicationUser: "replicator_reports_1" });
        expect(resolveStreamingReplica("1st", base, "x").slotName).toBe("s_1st");
    });
    it("accepts Pulumi outputs (objects) for inputs it cannot see yet", () => {
        expect(() => resolveStreamingReplica("r", { ...base, primaryHost: Promise.resolve("db") }, "x")).not.toThrow();
    });
    it.each([
        [{ primaryHost: "" }, "primaryHost"],
        [{ primaryAdminUri: "db:5432" }, "primaryAdminUri"],
        [{ primaryPort: 0 }, "primaryPort"],
        [{ slotName: "Slot" }, "slotName"],
        [{ replicationUser: "a b" }, "replicationUser"],
        [{ port: 65536 }, "port"],
        [{ slot: "x" }, "slot"],
    ])("rejects %j naming %s", (input, field) => {
        expect(fields(() => resolveStreamingReplica("r", { ...base, ...input }, "x"))).toContain(field);
    });
});
