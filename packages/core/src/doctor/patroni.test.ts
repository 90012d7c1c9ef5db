import { checkPatroni, isLeader } from "./patroni";

const members = [
    { name: "pg-0", role: "leader", state: "running", timeline: 2 },
    { name: "pg-1", role: "replica", state: "running", timeline: 2 },
    { name: "pg-2", role: "replica", state: "stopped" },
];

describe("Patroni checks", () => {
    test("leader roles across Patroni versions", () => {
        expect(["leader", "master", "standby_leader", "replica", "sync_standby"].map((role) => isLeader({ name: "x", role, state: "running" }))).toEqual([true, true, true, false, false]);
    });

    test("a stopped member and an unreachable endpoint are warnings", () => {
        const findings = checkPatroni({ endpoints: [{ url: "http://127.0.0.1:1", reachable: true }, { url: "http://127.0.0.1:3", reachable: false, error: "ECONNREFUSED" }], members });
        expect(findings.map((f) => [f.check, f.severity])).toEqual([["patroni.endpoint", "warning"], ["patroni.leader", "ok"], ["patroni.member", "warning"]]);
        expect(findings[1].detail).toBe("leader pg-0 on timeline 2, 3 members");
        expect(findings[2].detail).toBe("member pg-2 (replica) is stopped");
    });

    test("no leader, or no endpoint at all, is critical", () => {
        expect(checkPatroni({ endpoints: [{ url: "u", reachable: true }], members: members.slice(1) }).find((f) => f.check === "patroni.leader")!.severity).toBe("critical");
        expect(checkPatroni({ endpoints: [{ url: "u", reachable: false }], members: null }).map((f) => f.severity)).toEqual(["warning", "critical"]);
    });
});
