import { etcdHandOff, etcdHandOffPreference, etcdMoveLeaderCommand, etcdRestartSurveyScript } from "./etcd-restart";

// What etcdctl 3.4 prints (`-w simple`), as seen in a pgscale etcd member.
const status = (id: string, leader: boolean) => `https://127.0.0.1:2379, ${id}, 3.4.23, 45 kB, ${leader}, false, 3, 187, 187, \n`;
const members = [
    "b0fc43be73df1dda, started, dcs-0, https://dcs-0:2380, https://dcs-0:2379, false",
    "eb3d56755025224f, started, dcs-1, https://dcs-1:2380, https://dcs-1:2379, false",
    "ec46f9039842b785, started, dcs-2, https://dcs-2:2380, https://dcs-2:2379, false",
].join("\n") + "\n";
const survey = (id: string, leader: boolean, list = members) => `${status(id, leader)}---\n${list}`;

describe("handing etcd's leadership over before a member restarts", () => {
    it("a follower hands nothing over", () => {
        expect(etcdHandOff(survey("eb3d56755025224f", false), ["dcs-0", "dcs-2"])).toEqual({ self: "eb3d56755025224f", leader: false });
    });

    it("the leader hands it to the first preferred member that is another started voter", () => {
        expect(etcdHandOff(survey("eb3d56755025224f", true), ["dcs-0", "dcs-2"])).toEqual({ self: "eb3d56755025224f", leader: true, target: "b0fc43be73df1dda" });
        // Never to itself, even when listed; an unstarted member or a learner is passed over.
        const list = members.replace("b0fc43be73df1dda, started", "b0fc43be73df1dda, unstarted")
            + "aa00000000000001, started, dcs-3, https://dcs-3:2380, https://dcs-3:2379, true\n";
        expect(etcdHandOff(survey("eb3d56755025224f", true, list), ["dcs-1", "dcs-0", "dcs-3", "dcs-2"]).target).toBe("ec46f9039842b785");
    });

    it("refuses when the leader has no one to hand it to, and output it cannot read", () => {
        expect(() => etcdHandOff(survey("b0fc43be73df1dda", true, members.split("\n")[0] + "\n"), ["dcs-1"]))
            .toThrow("etcd member b0fc43be73df1dda is the leader and none of dcs-1 is another started member");
        expect(() => etcdHandOff(status("b0fc43be73df1dda", true), ["dcs-1"])).toThrow("no member list");
        expect(() => etcdHandOff("Error: context deadline exceeded\n---\n" + members, ["dcs-1"])).toThrow("unexpected etcd endpoint status");
    });

    it("prefers the members restarted before it, nearest first, then those restarted after it, last first", () => {
        const names = ["dcs-0", "dcs-1", "dcs-2"];
        expect(names.map((_, i) => etcdHandOffPreference(names, i))).toEqual([["dcs-2", "dcs-1"], ["dcs-0", "dcs-2"], ["dcs-1", "dcs-0"]]);
        // So one restart of every member, in order, moves the leadership at most twice, and once
        // unless the first member leads: count the moves for each starting leader.
        const moves = (leader: number) => {
            let n = 0;
            names.forEach((_, i) => {
                if (i !== leader) return;
                const to = etcdHandOffPreference(names, i)[0];
                leader = names.indexOf(to);
                n++;
            });
            return n;
        };
        expect([0, 1, 2].map(moves)).toEqual([2, 1, 1]);
    });

    it("runs etcdctl against the member itself, with TLS when the cluster has it, and takes only a member id", () => {
        expect(etcdRestartSurveyScript(true)).toBe([
            "set -eu",
            "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/pgscale/etcd-tls/ca.crt --command-timeout=10s endpoint status -w simple",
            "echo ---",
            "etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/pgscale/etcd-tls/ca.crt --command-timeout=10s member list -w simple",
        ].join("\n"));
        expect(etcdMoveLeaderCommand(false, "ec46f9039842b785")).toBe("etcdctl --endpoints=http://127.0.0.1:2379 --command-timeout=10s move-leader ec46f9039842b785");
        expect(() => etcdMoveLeaderCommand(true, "x; rm -rf /")).toThrow("not an etcd member id");
    });
});
