import { REINITIALIZE_AFTER_MS, RejoinWatch } from "./rejoin-policy";

const leader = { name: "pg-0", role: "leader", state: "running", timeline: 23 };
const member = (m: Partial<{ state: string; timeline: number }>) => ({ name: "pg-1", role: "replica", state: "running", ...m });

describe("RejoinWatch", () => {
    it("rebuilds a member only after it ran on an older timeline than the leader's for the whole delay", () => {
        const w = new RejoinWatch();
        expect(w.reinitializeDue(member({ timeline: 22 }), leader, 1_000)).toBe(false);
        expect(w.reinitializeDue(member({ timeline: 22 }), leader, 1_000 + REINITIALIZE_AFTER_MS - 1)).toBe(false);
        expect(w.reinitializeDue(member({ timeline: 22 }), leader, 1_000 + REINITIALIZE_AFTER_MS)).toBe(true);
    });

    it("never rebuilds a member that reports no timeline: Patroni is still bringing it back", () => {
        const w = new RejoinWatch();
        for (let t = 0; t <= 10 * REINITIALIZE_AFTER_MS; t += 1_000) expect(w.reinitializeDue(member({}), leader, t)).toBe(false);
    });

    it("starts the delay again when the member stops running or its timeline is unknown in between", () => {
        const w = new RejoinWatch();
        expect(w.reinitializeDue(member({ timeline: 22 }), leader, 0)).toBe(false);
        expect(w.reinitializeDue(member({ state: "stopped", timeline: 22 }), leader, REINITIALIZE_AFTER_MS / 2)).toBe(false);
        expect(w.reinitializeDue(member({ timeline: 22 }), leader, REINITIALIZE_AFTER_MS)).toBe(false);
        expect(w.reinitializeDue(member({}), leader, REINITIALIZE_AFTER_MS + 1)).toBe(false);
        expect(w.reinitializeDue(member({ timeline: 22 }), leader, REINITIALIZE_AFTER_MS + 2)).toBe(false);
        expect(w.reinitializeDue(member({ timeline: 22 }), leader, 2 * REINITIALIZE_AFTER_MS + 2)).toBe(true);
    });

    it("does not rebuild a member on the leader's timeline", () => {
        const w = new RejoinWatch();
        expect(w.reinitializeDue(member({ timeline: 23 }), leader, 0)).toBe(false);
        expect(w.reinitializeDue(member({ timeline: 23 }), leader, 10 * REINITIALIZE_AFTER_MS)).toBe(false);
    });
});
