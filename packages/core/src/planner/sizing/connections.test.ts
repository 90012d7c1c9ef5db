import { connectionBudget, describeBudget, plannedMaxConnections } from "./connections";

describe("connection budget", () => {
    test("max_connections minus superuser-reserved minus 10% (at least 5) for people and tools", () => {
        expect(connectionBudget(200)).toEqual({ maxConnections: 200, reserved: 3, headroom: 20, budget: 177 });
        expect(connectionBudget(40)).toEqual({ maxConnections: 40, reserved: 3, headroom: 5, budget: 32 });
        expect(describeBudget(connectionBudget(200))).toBe("177 (max_connections 200 - 3 superuser-reserved - 20 kept for admin, monitoring and migrations)");
    });

    test("planned max_connections: 200 unless the pool needs more, in steps of 50, capped at 500", () => {
        expect(plannedMaxConnections(75)).toBe(200);
        expect(plannedMaxConnections(177)).toBe(200);
        expect(plannedMaxConnections(178)).toBe(250);
        expect(plannedMaxConnections(5000)).toBe(500);
        expect(plannedMaxConnections(5000, 120)).toBe(120);
    });
});
