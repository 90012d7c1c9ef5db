import { localEtcdctl } from "./etcd-security";

// Restarting an etcd member under Patroni (after a CA rotation, etcd reads its peers' CA only when
// it starts) without Patroni seeing an error it does not retry.
//
// etcd 3.4's graceful stop (SIGTERM, what `docker restart` sends) answers a request still in flight
// on its JSON gateway with gRPC code 2, "OK: HTTP status code 200; transport: missing content-type
// field": its own gRPC server is gone under the gateway. Patroni's etcd3 client moves to another
// member only on connection errors and code 14 (Unavailable); any other code is final, and when it
// answers the leader's lease keep-alive, Patroni demotes the primary at once ("failed to update
// leader lock") and promotes it again on a new timeline, whatever its retry_timeout. A member
// killed (SIGKILL) instead closes its connections, which Patroni retries on another member; etcd's
// write-ahead log makes a kill safe. A killed leader hands nothing over, so a leader first gives its
// leadership to another member (`etcdctl move-leader`, run in the member with the etcdctl its own checks use), and
// the member that goes down is always a follower: no election, the quorum keeps its leader.

/** One exec in the member: its own status (`endpoint status`), a separator, and the members (`member list`), both `-w simple`. */
export function etcdRestartSurveyScript(tls: boolean): string {
    const e = localEtcdctl(tls);
    return `set -eu\n${e} endpoint status -w simple\necho ---\n${e} member list -w simple`;
}

/** `etcdctl move-leader` to the member whose hex id is given, run in the leader. */
export function etcdMoveLeaderCommand(tls: boolean, targetId: string): string {
    if (!/^[0-9a-f]{1,16}$/.test(targetId)) throw new Error(`not an etcd member id: ${JSON.stringify(targetId)}`);
    return `${localEtcdctl(tls)} move-leader ${targetId}`;
}

export interface EtcdHandOff {
    /** This member's id (hex), as etcd prints it. */
    self: string;
    /** Whether this member is etcd's leader now. */
    leader: boolean;
    /** With `leader`: the member to give the leadership to (hex id); else undefined. */
    target?: string;
}

/**
 * What a member must do before it goes down, from the output of `etcdRestartSurveyScript`: nothing
 * when it is a follower; when it is the leader, hand the leadership to the first of `prefer` (member
 * names, in order) that is another started voting member. The caller prefers members that have
 * already restarted, so that one restart of every member moves the leadership as few times as it can.
 */
export function etcdHandOff(survey: string, prefer: string[]): EtcdHandOff {
    const [statusPart, membersPart] = survey.split(/^---$/m);
    if (membersPart === undefined) throw new Error(`unexpected etcd survey (no member list): ${JSON.stringify(survey.slice(0, 200))}`);
    const fields = (line: string) => line.split(",").map((f) => f.trim());
    // endpoint, ID, version, DB size, is leader, is learner, raft term, raft index, applied index, errors
    const status = statusPart.split("\n").map((l) => l.trim()).filter(Boolean).map(fields)[0];
    if (!status || status.length < 6 || !/^[0-9a-f]+$/.test(status[1]) || !["true", "false"].includes(status[4])) {
        throw new Error(`unexpected etcd endpoint status: ${JSON.stringify(statusPart.trim().slice(0, 200))}`);
    }
    const self = status[1];
    if (status[4] !== "true") return { self, leader: false };
    // ID, status, name, peer URLs, client URLs, is learner
    const members = membersPart.split("\n").map((l) => l.trim()).filter(Boolean).map(fields)
        .filter((m) => m.length >= 6 && m[1] === "started" && m[5] === "false" && m[0] !== self)
        .map((m) => ({ id: m[0], name: m[2] }));
    const target = prefer.map((name) => members.find((m) => m.name === name)).find((m) => m !== undefined);
    if (!target) throw new Error(`etcd member ${self} is the leader and none of ${prefer.join(", ")} is another started member to hand the leadership to`);
    return { self, leader: true, target: target.id };
}

/**
 * The order in which member `index` of `members` (names, in the order their restarts run one after
 * another) prefers to hand its leadership over: the members before it, nearest first (already
 * restarted), then those after it, farthest first (restarted last).
 */
export function etcdHandOffPreference(members: string[], index: number): string[] {
    const before = members.slice(0, index).reverse();
    const after = members.slice(index + 1).reverse();
    return [...before, ...after];
}
