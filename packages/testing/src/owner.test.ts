import { spawnSync } from "child_process";
import * as os from "os";
import { currentOwner, formatOwner, ownerState, parseOwner } from "./owner";

describe("owner", () => {
    it("round-trips through its label text", () => {
        const me = currentOwner();
        expect(me.pid).toBe(process.pid);
        expect(me.start).toMatch(/^\d+$/);
        expect(parseOwner(formatOwner(me))).toEqual(me);
        expect(parseOwner("garbage")).toBeUndefined();
        expect(parseOwner(undefined)).toBeUndefined();
    });

    it("tells a live owner from a dead one, a reused pid, and another host's", () => {
        expect(ownerState(currentOwner())).toBe("alive");
        const exited = spawnSync(process.execPath, ["-e", ""]).pid!;
        expect(ownerState({ host: os.hostname(), pid: exited, start: "1" })).toBe("dead");
        // Same pid, different start time: the pid was reused by another process.
        expect(ownerState({ ...currentOwner(), start: "1" })).toBe("dead");
        expect(ownerState({ host: `not-${os.hostname()}`, pid: process.pid, start: "" })).toBe("foreign");
    });
});
