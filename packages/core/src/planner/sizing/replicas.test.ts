import { sizeReplicas } from "./replicas";

const rw = (read: number, write: number) => ({ read, write, readShare: read / (read + write), text: `${read}:${write}` });
const opts = { haFloor: 1, budget: false, why: "test floor" };

describe("sizeReplicas", () => {
    test.each([
        [50, 50, 1],
        [70, 30, 3],
        [80, 20, 4],
        [60, 40, 2],
    ])("%i:%i -> %i replicas (ceil(read / write))", (r, w, n) => {
        expect(sizeReplicas(rw(r, w), opts).replicas).toBe(n);
    });

    test("very read-heavy traffic is capped and pointed at caching", () => {
        const p = sizeReplicas(rw(95, 5), opts);
        expect(p.replicas).toBe(4);
        expect(p.notes[0]).toMatch(/cache/);
        expect(sizeReplicas(rw(100, 0), opts).replicas).toBe(4);
    });

    test("the HA floor wins over a write-heavy mix", () => {
        const p = sizeReplicas(rw(10, 90), { ...opts, haFloor: 2 });
        expect(p.replicas).toBe(2);
        expect(p.decisions[0].why).toContain("raised to 2: test floor");
        expect(sizeReplicas(rw(0, 100), opts).replicas).toBe(1);
    });

    test("budget caps at 2", () => {
        expect(sizeReplicas(rw(80, 20), { ...opts, budget: true }).replicas).toBe(2);
        expect(sizeReplicas(rw(50, 50), { ...opts, budget: true }).replicas).toBe(1);
    });
});
