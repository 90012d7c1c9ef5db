import { PatroniFacts, PatroniMember } from "./facts";
import { Finding, ok, problem } from "./finding";
import { isLeaderRole } from "../rolling/plan";

const AREA = "replication";
const HEALTHY_STATES = new Set(["running", "streaming"]);

export function isLeader(m: PatroniMember): boolean {
    return isLeaderRole(m.role);
}

/** Patroni's view: every REST endpoint answers, there is a leader, every member runs. */
export function checkPatroni(p: PatroniFacts): Finding[] {
    const findings: Finding[] = [];
    for (const e of p.endpoints.filter((e) => !e.reachable)) {
        findings.push(problem("warning", AREA, "patroni.endpoint", `Patroni REST API at ${e.url} does not answer (${e.error ?? "no response"}): the node or its Patroni is down`,
            "Check the node's container (docker ps -a) and Patroni's log; a stopped replica stops streaming and leaves the cluster after ttl."));
    }
    if (!p.members) {
        findings.push(problem("critical", AREA, "patroni.leader", "no Patroni REST endpoint answered, so the cluster state is unknown",
            "Check that the Patroni nodes and the DCS (etcd) are up; pass every member's REST URL with --patroni-url."));
        return findings;
    }
    const leaders = p.members.filter(isLeader);
    if (leaders.length === 0) {
        findings.push(problem("critical", AREA, "patroni.leader", `no leader among ${p.members.length} members: writes are refused`,
            "A failover is in progress or no member is eligible: check the DCS (etcd), members' lag against maximum_lag_on_failover, and nofailover tags."));
    } else {
        findings.push(ok(AREA, "patroni.leader", `leader ${leaders.map((l) => l.name).join(", ")} on timeline ${leaders[0].timeline ?? "?"}, ${p.members.length} members`));
    }
    for (const m of p.members.filter((m) => !HEALTHY_STATES.has(m.state))) {
        findings.push(problem("warning", AREA, "patroni.member", `member ${m.name} (${m.role}) is ${m.state}`,
            "Check the member's container and Patroni log; pgscale status shows the members as Patroni sees them."));
    }
    return findings;
}
