import {
    ClusterView, changedMembers, clusterReady, clusterSettled, configApplied, gateStep, leaderToWake, MemberStatus, memberDeparted, PATRONI_WAKE_PATCH, nextPlan, patroniSlotName, pendingRestarts, planRollout, predecessor, switchoverCandidate,
} from "./plan";

const members = ["pg-0", "pg-1", "pg-2"];
const rev = (r0: string, r1: string, r2: string) => ({ "pg-0": r0, "pg-1": r1, "pg-2": r2 });

/** A healthy 3-member view with `leader` leading and every replica streaming with no lag. */
function view(leader: string, patch: Partial<Record<string, object>> = {}, names = members): ClusterView {
    return {
        members: names.map((name) => ({
            name, role: name === leader ? "leader" : "replica", state: name === leader ? "running" : "streaming", lag: name === leader ? undefined : 0,
            ...(patch[name] ?? {}),
        })),
        streaming: names.filter((n) => n !== leader),
    };
}

describe("changedMembers", () => {
    it("lists existing members whose fingerprint changed, not new or removed ones", () => {
        const olds = { members: ["pg-0", "pg-1", "pg-2"], revisions: rev("a", "a", "a") };
        expect(changedMembers(olds, { members: ["pg-0", "pg-1", "pg-2", "pg-3"], revisions: { ...rev("a", "b", "a"), "pg-3": "x" } })).toEqual(["pg-1"]);
        expect(changedMembers(olds, { members: ["pg-0", "pg-1"], revisions: { "pg-0": "a", "pg-1": "a" } })).toEqual([]);
    });
    it("counts an unknown fingerprint (preview) as a change, and nothing on the first run", () => {
        const olds = { members, revisions: rev("a", "a", "a") };
        expect(changedMembers(olds, { members, revisions: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).toEqual(members);
        expect(changedMembers(olds, { members, revisions: { "pg-0": "a", "pg-1": "a" } })).toEqual(["pg-2"]);
        expect(changedMembers(undefined, { members, revisions: rev("a", "a", "a") })).toEqual([]);
    });
});

describe("planRollout", () => {
    it("replaces replicas first in declared order and the leader last", () => {
        const plan = planRollout(members, members, "pg-0");
        expect(plan.order).toEqual(["pg-1", "pg-2", "pg-0"]);
        expect(plan.replace).toEqual(["pg-1", "pg-2", "pg-0"]);
        expect(plan.leader).toBe("pg-0");
        expect(plan.steps).toEqual([
            "replace pg-1 (replica), then wait until it streams",
            "replace pg-2 (replica), then wait until it streams",
            "switch over from pg-0 to a replaced replica",
            "replace pg-0 (old primary), then wait until it streams",
        ]);
    });
    it("puts untouched members first and needs no switchover when the leader stays", () => {
        const plan = planRollout(members, ["pg-2"], "pg-1");
        expect(plan.order).toEqual(["pg-0", "pg-1", "pg-2"]);
        expect(plan.replace).toEqual(["pg-2"]);
        expect(plan.steps.some((s) => s.startsWith("switch over"))).toBe(false);
    });
    it("keeps the declared order when the leader is unknown, and says so", () => {
        const plan = planRollout(members, members, null);
        expect(plan.order).toEqual(members);
        expect(plan.steps[plan.steps.length - 1]).toMatch(/leader unknown/);
    });
    it("has no steps and no leader when nothing is replaced", () => {
        expect(planRollout(members, [], "pg-0")).toEqual({ order: members, replace: [], leader: null, steps: [] });
    });
});

describe("nextPlan", () => {
    const rolled = planRollout(members, members, "pg-0");
    const olds = { members, revisions: rev("b", "b", "b"), plan: rolled };
    it("keeps the stored order when nothing changes (a no-op up shows no diff), without asking for the leader", () => {
        const leader = jest.fn(() => "pg-1");
        expect(nextPlan(olds, { members, revisions: rev("b", "b", "b") }, leader)).toEqual({ ...rolled, replace: [], leader: null, steps: [] });
        expect(leader).not.toHaveBeenCalled();
    });
    it("asks for the leader only when a member is replaced", () => {
        expect(nextPlan(olds, { members, revisions: rev("c", "c", "c") }, () => "pg-2").order).toEqual(["pg-0", "pg-1", "pg-2"]);
        expect(nextPlan(olds, { members, revisions: rev("c", "c", "c") }, () => "pg-1").order).toEqual(["pg-0", "pg-2", "pg-1"]);
    });
    it("falls back to the declared order when members are added or removed", () => {
        expect(nextPlan(olds, { members: ["pg-0", "pg-1"], revisions: { "pg-0": "b", "pg-1": "b" } }, () => "pg-0").order).toEqual(["pg-0", "pg-1"]);
        expect(nextPlan(undefined, { members, revisions: rev("a", "a", "a") }, () => null).order).toEqual(members);
    });
});

describe("predecessor", () => {
    it("is the member before, or none for the first", () => {
        expect(predecessor(["pg-1", "pg-2", "pg-0"], "pg-0")).toBe("pg-2");
        expect(predecessor(["pg-1", "pg-2", "pg-0"], "pg-1")).toBeUndefined();
        expect(predecessor(["pg-1"], "pg-9")).toBeUndefined();
    });
});

describe("clusterSettled", () => {
    it("accepts a leader with every replica streaming within the lag bound", () => {
        expect(clusterSettled(view("pg-0"), members)).toEqual({ ok: true, reason: "settled" });
    });
    it("rejects a missing, stopped, lagging or non-streaming replica, naming it", () => {
        expect(clusterSettled(view("pg-0", {}, ["pg-0", "pg-1"]), members).reason).toBe("pg-2 is not in the cluster");
        expect(clusterSettled(view("pg-0", { "pg-1": { state: "starting" } }), members).reason).toBe("pg-1 is starting");
        expect(clusterSettled(view("pg-0", { "pg-2": { lag: 64 * 1024 * 1024 } }), members).reason).toMatch(/pg-2 lags/);
        expect(clusterSettled(view("pg-0", { "pg-2": { lag: "unknown" } }), members).reason).toBe("pg-2 lags unknown");
        expect(clusterSettled({ ...view("pg-0"), streaming: ["pg-1"] }, members).reason).toBe("pg-2 does not stream from pg-0");
    });
    it("rejects no leader or two leaders", () => {
        expect(clusterSettled(view("none"), members).reason).toBe("0 leaders");
        expect(clusterSettled(view("pg-0", { "pg-1": { role: "leader" } }), members).reason).toBe("2 leaders");
    });
    it("ignores the member being replaced", () => {
        expect(clusterSettled(view("pg-0", {}, ["pg-0", "pg-1"]), members, "pg-2").ok).toBe(true);
    });
});

describe("switchoverCandidate", () => {
    it("prefers members already replaced, then the least lag", () => {
        const v = view("pg-0", { "pg-1": { lag: 100 }, "pg-2": { lag: 0 } });
        expect(switchoverCandidate(v, ["pg-0"])).toBe("pg-2");
        expect(switchoverCandidate(v, ["pg-0"], ["pg-1"])).toBe("pg-1");
    });
    it("skips nofailover, leaving, stopped and non-streaming members", () => {
        expect(switchoverCandidate(view("pg-0", { "pg-1": { tags: { nofailover: true } } }), ["pg-0"])).toBe("pg-2");
        expect(switchoverCandidate(view("pg-0", { "pg-1": { state: "stopped" } }), ["pg-0", "pg-2"])).toBeUndefined();
        expect(switchoverCandidate({ ...view("pg-0"), streaming: ["pg-2"] }, ["pg-0"])).toBe("pg-2");
    });
});

describe("gateStep", () => {
    it("waits while the previous replacement does not stream yet", () => {
        expect(gateStep(view("pg-0", { "pg-1": { state: "starting" } }), "pg-2", members)).toEqual({ kind: "wait", reason: "pg-1 is starting" });
    });
    it("lets a replica's replacement go ahead", () => {
        expect(gateStep(view("pg-0"), "pg-2", members)).toEqual({ kind: "proceed" });
    });
    it("switches over away from the leader to a replaced replica first", () => {
        expect(gateStep(view("pg-0"), "pg-0", members, ["pg-2"])).toEqual({ kind: "switchover", from: "pg-0", to: "pg-2" });
    });
    it("proceeds with the old leader once it no longer leads, whatever its own state", () => {
        expect(gateStep(view("pg-1", { "pg-0": { state: "stopped", lag: "unknown" } }), "pg-0", members)).toEqual({ kind: "proceed" });
    });
    it("waits when the leader has nobody to hand over to", () => {
        const v = view("pg-0", { "pg-1": { tags: { nofailover: true } }, "pg-2": { tags: { nofailover: true } } });
        expect(gateStep(v, "pg-0", members)).toEqual({ kind: "wait", reason: "pg-0 leads and no replica can take over" });
    });
});

describe("departure", () => {
    it("maps member names to Patroni's slot names", () => {
        expect(patroniSlotName("pg-2")).toBe("pg_2");
        expect(patroniSlotName("Db.Node-1")).toBe("db_node_1");
        expect(patroniSlotName("a+b")).toBe("au0043b");
    });
    it("is done once Patroni no longer lists the member and the leader dropped its slot", () => {
        expect(memberDeparted(view("pg-0"), "pg-2", ["pg_1", "pg_2"]).done).toBe(false);
        const two = view("pg-0", {}, ["pg-0", "pg-1"]);
        expect(memberDeparted(two, "pg-2", ["pg_1", "pg_2"])).toEqual({ done: false, reason: "the leader still has slot pg_2" });
        expect(memberDeparted(two, "pg-2", undefined).done).toBe(false);
        expect(memberDeparted(two, "pg-2", ["pg_1"])).toEqual({ done: true, reason: "departed" });
    });
});

describe("clusterReady", () => {
    const replica = (name: string, state = "running") => ({ name, patroni: { state, role: "replica" } });
    const leader = (streaming: string[], role = "master") => ({
        name: "pg-0", patroni: { state: "running", role, replication: streaming.map((n) => ({ application_name: n, state: "streaming" })) },
    });
    it("is ready when one leader runs and every other member streams from it (Patroni 3.0 'master' or later 'primary')", () => {
        expect(clusterReady([leader(["pg-1", "pg-2"]), replica("pg-1"), replica("pg-2")]).ok).toBe(true);
        expect(clusterReady([leader(["pg-1"], "primary"), replica("pg-1")]).ok).toBe(true);
        expect(clusterReady([leader([])]).ok).toBe(true);
    });
    it("names what it still waits for", () => {
        expect(clusterReady([leader(["pg-1"]), replica("pg-1"), replica("pg-2")])).toEqual({ ok: false, reason: "pg-2 not streaming from pg-0" });
        expect(clusterReady([leader(["pg-1"]), replica("pg-1", "starting")])).toEqual({ ok: false, reason: "pg-1 is starting" });
        expect(clusterReady([leader(["pg-1"]), { name: "pg-1" }])).toEqual({ ok: false, reason: "no answer from pg-1" });
        expect(clusterReady([replica("pg-0"), replica("pg-1")])).toEqual({ ok: false, reason: "0 leaders" });
        expect(clusterReady([leader([]), { ...leader([]), name: "pg-1" }])).toEqual({ ok: false, reason: "2 leaders" });
    });
    it("in synchronous mode waits until Patroni names a synchronous standby in /sync, not only until one streams", () => {
        const streaming = [leader(["pg-1", "pg-2"], "primary"), replica("pg-1"), replica("pg-2")];
        expect(clusterReady(streaming, true)).toEqual({ ok: false, reason: "pg-0 has no synchronous standby in /sync yet, so no replica could take over without loss" });
        expect(clusterReady(streaming, "quorum").ok).toBe(false);
        const named = (flag: "sync_standby" | "quorum_standby") =>
            [streaming[0], { name: "pg-1", patroni: { ...streaming[1].patroni, [flag]: true } }, streaming[2]];
        expect(clusterReady(named("sync_standby"), true).ok).toBe(true);
        expect(clusterReady(named("quorum_standby"), "quorum").ok).toBe(true);
        // Off, or a single node with nobody to name: as before.
        expect(clusterReady(streaming, false).ok).toBe(true);
        expect(clusterReady([leader([], "primary")], true).ok).toBe(true);
    });
});

describe("configApplied", () => {
    test("two changes of dcs_last_seen after the PATCH: the cycle that loaded the document has finished", () => {
        expect(configApplied([100, 100, 101, 101, 102])).toEqual({ done: true, reason: "applied" });
    });

    test("one change is a load that saw the document, but its reload may still run", () => {
        expect(configApplied([100, 101, 101])).toEqual({ done: false, reason: "has run 1 of 2 HA cycles since the change" });
    });

    test("a member that did not answer or reports no dcs_last_seen is not applied, and says which", () => {
        expect(configApplied([])).toMatchObject({ done: false, reason: "has not answered" });
        expect(configApplied([undefined, 100, undefined, 101, 102])).toMatchObject({ done: true });
        expect(configApplied([undefined, undefined])).toMatchObject({ done: false, reason: expect.stringMatching(/no dcs_last_seen/) });
    });
});

describe("pendingRestarts", () => {
    test("replicas first, the leader last; members not pending are left alone", () => {
        expect(pendingRestarts([
            { name: "pg-0", patroni: { role: "master", pending_restart: true } },
            { name: "pg-1", patroni: { role: "replica" } },
            { name: "pg-2", patroni: { role: "replica", pending_restart: true } },
            { name: "pg-3" },
        ])).toEqual(["pg-2", "pg-0"]);
    });
});

describe("leaderToWake", () => {
    const member = (name: string, role: string, state = "running"): MemberStatus => ({ name, patroni: { role, state } });

    it("names the one running leader, whatever the replicas do (still cloned, not answering)", () => {
        expect(leaderToWake([member("a", "replica"), member("b", "primary"), member("c", "replica")])).toBe("b");
        expect(leaderToWake([member("a", "replica", "creating replica"), { name: "c" }, member("b", "master")])).toBe("b");
    });

    it("wakes no one without exactly one running leader", () => {
        expect(leaderToWake([member("a", "replica"), member("b", "primary", "starting")])).toBeUndefined();
        expect(leaderToWake([member("a", "replica"), member("b", "replica")])).toBeUndefined();
        expect(leaderToWake([member("a", "primary"), member("b", "primary")])).toBeUndefined();
    });

    it("is a patch that changes nothing: a null for a key Patroni's document never has", () => {
        expect(PATRONI_WAKE_PATCH).toEqual({ pgscale_wake: null });
    });
});
