import { haAscii, haMermaid, managedAscii, managedMermaid } from "./diagram-ha";

const pool = { poolMode: "transaction" as const, defaultPoolSize: 50, reservePoolSize: 13, minPoolSize: 13, maxClientConn: 1500, reservePoolTimeout: 3, serverIdleTimeout: 600, serverLifetime: 3600, queryTimeout: 300 };
const base = { clientsPeak: 1000, readShare: 0.8, pool, replicas: 2, maxConnections: 200, etcdMembers: 3, ttl: 30, synchronous: false };

describe("HA diagrams", () => {
    test("ASCII shows every tier with the plan's numbers, top to bottom", () => {
        const a = haAscii(base);
        const order = ["clients: 1000 at peak", 'PgBouncer "pool"   transaction, 50 (+13) server conns, max_client_conn 1500', 'HAProxy "lb"', "main-0 PRIMARY ==== WAL (async) ====> main-1, main-2", "max_connections 200", 'etcd "dcs"         3 members (quorum 2)'];
        const positions = order.map((s) => a.indexOf(s));
        expect(positions.every((p) => p >= 0)).toBe(true);
        expect([...positions].sort((x, y) => x - y)).toEqual(positions);
    });

    test("with a read pool, the split of clients and the lag-aware replica check", () => {
        const a = haAscii({ ...base, readPool: { ...pool, defaultPoolSize: 40 }, maxReplicaLagBytes: 16777216, synchronous: true });
        expect(a).toContain("~200 writing, ~800 reading");
        expect(a).toContain('PgBouncer "read-pool"  transaction, 40 (+13)');
        expect(a).toContain("GET /replica?lag=16777216");
        expect(a).toContain("WAL (synchronous)");
    });

    test("Mermaid: one node per replica, wired from the primary and the replica listener", () => {
        const m = haMermaid({ ...base, replicas: 3 });
        expect(m.split("\n")[0]).toBe("flowchart TD");
        for (let i = 0; i < 3; i++) {
            expect(m).toContain(`r${i}[("main-${i + 1} replica")]`);
            expect(m).toContain(`ro --> r${i}`);
        }
        expect(m).not.toContain("r3[");
    });

    test("managed service: the provider's pieces", () => {
        expect(managedAscii(500, 2, pool)).toContain("2 provider read replica(s)");
        expect(managedMermaid(500, 0)).toContain("provider endpoint");
    });
});
