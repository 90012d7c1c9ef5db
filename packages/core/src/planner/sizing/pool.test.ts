import { connectionBudget } from "./connections";
import { sizePool, wantedServerConnections } from "./pool";

const b200 = connectionBudget(200); // budget 177

describe("sizePool", () => {
    test("transaction mode: 5% of peak clients, 25% reserve, 1.5x client headroom", () => {
        const p = sizePool(1000, b200, { sessionState: false });
        expect(p.sizing).toMatchObject({ poolMode: "transaction", defaultPoolSize: 50, reservePoolSize: 13, minPoolSize: 13, maxClientConn: 1500 });
        expect(p.serverConnections).toBe(63);
        expect(p.capped).toBe(false);
        expect(p.decisions.find((d) => d.topic === "pool: default_pool_size")!.why).toContain("ceil(1000 peak clients x 5% inside a transaction at any instant) = 50");
    });

    test("a small app still gets a floor of 5 (+2)", () => {
        expect(sizePool(40, b200, { sessionState: false }).sizing).toMatchObject({ defaultPoolSize: 5, reservePoolSize: 2, maxClientConn: 100 });
    });

    test("pool scales with the peak", () => {
        const small = sizePool(400, b200, { sessionState: false }).sizing.defaultPoolSize;
        const big = sizePool(2000, b200, { sessionState: false }).sizing.defaultPoolSize;
        expect([small, big]).toEqual([20, 100]);
    });

    test("capped by max_connections: clients queue in PgBouncer, and the plan says so", () => {
        const p = sizePool(10000, b200, { sessionState: false });
        expect(p.capped).toBe(true);
        expect(p.sizing.defaultPoolSize + p.sizing.reservePoolSize).toBe(177);
        expect(p.sizing.maxClientConn).toBe(15000);
        expect(p.notes[0]).toMatch(/capped by max_connections 200/);
    });

    test("session mode: one server connection per client, and a warning when that cannot fit", () => {
        const fits = sizePool(100, b200, { sessionState: true });
        expect(fits.sizing).toMatchObject({ poolMode: "session", defaultPoolSize: 100, reservePoolSize: 25 });
        const over = sizePool(800, b200, { sessionState: true });
        expect(over.capped).toBe(true);
        expect(over.notes[0]).toMatch(/session pooling cannot multiplex/);
    });

    test("a pool over replicas has the budget of every replica", () => {
        const p = sizePool(8000, b200, { sessionState: false, nodes: 4, label: "read-pool" });
        expect(p.capped).toBe(false);
        expect(p.sizing.defaultPoolSize).toBe(400);
        expect(p.decisions[1].why).toContain("708 (4 nodes x");
    });

    test("wantedServerConnections", () => {
        expect(wantedServerConnections(1200, false)).toEqual({ pool: 60, reserve: 15 });
        expect(wantedServerConnections(30, true)).toEqual({ pool: 30, reserve: 8 });
    });
});
