import { ReplicaStat } from "./facts";
import { checkReplicaLag, checkReplicaSide } from "./lag";
import { DEFAULT_THRESHOLDS as t } from "./thresholds";

const MiB = 1024 * 1024;
const r = (over: Partial<ReplicaStat> = {}): ReplicaStat => ({
    name: "pg-1", clientAddr: "10.0.0.2", state: "streaming", syncState: "async", unsentBytes: 0, unflushedBytes: 0, unreplayedBytes: 0,
    totalLagBytes: 0, writeLagSeconds: null, flushLagSeconds: null, replayLagSeconds: null, ...over,
});

describe("replica lag (primary side)", () => {
    test("caught up and idle: ok", () => {
        expect(checkReplicaLag(r(), t)).toMatchObject({ severity: "ok", detail: "pg-1 (streaming, async): 0 B behind, replay_lag n/a (idle) [unsent 0 B, unflushed 0 B, unreplayed 0 B]" });
    });

    test("bytes and time both grade the lag", () => {
        expect(checkReplicaLag(r({ totalLagBytes: 2 * MiB, unflushedBytes: 2 * MiB }), t).severity).toBe("warning");
        expect(checkReplicaLag(r({ replayLagSeconds: 12 }), t).severity).toBe("warning");
        expect(checkReplicaLag(r({ replayLagSeconds: 301 }), t).severity).toBe("critical");
        expect(checkReplicaLag(r({ totalLagBytes: 2048 * MiB, unreplayedBytes: 2048 * MiB }), t).severity).toBe("critical");
    });

    test.each([
        ["unsentBytes", /WAL sender/],
        ["unflushedBytes", /network latency/],
        ["unreplayedBytes", /disk I\/O on the replica/],
    ] as const)("the largest share (%s) picks the branch of the tree", (key, fix) => {
        const f = checkReplicaLag(r({ totalLagBytes: 8 * MiB, [key]: 8 * MiB }), t);
        expect(f.fix).toMatch(fix);
        expect(f.fix).toMatch(/synchronous_commit/);
    });

    test("WAL sent but not flushed: the fix splits flush_lag into network and the replica's fsync", () => {
        const stuck = r({ totalLagBytes: 8 * MiB, unflushedBytes: 8 * MiB, writeLagSeconds: 0.2, flushLagSeconds: 3.2 });
        expect(checkReplicaLag(stuck, t).fix).toMatch(/^Check network latency .* \(write_lag 200 ms: network and write; flush_lag 3\.2 s, of which 3\.0 s is the replica's fsync\)\./);
        expect(checkReplicaLag({ ...stuck, writeLagSeconds: null }, t).fix).toMatch(/compare write_lag with flush_lag/);
    });

    test("a replica that is not streaming yet is at least a warning", () => {
        expect(checkReplicaLag(r({ state: "catchup" }), t)).toMatchObject({ severity: "warning", fix: expect.stringMatching(/"catchup"/) });
    });
});

describe("replica side", () => {
    const side = { inRecovery: true, receiveLsn: "0/5000000", replayLsn: "0/5000000", replayGapBytes: 0, lastReplayAgeSeconds: 3600 };

    test("nothing left to replay is current, however old the last transaction", () => {
        expect(checkReplicaSide(side, t).severity).toBe("ok");
    });

    test("received but not replayed: the replica's I/O", () => {
        const f = checkReplicaSide({ ...side, replayLsn: "0/4000000", replayGapBytes: 16 * MiB, lastReplayAgeSeconds: 40 }, t);
        expect(f).toMatchObject({ severity: "warning", fix: expect.stringMatching(/disk I\/O on the replica/) });
    });

    test("no WAL received is critical; a primary behind --replica-uri is a warning", () => {
        expect(checkReplicaSide({ ...side, receiveLsn: null }, t).severity).toBe("critical");
        expect(checkReplicaSide({ ...side, inRecovery: false }, t)).toMatchObject({ severity: "warning", detail: expect.stringMatching(/not in recovery/) });
    });
});
