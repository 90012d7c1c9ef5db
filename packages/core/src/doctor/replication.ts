import { DoctorFacts, PatroniFacts, ReplicationFacts } from "./facts";
import { Finding, formatBytes, notGathered, ok, problem } from "./finding";
import { checkArchive } from "./archive";
import { checkReplicaLag, checkReplicaSide } from "./lag";
import { checkPatroni, isLeader } from "./patroni";
import { DoctorThresholds } from "./thresholds";

const AREA = "replication";

const PRIVILEGE_FIX =
    "Run doctor with a superuser URI, or GRANT pg_monitor TO the role (pg_read_all_stats is the part that shows replication details).";

/**
 * How many replicas should be streaming: Patroni's members (or the REST URLs given, when a
 * stopped member has already left the DCS) less the leader, the slots that wait for one, or
 * the WAL senders connected now, whichever says more.
 */
export function expectedReplicas(rep: ReplicationFacts, patroni: PatroniFacts | undefined): number {
    const fromPatroni = patroni ? Math.max(patroni.members?.length ?? 0, patroni.endpoints.length) - 1 : 0;
    return Math.max(fromPatroni, rep.slots.length, rep.replicas.length, 0);
}

function missingMembers(rep: ReplicationFacts, patroni: PatroniFacts | undefined): string[] {
    const streaming = new Set(rep.replicas.filter((r) => r.state === "streaming").map((r) => r.name));
    const members = (patroni?.members ?? []).filter((m) => !isLeader(m) && !streaming.has(m.name)).map((m) => m.name);
    const unreachable = (patroni?.endpoints ?? []).filter((e) => !e.reachable).map((e) => `the node behind ${e.url}`);
    // Patroni names a member's slot after it, with anything but [a-z0-9_] as "_".
    const named = new Set(members.map((m) => m.toLowerCase().replace(/[^a-z0-9_]/g, "_")));
    const slots = rep.slots.filter((s) => !s.active && !named.has(s.name)).map((s) => `slot ${s.name}`);
    return [...members, ...unreachable, ...slots];
}

/** Is every expected replica connected and streaming? */
export function checkStreaming(rep: ReplicationFacts, privileged: boolean, patroni: PatroniFacts | undefined): Finding {
    const expected = expectedReplicas(rep, patroni);
    // Without privilege every row's state is hidden: a connected WAL sender is all we can count.
    const streaming = privileged ? rep.replicas.filter((r) => r.state === "streaming").length : rep.replicas.length;
    const verb = privileged ? "streaming" : "connected (state hidden)";
    if (streaming >= expected) {
        return ok(AREA, "replication.replicas", expected === 0 && streaming === 0
            ? "no replicas, and none expected (no Patroni members or replication slots wait for one)"
            : `${streaming} of ${expected} expected replicas ${verb}${rep.replicas.length ? `: ${rep.replicas.map((r) => r.name).join(", ")}` : ""}`);
    }
    const missing = missingMembers(rep, patroni);
    const detail = `${streaming} of ${expected} expected replicas ${verb}` + (missing.length ? `; not streaming: ${missing.join(", ")}` : "");
    const fix =
        "Verify the WAL sender is active for every replica: on each missing node check the container (docker ps -a), " +
        "its Patroni state (pgscale status) and log, and that it reaches the primary; an inactive slot keeps WAL on the primary until the replica returns.";
    // No replica left means no failover target: HA is gone, not just degraded.
    return problem(streaming === 0 ? "critical" : "warning", AREA, "replication.replicas", detail, fix);
}

export function checkSlots(rep: ReplicationFacts): Finding[] {
    return rep.slots.filter((s) => !s.active).map((s) =>
        problem("warning", AREA, "replication.slot",
            `replication slot ${s.name} is inactive and retains ${s.retainedBytes === null ? "?" : formatBytes(s.retainedBytes)} of WAL on the primary`,
            "Bring its replica back (the WAL is kept for it), or drop the slot (pg_drop_replication_slot) if the replica is gone for good, before the primary's disk fills."));
}

export function checkReplication(facts: DoctorFacts, t: DoctorThresholds): Finding[] {
    const findings: Finding[] = [];
    const primary = facts.primary.ok ? facts.primary.value : undefined;
    if (primary?.inRecovery) {
        findings.push(problem("critical", AREA, "replication.role", "--primary-uri reached a node in recovery (a replica): writes through it fail",
            "Point --primary-uri at the primary (HAProxy's read-write listener routes by Patroni's /primary check); if it is that listener, HAProxy is routing to a replica: check its health checks."));
    }
    if (facts.replication && !primary?.inRecovery) {
        if (!facts.replication.ok) {
            findings.push(notGathered(AREA, "replication.replicas", "could not read pg_stat_replication", facts.replication));
        } else {
            const rep = facts.replication.value;
            const privileged = primary?.privileged ?? false;
            if (!privileged) {
                findings.push(problem("warning", AREA, "replication.privilege",
                    `role ${primary?.role ?? "?"} lacks the privilege to see replication details: pg_stat_replication shows its ${rep.replicas.length} row(s) without state or LSNs, so lag per replica is unknown`,
                    PRIVILEGE_FIX));
            }
            findings.push(checkStreaming(rep, privileged, facts.patroni));
            if (privileged) for (const r of rep.replicas) findings.push(checkReplicaLag(r, t));
            findings.push(...checkSlots(rep));
            if (rep.archive) findings.push(checkArchive(rep.archive, t));
        }
    }
    if (facts.replica) {
        findings.push(facts.replica.ok
            ? checkReplicaSide(facts.replica.value, t)
            : notGathered(AREA, "replication.replica_side", "could not read the replica's replay position", facts.replica));
    }
    if (facts.patroni) findings.push(...checkPatroni(facts.patroni));
    return findings;
}
