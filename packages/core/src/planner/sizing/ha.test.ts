import { readConstraints } from "../constraints";
import { planHa } from "./ha";

describe("planHa", () => {
    test("the playbook's timings by default", () => {
        expect(planHa(readConstraints([])).patroni).toEqual({ ttl: 30, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576, usePgRewind: true, synchronousMode: false });
        expect(planHa(readConstraints([])).etcdMembers).toBe(3);
    });

    test("no-downtime: faster detection within Patroni's rule loop_wait + 2 * retry_timeout <= ttl", () => {
        const p = planHa(readConstraints(["no-downtime"])).patroni;
        expect([p.ttl, p.loopWait, p.retryTimeout]).toEqual([20, 5, 5]);
        expect(p.loopWait + 2 * p.retryTimeout).toBeLessThanOrEqual(p.ttl);
    });

    test("zero-data-loss: synchronous mode", () => {
        const h = planHa(readConstraints(["zero-data-loss"]));
        expect(h.patroni.synchronousMode).toBe(true);
        expect(h.decisions.find((d) => d.topic === "synchronous_mode")!.choice).toBe("true");
    });
});
