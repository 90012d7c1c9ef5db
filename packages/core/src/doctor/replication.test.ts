import { DoctorFacts, PatroniFacts, ReplicaStat, ReplicationFacts } from "./facts";
import { checkReplication, checkStreaming, expectedReplicas } from "./replication";
import { DEFAULT_THRESHOLDS as t } from "./thresholds";

const streaming = (name: string): ReplicaStat => ({
    name, clientAddr: null, state: "streaming", syncState: "async", unsentBytes: 0, unflushedBytes: 0, unreplayedBytes: 0,
    totalLagBytes: 0, writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null,
});
const hidden = (name: string): ReplicaStat => ({ ...streaming(name), state: null, syncState: null, unsentBytes: null, unflushedBytes: null, unreplayedBytes: null, totalLagBytes: null });
const urls = (n: number, down: number[] = []) => Array.from({ length: n }, (_, i) => ({ url: `http://127.0.0.1:${8000 + i}`, reachable: !down.includes(i) }));

describe("replication checks", () => {
    test("expected replicas: Patroni members, REST URLs given, or replication slots, whichever says more", () => {
        const rep: ReplicationFacts = { replicas: [], slots: [] };
        expect(expectedReplicas(rep, undefined)).toBe(0);
        expect(expectedReplicas({ ...rep, slots: [{ name: "a", active: false, retainedBytes: 0 }] }, undefined)).toBe(1);
        const twoMembers: PatroniFacts = { endpoints: urls(3, [2]), members: [{ name: "pg-0", role: "leader", state: "running" }, { name: "pg-1", role: "replica", state: "running" }] };
        expect(expectedReplicas(rep, twoMembers)).toBe(2); // a stopped member left the DCS; its URL still counts
    });

    test("a stopped replica: one of two streaming, named, with the WAL sender fix", () => {
        const patroni: PatroniFacts = {
            endpoints: urls(3, [1]),
            members: [{ name: "pg-0", role: "leader", state: "running" }, { name: "pg-1", role: "replica", state: "stopped" }, { name: "pg-2", role: "replica", state: "running" }],
        };
        const rep: ReplicationFacts = { replicas: [streaming("pg-2")], slots: [{ name: "pg_1", active: false, retainedBytes: 4096 }, { name: "pg_2", active: true, retainedBytes: 0 }] };
        const f = checkStreaming(rep, true, patroni);
        expect(f).toMatchObject({ severity: "warning", check: "replication.replicas" });
        expect(f.detail).toBe("1 of 2 expected replicas streaming; not streaming: pg-1, the node behind http://127.0.0.1:8001");
        expect(f.fix).toMatch(/Verify the WAL sender is active/);
    });

    test("no replica streaming when some are expected is critical: no failover target", () => {
        const rep: ReplicationFacts = { replicas: [], slots: [{ name: "pg_1", active: false, retainedBytes: 1024 }] };
        const f = checkStreaming(rep, true, undefined);
        expect(f).toMatchObject({ severity: "critical", detail: "0 of 1 expected replicas streaming; not streaming: slot pg_1" });
    });

    test("a connected replica still catching up counts as expected but not streaming", () => {
        const f = checkStreaming({ replicas: [streaming("pg-1"), { ...streaming("pg-2"), state: "catchup" }], slots: [] }, true, undefined);
        expect(f).toMatchObject({ severity: "warning", detail: "1 of 2 expected replicas streaming" });
    });

    test("a standalone server with no replicas expected is fine", () => {
        expect(checkStreaming({ replicas: [], slots: [] }, true, undefined)).toMatchObject({ severity: "ok", detail: expect.stringMatching(/none expected/) });
    });

    const facts = (privileged: boolean, inRecovery = false): DoctorFacts => ({
        primary: { ok: true, value: { serverVersion: "15.8", role: privileged ? "postgres" : "app", privileged, inRecovery } },
        replication: { ok: true, value: { replicas: privileged ? [streaming("pg-1"), streaming("pg-2")] : [hidden("pg-1"), hidden("pg-2")], slots: [] } },
    });

    test("without the privilege: a finding that says so, rows counted, no lag guessed", () => {
        const findings = checkReplication(facts(false), t);
        expect(findings.map((f) => [f.check, f.severity])).toEqual([["replication.privilege", "warning"], ["replication.replicas", "ok"]]);
        expect(findings[0].detail).toMatch(/role app lacks the privilege/);
        expect(findings[0].fix).toMatch(/GRANT pg_monitor/);
        expect(findings[1].detail).toMatch(/^2 of 2 expected replicas connected \(state hidden\)/);
    });

    test("with the privilege: one lag finding per replica", () => {
        expect(checkReplication(facts(true), t).map((f) => f.check)).toEqual(["replication.replicas", "replication.lag", "replication.lag"]);
    });

    test("a primary URI that reaches a replica is critical", () => {
        expect(checkReplication(facts(true, true), t)).toEqual([expect.objectContaining({ check: "replication.role", severity: "critical" })]);
    });

    test("inactive slots: WAL retained on the primary", () => {
        const f = checkReplication({ ...facts(true), replication: { ok: true, value: { replicas: [streaming("pg-1")], slots: [{ name: "old", active: false, retainedBytes: 3 * 1024 ** 3 }] } } }, t);
        expect(f.find((x) => x.check === "replication.slot")).toMatchObject({ severity: "warning", detail: "replication slot old is inactive and retains 3.0 GiB of WAL on the primary" });
    });
});
