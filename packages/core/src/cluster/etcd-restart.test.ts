import { spawn, spawnSync } from "child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { etcdHandOffPreference, etcdHandOffScript, etcdKilledOnTerm } from "./etcd-restart";

// What etcdctl 3.4 prints (`-w simple`), as seen in a pgscale etcd member.
const status = (id: string, leader: boolean) => `https://127.0.0.1:2379, ${id}, 3.4.23, 45 kB, ${leader}, false, 3, 187, 187, \n`;
const members = [
    "b0fc43be73df1dda, started, dcs-0, https://dcs-0:2380, https://dcs-0:2379, false",
    "eb3d56755025224f, started, dcs-1, https://dcs-1:2380, https://dcs-1:2379, false",
    "ec46f9039842b785, started, dcs-2, https://dcs-2:2380, https://dcs-2:2379, false",
].join("\n") + "\n";

/** Runs the hand-off script with `names` as arguments against an etcdctl stand-in answering `status` and `list`. */
function handOff(id: string, leader: boolean, names: string[], list = members, statusText = status(id, leader)) {
    const dir = mkdtempSync(join(tmpdir(), "pgscale-handoff-"));
    try {
        writeFileSync(join(dir, "etcdctl"), [
            "#!/bin/sh",
            'case "$*" in',
            '  *"endpoint status -w simple"*) printf "%s" "$STATUS";;',
            '  *"member list -w simple"*) printf "%s" "$MEMBERS";;',
            '  *" move-leader "*) echo "$*" >> "$MOVES";;',
            '  *) echo "unexpected: $*" >&2; exit 2;;',
            "esac",
        ].join("\n"), { mode: 0o755 });
        const r = spawnSync("bash", ["--norc", "--noprofile", "-c", etcdHandOffScript(true), "hand-off", ...names], {
            encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH}`, STATUS: statusText, MEMBERS: list, MOVES: join(dir, "moves") },
        });
        const moves = existsSync(join(dir, "moves")) ? readFileSync(join(dir, "moves"), "utf8").trim().split("\n") : [];
        return { code: r.status, out: r.stdout.trim(), err: r.stderr.trim(), moves };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

describe("handing etcd's leadership over before a member goes down", () => {
    // The arguments the stand-in saw: etcdctl against the member itself, over TLS.
    const args = "--endpoints=https://127.0.0.1:2379 --cacert=/etc/pgscale/etcd-tls/ca.crt --command-timeout=10s";

    it("a follower hands nothing over", () => {
        expect(handOff("eb3d56755025224f", false, ["dcs-0", "dcs-2"])).toEqual({ code: 0, out: "follower eb3d56755025224f", err: "", moves: [] });
    });

    it("the leader hands it to the first preferred member that is another started voter, with etcdctl against itself", () => {
        expect(handOff("eb3d56755025224f", true, ["dcs-0", "dcs-2"])).toEqual({ code: 0, out: "moved eb3d56755025224f dcs-0", err: "", moves: [`${args} move-leader b0fc43be73df1dda`] });
        // Never to itself, even when listed; an unstarted member or a learner is passed over.
        const list = members.replace("b0fc43be73df1dda, started", "b0fc43be73df1dda, unstarted")
            + "aa00000000000001, started, dcs-3, https://dcs-3:2380, https://dcs-3:2379, true\n";
        expect(handOff("eb3d56755025224f", true, ["dcs-1", "dcs-0", "dcs-3", "dcs-2"], list).moves).toEqual([`${args} move-leader ec46f9039842b785`]);
    });

    it("a single member (no names) hands nothing over and asks etcd nothing", () => {
        expect(handOff("b0fc43be73df1dda", true, [], members, "not asked")).toEqual({ code: 0, out: "no other member", err: "", moves: [] });
    });

    it("fails when the leader has no one to hand it to, and on output it cannot read", () => {
        const alone = handOff("b0fc43be73df1dda", true, ["dcs-1"], members.split("\n")[0] + "\n");
        expect(alone).toMatchObject({ code: 1, moves: [] });
        expect(alone.err).toBe("etcd member b0fc43be73df1dda is the leader and none of dcs-1 is another started member to hand the leadership to");
        const garbled = handOff("b0fc43be73df1dda", true, ["dcs-1"], members, "Error: context deadline exceeded\n");
        expect(garbled).toMatchObject({ code: 1, moves: [] });
        expect(garbled.err).toContain("unexpected etcd endpoint status");
    });

    it("uses no $(...), which the kubelet would expand in a pod's command", () => {
        expect(etcdHandOffScript(true)).not.toContain("$(");
        expect(etcdKilledOnTerm(["etcd", "--name", "$(POD_NAME)"]).slice(0, 2)).toEqual(["sh", "-c"]);
        expect(etcdKilledOnTerm(["etcd"])[2]).not.toContain("$(");
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
});

describe("an etcd member's command that a TERM kills", () => {
    /** Starts `command` under the wrapper, sends it TERM after `termAfterMs` (if given), and resolves with how it ended. */
    function run(command: string[], termAfterMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
        const [file, ...args] = etcdKilledOnTerm(command);
        const started = Date.now();
        const child = spawn(file, args, { stdio: "ignore" });
        if (termAfterMs !== undefined) setTimeout(() => child.kill("SIGTERM"), termAfterMs);
        return new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, ms: Date.now() - started })));
    }

    it("kills the member on TERM, even one that would stop gracefully and slowly", async () => {
        // A stand-in that, like etcd, handles TERM itself: it would take 20 s to stop.
        const graceful = ["bash", "-c", "trap 'sleep 20; exit 0' TERM; while :; do sleep 0.1; done"];
        const ended = await run(graceful, 500);
        expect(ended.code).toBe(137);
        expect(ended.ms).toBeLessThan(5000);
    });

    it("exits with the member's own status when it ends by itself", async () => {
        expect((await run(["bash", "-c", "exit 3"])).code).toBe(3);
        expect((await run(["true"])).code).toBe(0);
    });
});
