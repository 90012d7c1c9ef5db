import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterInfo } from "./cluster-info";
import { KEPT_PREFIX, currentOwner, formatOwner, isKeptOwner, parseOwner } from "./owner";
import { slotInfo } from "./reuse";
import { freeSlot, keptClusters, leases, readRecord, removeLease, touchRecord, writeLease, writeRecord } from "./reuse-record";
import { createClusterDir } from "./state-dir";

const info = {
    kind: "cluster", stackName: "t-x", database: "app", owner: "app",
    primaryUri: "postgresql://app:pw@127.0.0.1:5000/app", replicaUri: "postgresql://app:pw@127.0.0.1:5001/app",
    superuserUri: "postgresql://postgres:pw@127.0.0.1:5000/postgres", members: [], services: [],
} as unknown as ClusterInfo;

describe("kept cluster files", () => {
    let root: string;
    beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "pgscale-reuse-unit-"))));
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("marks a kept cluster's owner so older prunes take it for another host's", () => {
        const me = currentOwner();
        const text = KEPT_PREFIX + formatOwner(me);
        expect(isKeptOwner(text)).toBe(true);
        expect(parseOwner(text)).toEqual(me);
        // What an older parseOwner (without the prefix) makes of it: another host.
        expect(/^(.+)\/(\d+)\/(\d*)$/.exec(text)![1]).not.toBe(os.hostname());
    });

    it("finds this user's records of a key, most recently used first, and leases the lowest free slot", () => {
        const uid = os.userInfo().uid;
        for (const [stack, key, lastUsed] of [["t-a", "k1", 1], ["t-b", "k1", 2], ["t-c", "k2", 3]] as const) {
            const d = createClusterDir(root, stack, currentOwner(), KEPT_PREFIX + formatOwner(currentOwner()));
            writeRecord(d.dir, { key, spec: {}, uid, createdAt: 0, lastUsed, ttl: 60, info: { ...info, stackName: stack } });
        }
        createClusterDir(root, "t-plain", currentOwner()); // not kept: no record
        expect(keptClusters(root, "k1").map((c) => c.record.info.stackName)).toEqual(["t-b", "t-a"]);
        expect(readRecord(path.join(root, "t-plain")).status).toBe("missing");
        expect(readRecord(path.join(root, "gone")).status).toBe("unreadable");

        const dir = path.join(root, "t-a");
        touchRecord(dir, 5);
        expect(keptClusters(root, "k1")[0].record).toMatchObject({ info: { stackName: "t-a" }, ttl: 5 });

        expect(freeSlot(dir, 2)).toBe(1);
        writeLease(dir, 1, currentOwner());
        expect(freeSlot(dir, 2)).toBe(2);
        // A lease whose holder died is free again.
        const exited = spawnSync(process.execPath, ["-e", ""]).pid!;
        writeLease(dir, 2, { host: os.hostname(), pid: exited, start: "1" });
        expect(leases(dir).map((l) => [l.slot, l.live])).toEqual([[1, true], [2, false]]);
        expect(freeSlot(dir, 2)).toBe(2);
        writeLease(dir, 2, currentOwner());
        expect(freeSlot(dir, 2)).toBeUndefined();
        removeLease(dir, 1);
        expect(freeSlot(dir, 2)).toBe(1);
    });

    it("gives slot n its own database in every URI", () => {
        const s1 = slotInfo(info, "k", 1);
        expect(s1).toMatchObject({ database: "app", primaryUri: info.primaryUri, reuse: { key: "k", slot: 1 } });
        const s3 = slotInfo(info, "k", 3);
        expect(s3.database).toBe("app_3");
        expect(s3.primaryUri).toBe("postgresql://app:pw@127.0.0.1:5000/app_3");
        expect(s3.replicaUri).toBe("postgresql://app:pw@127.0.0.1:5001/app_3");
        expect(s3.superuserUri).toBe(info.superuserUri);
    });
});
