import { REINITIALIZE_AFTER_MS, RejoinWatch, followsLeader, reportsReplicationState } from "./rejoin-policy";

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

describe("followsLeader", () => {
    const view = (pg1: Partial<{ state: string; timeline: number }>, leaderName = "pg-0") => [
        { name: "pg-0", role: leaderName === "pg-0" ? "leader" : "replica", state: "running", timeline: 23 },
        { name: "pg-1", role: leaderName === "pg-1" ? "leader" : "replica", state: "running", timeline: 23, ...pg1 },
        { name: "pg-2", role: "sync_standby", state: "streaming", timeline: 23 },
    ];
    const own = { state: "running", role: "replica", timeline: 23, replicationState: "streaming", patroniVersion: "4.0.7" };

    it("holds once every view has the member on the leader's timeline and it streams by its own account", () => {
        expect(followsLeader("pg-1", [view({}), view({ state: "streaming" }), view({})], own)).toBe(true);
    });

    it("does not hold while one view still has the member starting, or on an older timeline", () => {
        expect(followsLeader("pg-1", [view({}), view({ state: "starting", timeline: undefined }), view({})], own)).toBe(false);
        expect(followsLeader("pg-1", [view({}), view({ timeline: 22 }), view({})], own)).toBe(false);
        expect(followsLeader("pg-1", [view({})], undefined)).toBe(false);
        expect(followsLeader("pg-1", [], own)).toBe(false);
    });

    it("does not hold while the DCS says running but the member itself does not stream yet (pg_rewind may still come)", () => {
        expect(followsLeader("pg-1", [view({}), view({})], { ...own, replicationState: undefined })).toBe(false);
        expect(followsLeader("pg-1", [view({}), view({})], { ...own, state: "starting" })).toBe(false);
        expect(followsLeader("pg-1", [view({}), view({})], { ...own, timeline: 22 })).toBe(false);
    });

    it("takes running on the leader's timeline from a Patroni older than 3.0.4, which reports no WAL receiver", () => {
        expect(followsLeader("pg-1", [view({}), view({})], { ...own, replicationState: undefined, patroniVersion: "3.0.2" })).toBe(true);
    });

    it("holds for the leader itself, and not while the views disagree on who leads", () => {
        expect(followsLeader("pg-1", [view({}, "pg-1"), view({}, "pg-1")], { ...own, role: "primary", replicationState: undefined })).toBe(true);
        expect(followsLeader("pg-1", [view({}, "pg-1"), view({})], own)).toBe(false);
    });
});

describe("reportsReplicationState", () => {
    it("is true from Patroni 3.0.4 on", () => {
        expect(["3.0.4", "3.1.0", "3.3.1", "4.0.7", "10.0.0"].map(reportsReplicationState)).toEqual([true, true, true, true, true]);
        expect(["3.0.2", "3.0.3", "2.1.4", "", undefined, "dev"].map(reportsReplicationState)).toEqual([false, false, false, false, false, false]);
    });
});
