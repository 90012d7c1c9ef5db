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

/**
 * Hands etcd's leadership over before this member goes down, run in the member (bash, etcdctl
 * against itself): nothing when it is a follower ("follower <id>"); when it leads, `move-leader` to
 * the first of the member names given as arguments that is another started voting member ("moved
 * <id> <name>"), or exit 1 naming them when none is. With no names (a single member) it hands
 * nothing over. Docker runs it before killing a member it restarts; Kubernetes as each etcd pod's
 * preStop hook, before the kubelet's TERM (which the pod's command turns into a kill:
 * `etcdKilledOnTerm`). It uses no `$(...)`: the kubelet would expand one naming an env variable.
 */
export function etcdHandOffScript(tls: boolean): string {
    const e = localEtcdctl(tls);
    return [
        "set -eu",
        '[ "$#" -gt 0 ] || { echo "no other member"; exit 0; }',
        // endpoint, ID, version, DB size, is leader, is learner, raft term, raft index, applied index, errors
        `status=\`${e} endpoint status -w simple\``,
        `self=\`printf '%s\\n' "$status" | head -n 1 | cut -d, -f2 | tr -d ' '\``,
        `leader=\`printf '%s\\n' "$status" | head -n 1 | cut -d, -f5 | tr -d ' '\``,
        `case "$self" in ''|*[!0-9a-f]*) echo "unexpected etcd endpoint status: $status" >&2; exit 1;; esac`,
        `case "$leader" in true) ;; false) echo "follower $self"; exit 0;; *) echo "unexpected etcd endpoint status: $status" >&2; exit 1;; esac`,
        // ID, status, name, peer URLs, client URLs, is learner
        `members=\`${e} member list -w simple\``,
        'for name in "$@"; do',
        `  id=\`printf '%s\\n' "$members" | awk -F', ' -v n="$name" -v self="$self" '$2 == "started" && $3 == n && $6 == "false" && $1 != self { print $1 }'\``,
        `  if [ -n "$id" ]; then ${e} move-leader "$id" >/dev/null; echo "moved $self $name"; exit 0; fi`,
        "done",
        'echo "etcd member $self is the leader and none of $* is another started member to hand the leadership to" >&2',
        "exit 1",
    ].join("\n");
}

/**
 * A member's command that a TERM kills (Kubernetes): the kubelet stops a pod with TERM, and etcd's
 * graceful stop would answer Patroni's requests in flight with errors it does not retry (above).
 * A shell runs etcd and turns the TERM into a KILL; it exits with etcd's status otherwise. No
 * `$(...)`: the kubelet expands `$(POD_NAME)` in the member's arguments.
 */
export function etcdKilledOnTerm(command: string[]): string[] {
    const script = [
        '"$@" & pid=$!',
        "trap 'kill -KILL \"$pid\" 2>/dev/null' TERM INT",
        'wait "$pid" && exit 0 || rc=$?',
        // A trapped TERM ends the first wait early: wait for the killed etcd itself.
        'if [ "$rc" -gt 128 ]; then wait "$pid" && rc=0 || rc=$?; fi',
        'exit "$rc"',
    ].join("\n");
    return ["sh", "-c", script, "etcd-member", ...command];
}

/**
 * The order in which member `index` of `members` (names, in the order their restarts run one after
 * another: Docker's one after another, a StatefulSet's roll from the highest ordinal) prefers to hand its leadership over: the members before it, nearest first (already
 * restarted), then those after it, farthest first (restarted last).
 */
export function etcdHandOffPreference(members: string[], index: number): string[] {
    const before = members.slice(0, index).reverse();
    const after = members.slice(index + 1).reverse();
    return [...before, ...after];
}
